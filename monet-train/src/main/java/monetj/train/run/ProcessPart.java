package monetj.train.run;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import monetj.core.dist.ProcessGroup;
import monetj.train.metrics.MetricsLog;

/**
 * This process's part of a run of several, beside its rows of the batches ({@link StepBatchLeaves}): what only
 * process 0 writes (metrics.jsonl; config.resolved.json is written in {@code Trainer}), and waiting for the others at
 * the start. The others log their progress to stderr.
 */
final class ProcessPart {
    /** How long processes wait for each other at the start (a checkpoint may take a while to load). */
    static final Duration START_TIMEOUT = Duration.ofMinutes(10);

    private ProcessPart() {}

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
