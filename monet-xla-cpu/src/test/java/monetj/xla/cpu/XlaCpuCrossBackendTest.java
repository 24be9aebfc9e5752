package monetj.xla.cpu;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import monetj.core.exec.JavaExecutor;
import monetj.xla.check.CheckCases;
import monetj.xla.check.CheckResult;
import monetj.xla.check.CrossBackendCheck;
import org.junit.jupiter.api.Test;

/** Every case of the cross-backend suite (every op family and gradient rule) compiled by XLA against the Java executor. */
class XlaCpuCrossBackendTest {
    @Test
    void everyOpAgreesWithTheJavaExecutor() {
        try (XlaCpuBackend xla = new XlaCpuBackend()) {
            List<CheckResult> results = CrossBackendCheck.run(xla, new JavaExecutor(), null, r -> {});
            List<String> failed = results.stream().filter(r -> !r.passed()).map(CrossBackendCheck::line).toList();
            assertTrue(results.size() == CheckCases.all().size(), "every case ran");
            assertTrue(failed.isEmpty(), failed.size() + " of " + results.size() + " cases failed on xla-cpu:\n" + String.join("\n", failed));
        }
    }
}
