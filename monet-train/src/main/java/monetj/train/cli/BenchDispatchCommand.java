package monetj.train.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import monetj.core.backend.Backend;
import monetj.core.exec.JavaExecutor;
import monetj.xla.bench.DispatchBenchmark;
import monetj.xla.pjrt.ClientOptions;
import monetj.xla.pjrt.PjrtBackend;
import monetj.xla.pjrt.PluginDiscovery;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code monet bench dispatch}: host-side microseconds per execute of a tiny program. */
@Command(name = "dispatch", mixinStandardHelpOptions = true,
        header = "Measure the host-side time of one execute (Java executor or a PJRT plugin).",
        description = {"Measures the host-side time of one execute of a tiny program (y = x + 1 on f32[8]) whose argument is already on "
                + "the device, including releasing its result: the per-step overhead a training loop pays. Java executor by default."})
public final class BenchDispatchCommand implements Callable<Integer> {
    @Option(names = "--plugin", paramLabel = "PATH", arity = "0..1", fallbackValue = "",
            description = "run on a PJRT plugin: PATH, or without a value the plugin `monet devices` finds")
    String plugin;

    @Option(names = "--rounds", defaultValue = "10", description = "timed rounds; the median is reported (default ${DEFAULT-VALUE})")
    int rounds;

    @Option(names = "--iterations", defaultValue = "20000", description = "executes per round (default ${DEFAULT-VALUE})")
    int iterations;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        if (rounds < 1 || iterations < 1) throw new IllegalArgumentException("--rounds and --iterations must be at least 1");
        try (Backend backend = open()) {
            DispatchBenchmark.Result r = DispatchBenchmark.measure(backend, rounds, iterations);
            spec.commandLine().getOut().printf("%s: %.2f us per execute (median of %d rounds of %d; fastest round %.2f us)%n",
                    r.platform(), r.medianMicros(), rounds, iterations, r.minMicros());
        }
        return 0;
    }

    private Backend open() {
        if (plugin == null) return new JavaExecutor();
        Path path = PluginDiscovery.system().find(plugin.isEmpty() ? null : Path.of(plugin));
        return PjrtBackend.open(path, ClientOptions.defaultsFor(path));
    }
}
