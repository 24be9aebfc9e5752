package monetj.xla.pjrt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import monetj.core.ir.Graph;
import monetj.core.tensor.DType;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Shape;
import monetj.core.tensor.TensorType;
import monetj.xla.bench.DispatchBenchmark;
import org.junit.jupiter.api.Test;

/**
 * The binding's own cost per execute, measured against the fake plugin (whose execute is a 32-byte copy), so
 * the number is Java + FFM overhead: arena, argument lists, the downcall, wrapping and releasing the result.
 */
class DispatchOverheadTest {
    @Test
    void bindingOverheadPerExecute() {
        try (PjrtClient c = PjrtClient.create(PjrtPlugin.load(FakePlugin.library()), ClientOptions.none());
                PjrtBackend backend = new PjrtBackend(c, c.devices().get(0))) {
            Graph g = new Graph("identity");
            g.setOutputs(List.of(g.parameter("x", TensorType.of(DType.F32, 8))));
            DispatchBenchmark.Result r = DispatchBenchmark.measure(backend, g, List.of(HostTensor.of(Shape.of(8), new float[8])), 10, 5000);
            System.out.printf("PJRT binding overhead (fake plugin): %.2f us per execute (median of 10 rounds of 5000; best %.2f)%n", r.medianMicros(), r.minMicros());
            assertEquals("fake", r.platform());
            assertTrue(r.medianMicros() > 0);
            assertEquals(0, FakePlugin.stat("buffers"), "the benchmark releases every buffer");
        }
    }
}
