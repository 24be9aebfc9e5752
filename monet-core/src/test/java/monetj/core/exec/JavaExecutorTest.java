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
        Tensor y = x.mul(2.0), z = y.add(1.0); // both results, so both materialised
        g.setOutputs(List.of(y.value(), z.value(), x.reshape(10, 100).value()));
        try (Executable exe = exec.compile(g)) {
            assertTrue(exe.peakLiveBytes().isEmpty());
            DeviceBuffer in = exec.put(HostTensor.of(Shape.of(1000), new float[1000]));
            exe.execute(List.of(in));
            // x, y and z (the reshape of x is a view, counted once), plus scalar constants
            long peak = exe.peakLiveBytes().orElseThrow();
            assertTrue(peak >= 3 * 4000 && peak <= 3 * 4000 + 16, "peak " + peak);
        }
    }

    @Test
    void deadIntermediatesAreOverwrittenButArgumentsAndConstantsNever() {
        Graph g = new Graph("reuse");
        TensorType t = TensorType.of(DType.F32, 1000);
        Tensor x = new Tensor(g, g.parameter("x", t));
        float[] table = new float[1000];
        for (int i = 0; i < table.length; i++) table[i] = i;
        Tensor c = new Tensor(g, g.apply1(new monetj.core.ir.Constant(HostTensor.of(Shape.of(1000), table))));
        Tensor y = x.exp(), sum = y.sum(); // read by a reduction and by z: materialised
        Tensor z = y.mul(2.0).add(c);      // y and the constant die here
        g.setOutputs(List.of(z.value(), sum.value()));
        float[] in = new float[1000];
        for (int i = 0; i < in.length; i++) in[i] = i * 1e-3f;
        float[] before = in.clone();
        try (Executable exe = exec.compile(g)) {
            for (int run = 0; run < 2; run++) {
                List<DeviceBuffer> out = exe.execute(List.of(exec.put(HostTensor.of(Shape.of(1000), in))));
                float[] r = exec.get(out.get(0)).floats();
                for (int i = 0; i < r.length; i++) assertEquals((float) Math.exp(in[i]) * 2 + i, r[i], 2e-6f * r[i], "element " + i + " of run " + run);
                assertArrayEquals(before, in, "the argument is untouched");
                assertArrayEquals(HostTensor.of(Shape.of(1000), table).floats(), ((monetj.core.ir.Constant) g.nodes().get(c.value().node().id()).op()).value().floats());
                // x, the constant and y at most: z is written over y
                assertTrue(exe.peakLiveBytes().orElseThrow() < 3 * 4000 + 64, "peak " + exe.peakLiveBytes());
            }
        }
    }

    @Test
    void scatterAddsIntoADeadOperandOrABroadcastScalarWithoutCopying() {
        Graph g = new Graph("scatter");
        Tensor table = new Tensor(g, g.parameter("table", TensorType.of(DType.F32, 5, 3)));
        Tensor ids = new Tensor(g, g.parameter("ids", TensorType.of(DType.S32, 4, 1)));
        Tensor rows = new Tensor(g, g.parameter("rows", TensorType.of(DType.F32, 4, 3)));
        var add = new monetj.core.ir.Scatter(new int[] {1}, new int[] {0}, new int[0], new int[0], new int[] {0}, 1, false, false);
        Tensor intoComputed = Tensor.apply(add, table.mul(2.0), ids, rows);          // table * 2 dies here
        Tensor intoZeros = Tensor.apply(add, Tensor.full(g, DType.F32, Shape.of(5, 3), 0.5), ids, rows);
        Tensor intoArgument = Tensor.apply(add, table, ids, rows);                   // the argument must not change
        g.setOutputs(List.of(intoComputed.value(), intoZeros.value(), intoArgument.value()));
        float[] t = new float[15];
        for (int i = 0; i < t.length; i++) t[i] = i;
        HostTensor tableIn = HostTensor.of(Shape.of(5, 3), t.clone()), idsIn = HostTensor.of(Shape.of(4, 1), new int[] {3, 0, 3, 9});
        HostTensor rowsIn = HostTensor.of(Shape.of(4, 3), new float[] {1, 1, 1, 2, 2, 2, 4, 4, 4, 8, 8, 8});
        List<HostTensor> r = exec.run(g, List.of(tableIn, idsIn, rowsIn));
        float[] doubled = new float[15];
        for (int i = 0; i < 15; i++) doubled[i] = 2 * i;
        assertArrayEquals(add.evaluate(List.of(HostTensor.of(Shape.of(5, 3), doubled), idsIn, rowsIn)).get(0).floats(), r.get(0).floats());
        float[] half = new float[15];
        java.util.Arrays.fill(half, 0.5f);
        assertArrayEquals(add.evaluate(List.of(HostTensor.of(Shape.of(5, 3), half), idsIn, rowsIn)).get(0).floats(), r.get(1).floats());
        assertArrayEquals(add.evaluate(List.of(HostTensor.of(Shape.of(5, 3), t), idsIn, rowsIn)).get(0).floats(), r.get(2).floats());
        assertArrayEquals(t, tableIn.floats(), "the argument is untouched");
        assertEquals(11f + 1 + 4, r.get(2).floats()[9 + 2], "row 3 received two updates; index 9 is out of bounds and skipped");
    }

    /** p, m and v updated as AdamW does: three results of one fused loop, which reads m and v once more for p's update. */
    private Graph adamLike() {
        Graph g = new Graph("adam");
        TensorType t = TensorType.of(DType.F32, 4099);
        Tensor p = new Tensor(g, g.parameter("p", t)), grad = new Tensor(g, g.parameter("g", t));
        Tensor m = new Tensor(g, g.parameter("m", t)), v = new Tensor(g, g.parameter("v", t));
        Tensor m1 = m.mul(0.9).add(grad.mul(0.1)), v1 = v.mul(0.99).add(grad.square().mul(0.01));
        Tensor p1 = p.mul(0.999).sub(m1.div(v1.sqrt().add(1e-8)).mul(0.01));
        g.setOutputs(List.of(p1.value(), m1.value(), v1.value()));
        return g;
    }

    @Test
    void deadIntermediatesLendTheirArraysToLaterKernelsAndExecutionsButNeverToResults() {
        // 256 x 256 f32 (256 KiB): t dies at the product, whose zeroed result takes t's array (dirty: it must be
        // cleared); the executions after the first take the arrays the first left in the pool.
        TensorType square = TensorType.of(DType.F32, 256, 256);
        Graph g = new Graph("pooled");
        Tensor x = new Tensor(g, g.parameter("x", square));
        Tensor t = x.mul(3.0).exp();
        Tensor d = t.matmul(t.transpose(1, 0)).mul(1e-3);
        g.setOutputs(List.of(d.add(x).value(), d.matmul(x).value()));
        float[] v = new float[256 * 256];
        for (int i = 0; i < v.length; i++) v[i] = (float) Math.sin(i) * 0.01f;
        List<HostTensor> args = List.of(HostTensor.of(Shape.of(256, 256), v));
        List<HostTensor> expected = FusedLoopTest.nodeByNode(g, args);
        try (Executable exe = exec.compile(g)) {
            DeviceBuffer in = exec.put(args.get(0));
            List<HostTensor> first = null;
            List<float[]> firstValues = null;
            for (int run = 0; run < 3; run++) {
                List<HostTensor> out = exe.execute(List.of(in)).stream().map(exec::get).toList();
                for (int i = 0; i < 2; i++) assertTrue(FusedLoopTest.sameValues(expected.get(i), out.get(i)), "result " + i + " of execution " + run);
                if (first == null) {
                    first = out;
                    firstValues = out.stream().map(r -> r.floats().clone()).toList();
                    assertTrue(JavaExecutor.pooledBytes(exe) > 0, "the dead intermediates are kept for the next execution");
                }
            }
            for (int i = 0; i < 2; i++) assertArrayEquals(firstValues.get(i), first.get(i).floats(), "a fetched result is never written over");
            assertArrayEquals(v, args.get(0).floats(), "nor an argument");
        }
    }

    @Test
    void aParameterUpdateAndItsMomentsAreOneLoop() {
        Graph g = adamLike();
        List<monetj.core.ir.Node> live = g.liveNodes();
        FusionPlan plan = new FusionPlan(live, g.outputs(), live.get(live.size() - 1).id() + 1);
        FusionPlan.Cluster c = plan.runsAt(g.outputs().get(0).node());
        assertEquals(List.of(g.outputs().get(1).node(), g.outputs().get(2).node()), c.extras());
        assertEquals(4, c.leaves().stream().filter(v -> v.node().op() instanceof monetj.core.ir.Parameter).count(), "reads p, g, m and v: " + c.leaves());
        assertTrue(c.leaves().stream().allMatch(v -> v.node().op() instanceof monetj.core.ir.Parameter || FusionPlan.readThrough(v)), "and broadcast constants: " + c.leaves());
    }

    @Test
    void softmaxWritesItsExponentialsAndSumsThemInOneLoop() {
        Graph g = new Graph("softmax");
        Tensor x = new Tensor(g, g.parameter("x", TensorType.of(DType.F32, 5, 300)));
        Tensor e = x.sub(x.reduce(monetj.core.ir.Reduce.Kind.MAX, 1).broadcastInDim(Shape.of(5, 300), new int[] {0})).exp();
        Tensor sum = e.reduce(monetj.core.ir.Reduce.Kind.SUM, 1);
        g.setOutputs(List.of(e.div(sum.broadcastInDim(Shape.of(5, 300), new int[] {0})).value()));
        List<monetj.core.ir.Node> live = g.liveNodes();
        FusionPlan plan = new FusionPlan(live, g.outputs(), live.get(live.size() - 1).id() + 1);
        FusionPlan.Cluster c = plan.runsAt(e.value().node());
        assertTrue(c.alongside() && c.reduce() == sum.value().node() && plan.inner(sum.value().node()), "the sum is computed as e is written");
        float[] v = new float[1500];
        for (int i = 0; i < v.length; i++) v[i] = (float) Math.sin(i) * 20;
        List<HostTensor> args = List.of(HostTensor.of(Shape.of(5, 300), v));
        assertTrue(FusedLoopTest.sameValues(FusedLoopTest.nodeByNode(g, args).get(0), exec.run(g, args).get(0)));
    }

    @Test
    void donatedResultsOfAnEarlierExecutionAreUpdatedInPlaceButPutOrFetchedTensorsNever() {
        Graph g = adamLike();
        java.util.Random random = new java.util.Random(3);
        List<HostTensor> start = new java.util.ArrayList<>(); // p, g, m, v
        for (int i = 0; i < 4; i++) {
            float[] x = new float[4099];
            for (int j = 0; j < x.length; j++) x[j] = i == 3 ? random.nextFloat() : (float) random.nextGaussian();
            start.add(HostTensor.of(Shape.of(4099), x));
        }
        List<HostTensor> copies = start.stream().map(JavaExecutorTest::copy).toList();
        try (Executable exe = exec.compile(g)) {
            List<DeviceBuffer> state = List.of(exec.put(start.get(0)), exec.put(start.get(2)), exec.put(start.get(3)));
            DeviceBuffer grad = exec.put(start.get(1));
            List<HostTensor> expected = List.of(copies.get(0), copies.get(2), copies.get(3));
            HostTensor fetched = null;
            float[] fetchedValues = null;
            for (int step = 0; step < 3; step++) {
                List<float[]> donatedArrays = state.stream().map(b -> ((JavaExecutor.HostBuffer) b).tensor().floats()).toList();
                expected = FusedLoopTest.nodeByNode(g, List.of(expected.get(0), copies.get(1), expected.get(1), expected.get(2)));
                List<DeviceBuffer> out = exe.execute(List.of(state.get(0), grad, state.get(1), state.get(2)), Set.of(0, 2, 3));
                int reused = 0;
                for (int i = 0; i < 3; i++) {
                    HostTensor r = ((JavaExecutor.HostBuffer) out.get(i)).tensor();
                    assertTrue(FusedLoopTest.sameValues(expected.get(i), r), "result " + i + " of step " + step);
                    if (donatedArrays.stream().anyMatch(a -> a == r.floats())) reused++;
                    if (fetched != null) assertNotSame(fetched.floats(), r.floats(), "result " + i + " of step " + step + " is written over the fetched m");
                }
                // step 0 reads what the caller put; step 1 owns all three; step 2 not the m the caller fetched
                assertEquals(new int[] {0, 3, 2}[step], reused, "results written over donated arrays in step " + step);
                if (step == 1) assertTrue(exe.peakLiveBytes().orElseThrow() < 4 * 4 * 4099 + 64, "p, g, m and v only: " + exe.peakLiveBytes());
                if (step == 1) {
                    fetched = exec.get(out.get(1));
                    fetchedValues = fetched.floats().clone();
                }
                state = out;
            }
            assertArrayEquals(fetchedValues, fetched.floats(), "the fetched m is untouched");
            for (int i = 0; i < 4; i++) assertArrayEquals(copies.get(i).floats(), start.get(i).floats(), "put tensor " + i + " is untouched");
        }
    }

    private static HostTensor copy(HostTensor t) { return HostTensor.of(t.shape(), t.floats().clone()); }
}
