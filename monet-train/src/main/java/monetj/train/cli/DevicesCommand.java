package monetj.train.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import monetj.core.backend.BackendProvider;
import monetj.xla.pjrt.DeviceReport;
import monetj.xla.pjrt.PluginDiscovery;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code monet devices}: which PJRT plugin would be used, its API version, platform and devices. */
@Command(name = "devices", mixinStandardHelpOptions = true,
        description = {"Shows the PJRT plugin (path, C API version, attributes), its platform and every device with its memory.",
                "Without --plugin the plugin is found as every command finds it: $MONET_PJRT_PLUGIN, $TPU_LIBRARY_PATH, then pip-installed "
                        + "libtpu and jax CUDA plugins in Python site-packages."})
public final class DevicesCommand implements Callable<Integer> {
    @Option(names = "--plugin", paramLabel = "PATH", description = "the PJRT plugin shared library (.so) to load")
    Path plugin;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().getOut().println("xla-cpu: " + (BackendProvider.available().stream().anyMatch(b -> b.name().equals("xla-cpu")) ? "available (XLA's CPU compiler through TensorFlow; --backend xla-cpu)"
                : "not on the class path (module monet-xla-cpu; scripts/monet includes it)"));
        for (String line : DeviceReport.of(PluginDiscovery.system().find(plugin))) spec.commandLine().getOut().println(line);
        return 0;
    }
}
