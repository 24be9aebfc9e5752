package monetj.xla.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import monetj.core.backend.DeviceBuffer;
import monetj.core.backend.Executable;
import monetj.core.dsl.Tensor;
import monetj.core.ir.Graph;
import monetj.core.tensor.DType;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Shape;
import monetj.core.tensor.TensorType;
import org.junit.jupiter.api.Test;

/** A module XLA refuses is reported with the program's name, XLA's own diagnostic and the offending line. */
class XlaCpuCompileErrorTest {
    private static final TensorType F32_2X3 = TensorType.of(DType.F32, 2, 3);

    @Test
    void aRefusedModuleNamesTheProgramAndQuotesXlasDiagnosticAndLine() {
        try (XlaCpuBackend xla = new XlaCpuBackend()) {
            Graph g = new Graph("doubled");
            Tensor x = new Tensor(g, g.parameter("x", F32_2X3));
            g.setOutputs(List.of(x.add(x).value()));
            String good = xla.emit(g).text();
            String bad = good.replace("stablehlo.add", "stablehlo.plus");
            int line = 1 + (int) good.substring(0, good.indexOf("stablehlo.add")).chars().filter(c -> c == '\n').count();
            try (Executable exe = new XlaCallModuleProgram("doubled", bad, List.of(F32_2X3), List.of(F32_2X3));
                    DeviceBuffer in = xla.put(HostTensor.zeros(DType.F32, Shape.of(2, 3)))) {
                XlaCpuCompileException e = assertThrows(XlaCpuCompileException.class, () -> exe.execute(List.of(in)));
                String m = e.getMessage();
                assertTrue(m.startsWith("xla-cpu could not compile program doubled: "), m);
                assertTrue(m.contains("line " + line + ":"), m);
                assertTrue(m.contains("unregistered operation 'stablehlo.plus'"), m);
                assertTrue(m.contains(bad.lines().toList().get(line - 1).strip()), "quotes the module line:\n" + m);
            }
            // fd 2 is restored and the backend keeps working.
            assertEquals(6.0f, xla.run(g, List.of(HostTensor.of(Shape.of(2, 3), new float[] {0, 1, 2, 3, 4, 3}))).get(0).floats()[5]);
        }
    }
}
