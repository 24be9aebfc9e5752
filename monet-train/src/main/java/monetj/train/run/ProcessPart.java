package monetj.train.run;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import monetj.core.dist.ProcessGroup;
import monetj.data.iter.BatchLayout;
import monetj.train.config.ConfigException;
import monetj.train.config.RunConfig;
import monetj.train.metrics.MetricsLog;
import monetj.train.step.TrainStepProgram.Settings;

/**
 * This process's part of a run of several: its share of every global micro-batch ({@code train.micro_batch_size}
 * divided by the process count, taken from its place in the global batch sequence), and what only process 0
 * writes (metrics.jsonl, config.resolved.json, checkpoints until they are written per process). The others log
 * their progress to stderr.
 */
final class ProcessPart {
    /** How long processes wait for each other at the start (a checkpoint may take a while to load). */
    static final Duration START_TIMEOUT = Duration.ofMinutes(10);

    private ProcessPart() {}

    /** The settings of the step this process runs: its part of the global micro-batch. */
    static Settings settings(Settings global, ProcessGroup processes) {
        int n = processes.processCount();
        if (n == 1) return global;
        if (global.microBatch() % n != 0) {
            throw new ConfigException("train.micro_batch_size", "(" + global.microBatch() + ", the global micro-batch) must be divisible by the " + n
                    + " processes, each of which takes an equal part of it");
        }
        return new Settings(global.model(), global.microBatch() / n, global.seqLen(), global.accumulation(), global.precision(), global.remat(),
                global.optimizer(), global.gradClip(), global.schedule(), global.uniformityWeight(), global.ambiguityWeight(), global.frozen(), global.maskedLoss());
    }

    /** The batches this process takes: its settings' micro-batch, at its place among the processes. */
    static BatchLayout layout(Settings local, RunConfig rc, ProcessGroup processes) {
        return new BatchLayout(local.microBatch(), local.seqLen(), rc.data().seed(), true, processes.processIndex(), processes.processCount());
    }

    /** metrics.jsonl for process 0; the others write none (their progress goes to their console). */
    static MetricsLog metrics(Path runDir, long resumeStep, ProcessGroup processes) throws IOException {
        return processes.isCoordinator() ? MetricsLog.open(runDir.resolve("metrics.jsonl"), resumeStep) : MetricsLog.discarding();
    }

    /** Waits until every process has read its start; until then none may write a checkpoint another would see as a clash. */
    static void started(ProcessGroup processes) throws IOException {
        try {
            processes.barrier("start", START_TIMEOUT);
        } catch (TimeoutException e) {
            throw new IOException(e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for the other processes to start", e);
        }
    }
}
