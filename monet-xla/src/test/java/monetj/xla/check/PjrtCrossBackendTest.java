package monetj.xla.check;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import monetj.core.exec.JavaExecutor;
import monetj.xla.pjrt.ClientOptions;
import monetj.xla.pjrt.PjrtBackend;
import org.junit.jupiter.api.Test;

/**
 * Every op and gradient rule on a real PJRT plugin against the Java executor. Skipped, naming what was
 * looked for, where no plugin is installed (CI has none); on a GPU host set MONET_PJRT_PLUGIN or pip-install
 * jax-cuda13-pjrt.
 */
class PjrtCrossBackendTest {
    @Test
    void everyOpAgreesWithTheJavaExecutor() {
        Path plugin = InstalledPlugin.findOrSkip();
        try (PjrtBackend pjrt = PjrtBackend.open(plugin, ClientOptions.defaultsFor(plugin))) {
            List<CheckResult> results = CrossBackendCheck.run(pjrt, new JavaExecutor(), null, r -> System.out.println(CrossBackendCheck.line(r)));
            List<String> failed = results.stream().filter(r -> !r.passed()).map(CrossBackendCheck::line).toList();
            assertTrue(failed.isEmpty(), failed.size() + " of " + results.size() + " cases failed on " + pjrt.platform() + ":\n" + String.join("\n", failed));
        }
    }
}
