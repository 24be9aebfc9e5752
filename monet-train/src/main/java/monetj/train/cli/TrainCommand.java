package monetj.train.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import monetj.core.backend.Backend;
import monetj.core.dist.ProcessFailedException;
import monetj.core.dist.ProcessGroup;
import monetj.core.model.MonetConfig;
import monetj.train.config.RunConfig;
import monetj.train.config.RunConfigLoader;
import monetj.train.run.Backends;
import monetj.train.run.Trainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import sun.misc.Signal;

/** {@code monet train}: one training run from a YAML/JSON config. */
@Command(name = "train", mixinStandardHelpOptions = true,
        header = "Train a Monet model from a run config (or resume one).",
        description = {"Train a Monet model. train.steps is the total number of optimizer steps of the run; a resumed run",
                "continues up to it. Writes DIR/config.resolved.json, DIR/metrics.jsonl and DIR/checkpoints/step-N.",
                "Ctrl-C (SIGINT) or SIGTERM writes a checkpoint and stops (every process of a run of several, after the",
                "same step); --resume continues from the latest one."})
public final class TrainCommand implements Callable<Integer> {
    @Option(names = "--config", required = true, description = "run config (YAML or JSON)")
    Path config;

    @Option(names = "--run-dir", required = true, description = "directory for metrics and checkpoints")
    Path runDir;

    @Option(names = "--resume", description = "continue from the latest checkpoint in the run directory")
    boolean resume;

    @Option(names = "--set", description = "override a config value, e.g. --set train.steps=2000 (repeatable)")
    List<String> overrides = new ArrayList<>();

    @Mixin
    ProcessOptions process = new ProcessOptions();

    @Override
    public Integer call() throws Exception {
        ObjectNode tree = RunConfigLoader.readTree(config);
        for (String o : overrides) RunConfigLoader.override(tree, o, config);
        RunConfigLoader.Resolved resolved = RunConfigLoader.resolve(tree, config, config.toString());
        RunConfig rc = resolved.config();
        ProcessGroup processes = process.join(process.identity(rc.backend()));
        try (AutoCloseable leave = processes instanceof AutoCloseable c ? c : null) {
            try {
                return train(rc, resolved, processes);
            } catch (ProcessFailedException e) {
                throw e; // another process failed first: it said so already
            } catch (Exception | Error e) {
                processes.fail(e.getMessage() == null || e.getMessage().isBlank() ? e.toString() : e.getMessage()); // the others stop now, naming this one
                throw e;
            }
        }
    }

    private int train(RunConfig rc, RunConfigLoader.Resolved resolved, ProcessGroup processes) throws Exception {
        MonetConfig model = resolved.model();
        try (Backend backend = Backends.forRun(rc, processes)) {
            PrintStream console = ProcessConsole.of(processes);
            console.printf("monet train: %s-decomposed model, %,d parameters, on %s (%s); run directory %s%s%n",
                    model.moeDecompose().key, model.parameterCount(), backend.platform(), backend.deviceDescription(), runDir,
                    processes.processCount() > 1 ? "; " + processes : "");
            Trainer trainer = new Trainer(rc, resolved.tree(), model, runDir, backend, console, processes);
            for (String name : List.of("INT", "TERM")) Signal.handle(new Signal(name), s -> trainer.interrupt(s.getNumber()));
            Trainer.Outcome outcome = trainer.run(resume);
            if (outcome.finished()) {
                console.printf("done: step %d, checkpoint %s%n", outcome.step(), outcome.lastCheckpoint());
                return 0;
            }
            return 128 + trainer.stopSignal(); // the shell convention: 130 after SIGINT, 143 after SIGTERM (the same on every process)
        }
    }
}
