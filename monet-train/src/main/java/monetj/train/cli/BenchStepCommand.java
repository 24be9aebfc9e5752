package monetj.train.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import monetj.core.backend.Backend;
import monetj.train.bench.StepBenchmark;
import monetj.train.config.RunConfigLoader;
import monetj.train.run.Backends;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code monet bench step}: the configured STEP program's time per step on one or more backends, interleaved. */
@Command(name = "step", mixinStandardHelpOptions = true,
        description = {"Times the STEP program of a run config (forward, backward and AdamW on one micro-batch of fixed random tokens) "
                + "on each backend named, one step of each in turn, and reports ms/step (median after warm-up, with the fastest and "
                + "slowest step), tokens/s, model GFLOP/s, the Java executor's peak live bytes, the process's CPU time per step (steadier than "
                + "wall time on a busy machine), and each backend's time relative to the first."})
public final class BenchStepCommand implements Callable<Integer> {
    @Option(names = "--config", required = true, description = "run config (YAML or JSON); its data paths are not read")
    Path config;

    @Option(names = "--backend", defaultValue = "java", split = ",", description = "backends by name, comma-separated, e.g. java,xla-cpu (default ${DEFAULT-VALUE})")
    List<String> backends;

    @Option(names = "--steps", defaultValue = "10", description = "timed steps per backend (default ${DEFAULT-VALUE})")
    int steps;

    @Option(names = "--warmup", defaultValue = "2", description = "untimed steps per backend first (default ${DEFAULT-VALUE})")
    int warmup;

    @Option(names = "--plugin", description = "PJRT plugin path for the pjrt backend")
    String plugin;

    @Option(names = "--set", description = "override a config value, e.g. --set train.precision=bf16-mixed (repeatable)")
    List<String> overrides = new ArrayList<>();

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (steps < 1 || warmup < 0) throw new IllegalArgumentException("--steps must be at least 1 and --warmup at least 0");
        ObjectNode tree = RunConfigLoader.readTree(config);
        for (String o : overrides) RunConfigLoader.override(tree, o);
        RunConfigLoader.Resolved resolved = RunConfigLoader.resolve(tree, config, config.toString());
        PrintWriter out = spec.commandLine().getOut();
        List<StepBenchmark> runs = new ArrayList<>();
        try {
            for (String b : backends) {
                Backend backend = Backends.create(b, plugin, null);
                try {
                    runs.add(new StepBenchmark(b, backend, resolved.config(), resolved.model()));
                } catch (RuntimeException e) {
                    backend.close();
                    throw e;
                }
            }
            for (int i = 0; i < warmup + steps; i++) for (StepBenchmark r : runs) r.step(i >= warmup);
            List<StepBenchmark.Result> results = runs.stream().map(StepBenchmark::result).toList();
            out.printf("monet bench step: %s, %d x %d tokens per step, %d warm-up + %d timed steps per backend, interleaved%n",
                    config, resolved.config().train().microBatchSize(), resolved.config().data().seqLen(), warmup, steps);
            out.printf("%-10s %-10s %10s %19s %10s %9s %14s %12s%n", "backend", "precision", "ms/step", "(fastest-slowest)", "tokens/s", "GFLOP/s", "peak live MiB",
                    "cpu ms/step");
            for (StepBenchmark.Result r : results) {
                out.printf("%-10s %-10s %10.1f %19s %10.0f %9.2f %14s %12.1f%n", r.backend(), r.bf16() ? "bf16-mixed" : "f32", r.medianMillis(),
                        "(%.1f-%.1f)".formatted(r.minMillis(), r.maxMillis()), r.tokensPerSecond(), r.gflopsPerSecond(),
                        r.peakLiveBytes().isPresent() ? "%.1f".formatted(r.peakLiveBytes().getAsLong() / 1048576.0) : "-", r.medianCpuMillis());
            }
            StepBenchmark.Result first = results.get(0);
            for (StepBenchmark.Result r : results.subList(1, results.size())) {
                out.printf("%s / %s: %.2fx the time per step%n", first.backend(), r.backend(), first.medianMillis() / r.medianMillis());
            }
            out.flush();
        } finally {
            runs.forEach(StepBenchmark::close);
        }
        return 0;
    }
}
