package monetj.xla.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.regex.Pattern;
import monetj.core.backend.Backend;
import monetj.core.backend.DeviceBuffer;
import monetj.core.backend.Executable;
import monetj.core.exec.JavaExecutor;
import monetj.core.ir.Graph;
import monetj.core.tensor.DType;
import monetj.core.tensor.HostTensor;
import org.junit.jupiter.api.Test;

/** The check itself: every case runs, and a backend that is off by more than the tolerance is caught. */
class CrossBackendCheckTest {
    /** The Java executor with every floating result scaled by (1 + error). */
    private record Perturbed(double error) implements Backend {
        private static final JavaExecutor JAVA = new JavaExecutor();

        @Override public String platform() { return "perturbed"; }

        @Override public Executable compile(Graph graph) { return JAVA.compile(graph); }

        @Override public DeviceBuffer put(HostTensor tensor) { return JAVA.put(tensor); }

        @Override
        public HostTensor get(DeviceBuffer buffer) {
            HostTensor t = JAVA.get(buffer);
            if (!t.dtype().isFloating()) return t;
            double[] v = t.doubles().clone();
            for (int i = 0; i < v.length; i++) v[i] = v[i] * (1 + error) + error;
            return HostTensor.fromDoubles(t.dtype(), t.shape(), v);
        }
    }

    @Test
    void everyCaseRunsOnTheJavaExecutorAndAgreesWithItself() {
        List<CheckResult> results = CrossBackendCheck.run(new JavaExecutor(), new JavaExecutor(), null, r -> {});
        assertTrue(results.size() > 150, "only " + results.size() + " cases");
        for (CheckResult r : results) assertTrue(r.passed(), CrossBackendCheck.line(r));
        assertTrue(results.stream().anyMatch(r -> r.name().startsWith("grad dot_general")), "gradient rules are covered");
    }

    @Test
    void errorsAboveTheToleranceFailAndBelowPass() {
        List<CheckResult> f32 = CrossBackendCheck.run(new Perturbed(1e-4), new JavaExecutor(), Pattern.compile("^(exp|add) f32$"), r -> {});
        assertEquals(2, f32.size());
        for (CheckResult r : f32) assertFalse(r.passed(), CrossBackendCheck.line(r));
        List<CheckResult> bf16 = CrossBackendCheck.run(new Perturbed(1e-3), new JavaExecutor(), Pattern.compile("^(exp|add) bf16$"), r -> {});
        for (CheckResult r : bf16) assertTrue(r.passed(), "1e-3 is within bf16's tolerance: " + CrossBackendCheck.line(r));
        assertEquals(1e-5, CrossBackendCheck.tolerance(DType.F32));
    }

    @Test
    void failuresOfTheCandidateAreReportedNotThrown() {
        JavaExecutor java = new JavaExecutor();
        CheckResult r = CrossBackendCheck.run(new Backend() {
            @Override public String platform() { return "broken"; }
            @Override public Executable compile(Graph graph) { throw new UnsupportedOperationException("cannot compile " + graph.name()); }
            @Override public DeviceBuffer put(HostTensor tensor) { return java.put(tensor); }
            @Override public HostTensor get(DeviceBuffer buffer) { return java.get(buffer); }
        }, new JavaExecutor(), Pattern.compile("^negate f32$"), ignored -> {}).get(0);
        assertFalse(r.passed());
        assertEquals("broken failed: cannot compile negate_f32", r.problem());
    }
}
