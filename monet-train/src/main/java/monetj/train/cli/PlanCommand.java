package monetj.train.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import monetj.train.config.RunConfigLoader;
import monetj.train.plan.Hardware;
import monetj.train.plan.PlanReport;
import monetj.train.plan.TrainingPlan;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code monet plan}: what a run needs per device and how long it takes on a given number of chips, from shapes only. */
@Command(name = "plan", mixinStandardHelpOptions = true,
        header = "Estimate a run's memory per device, step time, collectives and days on a number of chips.",
        description = {"Per device: parameters, gradients, AdamW moments and activations (with and without remat) against the chip's HBM;",
                "model FLOPs per step, the step time at an MFU, the FSDP all-gather and reduce-scatter bytes per step over the chip's",
                "interconnect, tokens/s and days for 100B tokens. Chips: v4, v5p (TPU), a100, h100, h200 (SXM)."})
public final class PlanCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--config", required = true, description = "run config (YAML or JSON)")
    Path config;

    @Option(names = "--set", description = "override a config value, e.g. --set mesh.fsdp=32 (repeatable)")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--hardware", required = true, description = "the chip: v4, v5p, a100, h100 or h200")
    String hardware;

    @Option(names = "--chips", required = true, description = "chips the run spans (a v4-64 slice is 32 chips); must match the mesh")
    int chips;

    @Option(names = "--mfu", description = "model FLOPs utilisation the step time assumes (default: ${DEFAULT-VALUE})", defaultValue = "0.4")
    double mfu;

    @Option(names = "--json", description = "print one JSON object instead of the table")
    boolean json;

    @Override
    public Integer call() throws Exception {
        Hardware hw = Hardware.named(hardware);
        ObjectNode tree = RunConfigLoader.readTree(config);
        for (String o : overrides) RunConfigLoader.override(tree, o);
        RunConfigLoader.Resolved resolved = RunConfigLoader.resolve(tree, config, config.toString());
        TrainingPlan plan = TrainingPlan.of(resolved.config(), resolved.model(), hw, chips, mfu);
        boolean mfuGiven = spec.commandLine().getParseResult().hasMatchedOption("--mfu");
        spec.commandLine().getOut().print(json ? PlanReport.json(plan, config.toString()) : PlanReport.text(plan, config.toString(), mfuGiven));
        spec.commandLine().getOut().flush();
        return 0;
    }
}
