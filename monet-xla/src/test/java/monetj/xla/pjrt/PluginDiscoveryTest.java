package monetj.xla.pjrt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PluginDiscoveryTest {
    @TempDir
    Path dir;

    private static Path touch(Path p) throws IOException {
        Files.createDirectories(p.getParent());
        return Files.writeString(p, "");
    }

    @Test
    void explicitPathWinsAndMustExist() throws IOException {
        Path lib = touch(dir.resolve("my/plugin.so"));
        PluginDiscovery d = new PluginDiscovery(Map.of(PluginDiscovery.ENV_PLUGIN, "/elsewhere.so"), dir, List.of());
        assertEquals(lib, d.find(lib));
        var e = assertThrows(PluginNotFoundException.class, () -> d.find(dir.resolve("missing.so")));
        assertTrue(e.getMessage().contains("missing.so (given explicitly) does not exist"), e.getMessage());
    }

    @Test
    void environmentVariableComesNext() throws IOException {
        Path lib = touch(dir.resolve("env/libtpu.so"));
        assertEquals(lib, new PluginDiscovery(Map.of(PluginDiscovery.ENV_PLUGIN, lib.toString()), dir, List.of()).find(null));
        assertEquals(lib, new PluginDiscovery(Map.of("TPU_LIBRARY_PATH", lib.toString()), dir, List.of()).find(null));
    }

    @Test
    void pipInstalledPluginsAreFoundInSitePackages() throws IOException {
        Path cuda = touch(dir.resolve("venv/lib/python3.12/site-packages/jax_plugins/xla_cuda13/xla_cuda_plugin.so"));
        assertEquals(cuda, new PluginDiscovery(Map.of("VIRTUAL_ENV", dir.resolve("venv").toString()), dir, List.of()).find(null));
        Path tpu = touch(dir.resolve("usr/lib/python3.11/dist-packages/libtpu/libtpu.so"));
        assertEquals(tpu, new PluginDiscovery(Map.of(), dir, List.of(dir.resolve("usr/lib"))).find(null));
    }

    @Test
    void pluginsInTheSitePackagesOfAnInterpreterAreFoundAndAllAreListed() throws IOException {
        // A virtual environment that is not activated, found through the site-packages its python3 reports.
        Path site = dir.resolve("opt/torch/.venv/lib/python3.12/site-packages");
        Path cuda12 = touch(site.resolve("jax_plugins/xla_cuda12/xla_cuda_plugin.so"));
        Path cuda13 = touch(site.resolve("jax_plugins/xla_cuda13/xla_cuda_plugin.so"));
        Path tpu = touch(dir.resolve("usr/lib/python3.11/dist-packages/libtpu/libtpu.so"));
        PluginDiscovery d = new PluginDiscovery(Map.of(), dir, List.of(dir.resolve("usr/lib")), List.of(site, dir.resolve("absent")));
        assertEquals(cuda13, d.find(null));
        assertEquals(List.of(cuda13, cuda12, tpu), d.findAll(new java.util.ArrayList<>()));
    }

    @Test
    void thePython3OnPathIsAskedForItsSitePackages() {
        // Whatever python3 is installed here: each directory it reports exists or is one it would create for the user.
        for (Path p : PythonSitePackages.ofPython3OnPath()) assertTrue(p.isAbsolute() && p.toString().contains("python3"), p.toString());
    }

    @Test
    void nothingFoundListsEveryPlaceLookedAt() throws IOException {
        Files.createDirectories(dir.resolve(".local/lib/python3.10/site-packages"));
        PluginDiscovery d = new PluginDiscovery(Map.of(PluginDiscovery.ENV_PLUGIN, "/nope.so"), dir, List.of(dir.resolve("opt")));
        var e = assertThrows(PluginNotFoundException.class, () -> d.find(null));
        Path site = dir.resolve(".local/lib/python3.10/site-packages");
        assertEquals(List.of(
                "$MONET_PJRT_PLUGIN = /nope.so (no such file)",
                "$TPU_LIBRARY_PATH (not set)",
                dir.resolve("opt") + "/python3*/{site,dist}-packages (none)",
                site.resolve("libtpu/libtpu.so") + " (absent)",
                site.resolve("jax_plugins") + "/*/xla_cuda_plugin.so (no match)"), e.looked());
        assertTrue(e.getMessage().startsWith("no PJRT plugin found") && e.getMessage().contains("MONET_PJRT_PLUGIN"), e.getMessage());
    }
}
