package monetj.train.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import monetj.core.backend.Backend;
import monetj.core.exec.JavaExecutor;
import monetj.core.backend.BackendProvider;
import monetj.xla.pjrt.DeviceReport;
import monetj.xla.pjrt.PluginDiscovery;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code monet devices}: every backend this machine can run on, with its devices. */
@Command(name = "devices", mixinStandardHelpOptions = true,
        header = "List the backends available here and their devices.",
        description = {"List the backends available here: the embedded Java executor (always) and each PJRT plugin found, with its",
                "C API version, attributes, platform and every device with its memory; where no plugin was found, where it looked.",
                "Plugins are found as every command finds them: --plugin, $MONET_PJRT_PLUGIN, $TPU_LIBRARY_PATH, then pip-installed",
                "libtpu and jax CUDA plugins in the site-packages of $VIRTUAL_ENV, $CONDA_PREFIX, the python3 on PATH, ~/.local and",
                "the system prefixes. Exits non-zero when a plugin fails to load."})
public final class DevicesCommand implements Callable<Integer> {
    @Option(names = "--plugin", paramLabel = "PATH", description = "the PJRT plugin shared library (.so) to load")
    Path plugin;

    @Spec
    CommandSpec spec;

    /** One backend: its name and what describes it (throwing when it cannot be used). */
    private record Listing(String name, Callable<List<String>> describe) {}

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        List<String> looked = new ArrayList<>();
        PluginDiscovery discovery = PluginDiscovery.system();
        boolean allLoaded = print(out, List.of(new Listing("java", DevicesCommand::javaExecutor), new Listing("xla-cpu", DevicesCommand::xlaCpu)));
        out.flush(); // listed before a missing --plugin is refused
        List<Path> plugins = plugin != null ? List.of(discovery.find(plugin)) : discovery.findAll(looked);
        List<Listing> backends = new ArrayList<>();
        // The plugin commands would use is loaded and reported; others are listed only: two plugins in one
        // process can clash (CUDA 12 and 13 builds share symbol names).
        for (int i = 0; i < plugins.size(); i++) {
            Path p = plugins.get(i);
            backends.add(i == 0 ? new Listing("pjrt", () -> DeviceReport.of(p))
                    : new Listing("pjrt", () -> List.of("plugin      " + p + " (also found, not loaded; --plugin " + p + " reports it)")));
        }
        allLoaded &= print(out, backends);
        if (plugins.isEmpty()) {
            out.println("pjrt  no plugin found (set MONET_PJRT_PLUGIN or pass --plugin to use one); looked at:");
            for (String l : looked) out.println("  " + l);
        }
        out.flush();
        return allLoaded ? 0 : 1;
    }

    /** Prints each listing; false when one could not be loaded. */
    private static boolean print(PrintWriter out, List<Listing> backends) {
        boolean allLoaded = true;
        for (Listing b : backends) {
            out.println(b.name());
            try {
                for (String line : b.describe().call()) out.println("  " + line);
            } catch (Exception e) {
                out.println("  failed to load: " + e.getMessage());
                allLoaded = false;
            }
        }
        return allLoaded;
    }

    private static List<String> xlaCpu() {
        return List.of(BackendProvider.available().stream().anyMatch(b -> b.name().equals("xla-cpu"))
                ? "available: XLA's CPU compiler through TensorFlow (--backend xla-cpu)"
                : "not on the class path (module monet-xla-cpu; scripts/monet includes it)");
    }

    private static List<String> javaExecutor() {
        try (Backend b = new JavaExecutor()) {
            return List.of("the embedded Java executor (always available)", "platform    " + b.platform(), "device      " + b.deviceDescription() + ", " + Runtime.getRuntime().availableProcessors() + " cores");
        }
    }
}
