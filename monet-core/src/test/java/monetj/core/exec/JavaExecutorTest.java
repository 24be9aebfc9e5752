package monetj.core.exec;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.Set;
import monetj.core.backend.DeviceBuffer;
import monetj.core.backend.Executable;
import monetj.core.dsl.Tensor;
import monetj.core.ir.CustomCall;
import monetj.core.ir.Graph;
import monetj.core.tensor.DType;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Shape;
import monetj.core.tensor.TensorType;
import org.junit.jupiter.api.Test;

class JavaExecutorTest {
    private final JavaExecutor exec = new JavaExecutor();
    private final TensorType vec = TensorType.of(DType.F32, 3);

    private Graph axpy() {
        Graph g = new Graph("axpy");
        Tensor x = new Tensor(g, g.parameter("x", vec)), y = new Tensor(g, g.parameter("y", vec));
        g.setOutputs(List.of(x.mul(2.0).add(y).value(), x.sum().value()));
        return g;
    }

    @Test
    void runsAGraphWithSeveralOutputs() {
        List<HostTensor> r = exec.run(axpy(), List.of(HostTensor.of(Shape.of(3), new float[] {1, 2, 3}), HostTensor.of(Shape.of(3), new float[] {1, 1, 1})));
        assertArrayEquals(new float[] {3, 5, 7}, r.get(0).floats());
        assertEquals(6f, r.get(1).floats()[0]);
    }

    @Test
    void donatedArgumentsAreConsumed() {
        try (Executable exe = exec.compile(axpy())) {
            DeviceBuffer x = exec.put(HostTensor.of(Shape.of(3), new float[] {1, 2, 3}));
            DeviceBuffer y = exec.put(HostTensor.of(Shape.of(3), new float[] {0, 0, 0}));
            List<DeviceBuffer> out = exe.execute(List.of(x, y), Set.of(1));
            assertFalse(x.isDeleted());
            assertTrue(y.isDeleted());
            assertArrayEquals(new float[] {2, 4, 6}, exec.get(out.get(0)).floats());
            var e = assertThrows(IllegalStateException.class, () -> exe.execute(List.of(x, y)));
            assertTrue(e.getMessage().contains("donated"), e.getMessage());
        }
    }

    @Test
    void wrongArgumentsAreNamed() {
        try (Executable exe = exec.compile(axpy())) {
            DeviceBuffer x = exec.put(HostTensor.of(Shape.of(3), new float[] {1, 2, 3}));
            DeviceBuffer bad = exec.put(HostTensor.of(Shape.of(3), new int[] {1, 2, 3}));
            var e = assertThrows(IllegalArgumentException.class, () -> exe.execute(List.of(x, bad)));
            assertTrue(e.getMessage().contains("(y) should be f32[3], got s32[3]"), e.getMessage());
            var e2 = assertThrows(IllegalArgumentException.class, () -> exe.execute(List.of(x)));
            assertTrue(e2.getMessage().contains("expected 2 arguments, got 1"), e2.getMessage());
        }
    }

    @Test
    void customCallsAreRefusedByNameUnlessDead() {
        Graph g = new Graph("fused");
        Tensor x = new Tensor(g, g.parameter("x", vec));
        var call = g.apply(new CustomCall("my_fused_kernel", "", List.of(vec)), List.of(x.value()));
        g.setOutputs(List.of(call.out()));
        var e = assertThrows(UnsupportedOperationException.class, () -> exec.compile(g));
        assertTrue(e.getMessage().contains("custom_call 'my_fused_kernel'"), e.getMessage());
        g.setOutputs(List.of(x.neg().value())); // the custom call is no longer needed: it is never run
        assertArrayEquals(new float[] {-1, -2, -3}, exec.run(g, List.of(HostTensor.of(Shape.of(3), new float[] {1, 2, 3}))).get(0).floats());
    }

    @Test
    void scalarOperandsAreReadWithoutMaterialisingTheirBroadcast() {
        Graph g = new Graph("scalars");
        Tensor x = new Tensor(g, g.parameter("x", vec));
        Tensor three = Tensor.full(g, DType.F32, vec.shape(), 3); // a broadcast scalar on the left
        g.setOutputs(List.of(three.sub(x).value(), three.div(x).value(), x.sub(0.5).value(), x.div(4.0).value(), x.pow(2.0).value(),
                three.value() /* also needed whole: must still be materialised */));
        List<HostTensor> r = exec.run(g, List.of(HostTensor.of(Shape.of(3), new float[] {1, 2, 4})));
        assertArrayEquals(new float[] {2, 1, -1}, r.get(0).floats());
        assertArrayEquals(new float[] {3, 1.5f, 0.75f}, r.get(1).floats());
        assertArrayEquals(new float[] {0.5f, 1.5f, 3.5f}, r.get(2).floats());
        assertArrayEquals(new float[] {0.25f, 0.5f, 1}, r.get(3).floats());
        assertArrayEquals(new float[] {1, 4, 16}, r.get(4).floats());
        assertArrayEquals(new float[] {3, 3, 3}, r.get(5).floats());
    }

    @Test
    void bf16ValuesStayBf16() {
        Graph g = new Graph("bf16");
        TensorType t = TensorType.of(DType.BF16, 2);
        Tensor a = new Tensor(g, g.parameter("a", t)), b = new Tensor(g, g.parameter("b", t));
        g.setOutputs(List.of(a.add(b).value()));
        HostTensor r = exec.run(g, List.of(HostTensor.fromDoubles(DType.BF16, Shape.of(2), new double[] {1, 256}),
                HostTensor.fromDoubles(DType.BF16, Shape.of(2), new double[] {0.00390625, 1}))).get(0);
        assertEquals(DType.BF16, r.dtype());
        // 1 + 2^-8 rounds to 1 in bf16, and so does 256 + 1 (bf16 keeps 8 significant bits).
        assertArrayEquals(new double[] {1, 256}, r.doubles());
    }

    @Test
    void reportsThePeakLiveBytesOfAnExecution() {
        Graph g = new Graph("chain");
        Tensor x = new Tensor(g, g.parameter("x", TensorType.of(DType.F32, 1000)));
        Tensor y = x.mul(2.0), z = y.add(1.0);
        g.setOutputs(List.of(z.sum().value(), x.reshape(10, 100).value()));
        try (Executable exe = exec.compile(g)) {
            assertTrue(exe.peakLiveBytes().isEmpty());
            DeviceBuffer in = exec.put(HostTensor.of(Shape.of(1000), new float[1000]));
            exe.execute(List.of(in));
            // x, y and z at once while z is computed (the reshape of x is a view, counted once), plus scalar constants
            long peak = exe.peakLiveBytes().orElseThrow();
            assertTrue(peak >= 3 * 4000 && peak <= 3 * 4000 + 16, "peak " + peak);
        }
    }
}
