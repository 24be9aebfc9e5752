package monetj.xla.check;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import monetj.xla.pjrt.PluginDiscovery;
import monetj.xla.pjrt.PluginNotFoundException;

/** The PJRT plugin installed on this host, or a skipped test naming what was looked for (CI has none). */
final class InstalledPlugin {
    private InstalledPlugin() {}

    static Path findOrSkip() {
        try {
            return PluginDiscovery.system().find(null);
        } catch (PluginNotFoundException e) {
            assumeTrue(false, "no PJRT plugin (xla_cuda_plugin.so or libtpu.so) installed: " + e.getMessage());
            throw new AssertionError("unreachable");
        }
    }
}
