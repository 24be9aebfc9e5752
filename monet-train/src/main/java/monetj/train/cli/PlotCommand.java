package monetj.train.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import monetj.train.metrics.CurvePlot;
import monetj.train.metrics.MetricsLog;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code monet plot RUN}: loss, routing and throughput curves of a run as a PNG. */
@Command(name = "plot", mixinStandardHelpOptions = true, description = "Render a run's loss, auxiliary losses and throughput curves to PNG.")
public final class PlotCommand implements Callable<Integer> {
    @Parameters(index = "0", description = "run directory (holding metrics.jsonl)")
    Path run;

    @Option(names = "--out", description = "PNG file (default RUN/curves.png)")
    Path out;

    @Override
    public Integer call() throws Exception {
        if (ModuleLayer.boot().findModule("java.desktop").isEmpty()) {
            throw new IllegalStateException("this Java runtime has no java.desktop module (the accelerator bundle leaves it out); "
                    + "plot with scripts/monet on a machine with a full JDK 25");
        }
        Path metrics = run.resolve("metrics.jsonl");
        if (!Files.isRegularFile(metrics)) throw new IllegalArgumentException(run + " has no metrics.jsonl (not a run directory?)");
        Path png = out != null ? out : run.resolve("curves.png");
        CurvePlot.render(MetricsLog.read(metrics), List.of(
                new CurvePlot.Panel("loss", List.of("loss", "lm_loss", "val_loss")),
                new CurvePlot.Panel("routing losses", List.of("uniformity", "ambiguity")),
                new CurvePlot.Panel("throughput (tokens/s)", List.of("tokens_per_s"))), png);
        System.out.println("wrote " + png);
        return 0;
    }
}
