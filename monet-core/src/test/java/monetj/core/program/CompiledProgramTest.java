package monetj.core.program;

import static org.junit.jupiter.api.Assertions.*;

import java.util.LinkedHashMap;
import java.util.Map;
import monetj.core.backend.CompiledProgram;
import monetj.core.backend.DeviceBuffer;
import monetj.core.dsl.Tensor;
import monetj.core.exec.JavaExecutor;
import monetj.core.tensor.DType;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Shape;
import monetj.core.tensor.TensorType;
import org.junit.jupiter.api.Test;

/** Programs are bound by leaf name: state in, state out under the same name, donated leaves consumed, misfits refused by name. */
class CompiledProgramTest {
    private static Program counter() {
        ProgramBuilder b = new ProgramBuilder("counter");
        Tensor total = b.input("state", "total", TensorType.of(DType.F32, 2), null, true);
        Tensor x = b.input("batch", "x", TensorType.of(DType.F32, 2));
        b.output("state", "total", total.add(x));
        b.metric("sum", x.sum(), MetricCombine.SUM);
        return b.build();
    }

    @Test
    void bindsByNameAndDonatesWhatTheSignatureSays() {
        JavaExecutor exec = new JavaExecutor();
        try (CompiledProgram p = exec.compile(counter())) {
            Map<String, DeviceBuffer> in = new LinkedHashMap<>();
            in.put("x", exec.put(HostTensor.of(Shape.of(2), new float[] {1, 2})));
            in.put("total", exec.put(HostTensor.of(Shape.of(2), new float[] {10, 20})));
            Map<String, DeviceBuffer> out = p.run(in);
            assertArrayEquals(new float[] {11, 22}, exec.get(out.get("total")).floats());
            assertEquals(3.0, exec.get(out.get("sum")).getDouble(0));
            assertTrue(in.get("total").isDeleted(), "donated");
            assertFalse(in.get("x").isDeleted(), "read only");
            var e = assertThrows(IllegalArgumentException.class, () -> p.run(Map.of("x", in.get("x"), "y", in.get("x"))));
            assertTrue(e.getMessage().contains("missing [total]") && e.getMessage().contains("unexpected [y]"), e.getMessage());
            var e2 = assertThrows(IllegalArgumentException.class, () -> p.run(Map.of("x", in.get("x"), "total", in.get("total"))));
            assertTrue(e2.getMessage().contains("'total'") && e2.getMessage().contains("donated"), e2.getMessage());
        }
        var e3 = assertThrows(IllegalArgumentException.class, () -> {
            ProgramBuilder b = new ProgramBuilder("twice");
            b.input("a", "w", TensorType.of(DType.F32));
            b.input("b", "w", TensorType.of(DType.F32));
        });
        assertTrue(e3.getMessage().contains("'w'"), e3.getMessage());
    }
}
