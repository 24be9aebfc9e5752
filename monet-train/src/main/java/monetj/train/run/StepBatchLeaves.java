package monetj.train.run;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import monetj.core.backend.Backend;
import monetj.core.backend.DeviceBuffer;
import monetj.core.dist.ProcessGroup;
import monetj.core.program.Signature;
import monetj.data.iter.BatchLayout;
import monetj.data.iter.TokenBatch;
import monetj.train.config.ConfigException;

/**
 * How the processes of a run share each global micro-batch of a step: which rows this process reads, and how
 * it puts them as the batch leaves of the step program, which is always compiled for the global micro-batch.
 *
 * <ul>
 *   <li>Whole (one process, or a backend that holds whole arrays: the Java executor, xla-cpu): the process reads
 *       the whole global micro-batch and runs the whole global step, so every process of a run computes the state
 *       one process would; several processes then agree, but do not share the work.
 *   <li>Own rows (PJRT with several processes, whose programs span every process's devices): process p of N reads
 *       rows {@code [p·B/N, (p+1)·B/N)} of each global micro-batch of B (its place in the global batch sequence)
 *       and puts them with {@link Backend#putRows} as its part of the global batch arrays. A masked loss divides by
 *       the kept targets of the whole global step, so that count is summed over the processes.
 * </ul>
 */
final class StepBatchLeaves {
    /** How long a process waits for the others' kept-target counts of a step. */
    static final Duration COUNT_TIMEOUT = Duration.ofMinutes(10);

    private final Backend backend;
    private final ProcessGroup processes;
    private final int globalMicroBatch;
    private final boolean ownRows;

    /** With {@code ownRows}, this process reads and puts only its rows; else the whole of every global micro-batch. */
    StepBatchLeaves(Backend backend, ProcessGroup processes, int globalMicroBatch, boolean ownRows) {
        int n = processes.processCount();
        if (ownRows && globalMicroBatch % n != 0) {
            throw new ConfigException("train.micro_batch_size", "(" + globalMicroBatch + ", the global micro-batch) must be divisible by the " + n
                    + " processes, each of which puts an equal part of it");
        }
        this.backend = backend;
        this.processes = processes;
        this.globalMicroBatch = globalMicroBatch;
        this.ownRows = ownRows;
    }

    /** The share on {@code backend}: own rows where its programs span the processes (a multi-process PJRT client), else whole. */
    static StepBatchLeaves of(Backend backend, ProcessGroup processes, int globalMicroBatch) {
        return new StepBatchLeaves(backend, processes, globalMicroBatch, processes.processCount() > 1 && backend.spansProcesses());
    }

    /** One process putting whole micro-batches. */
    static StepBatchLeaves whole(Backend backend, int globalMicroBatch) { return new StepBatchLeaves(backend, ProcessGroup.single(), globalMicroBatch, false); }

    /** Whether this process puts only its rows of each global micro-batch. */
    boolean ownRows() { return ownRows; }

    private int rows() { return ownRows ? globalMicroBatch / processes.processCount() : globalMicroBatch; }

    private long firstRow() { return ownRows ? (long) processes.processIndex() * rows() : 0; }

    /** The batches this process reads: its rows at its place among the processes, or the whole global sequence. */
    BatchLayout layout(int seqLen, long seed) {
        return ownRows ? new BatchLayout(rows(), seqLen, seed, true, processes.processIndex(), processes.processCount())
                : new BatchLayout(globalMicroBatch, seqLen, seed, true, 0, 1);
    }

    /**
     * The batch leaves of step {@code step}'s micro-batches, as this process read them, laid out as the program of
     * {@code signature} takes them; the caller closes them.
     */
    List<Map<String, DeviceBuffer>> put(List<TokenBatch> micro, boolean masked, Signature signature, long step) throws IOException {
        long kept = masked ? LossMaskInputs.keptTargets(micro) : 0;
        if (masked && ownRows) kept = summedOverProcesses("loss_targets/step-" + step, kept);
        return LossMaskInputs.put(backend, micro, masked, kept, signature, firstRow());
    }

    private long summedOverProcesses(String name, long mine) throws IOException {
        try {
            return processes.sum(name, mine, COUNT_TIMEOUT);
        } catch (TimeoutException e) {
            throw new IOException(e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(name + ": interrupted while waiting for the other processes", e);
        }
    }

    /** What the processes of a run do with each step, in one line for the console. */
    String describe() {
        int n = processes.processCount();
        if (ownRows) {
            return n + " processes: each reads " + rows() + " of the " + globalMicroBatch + " rows of every global micro-batch and puts them into the step program"
                    + " spanning every process's devices";
        }
        return n + " processes on " + backend.platform() + ", which holds whole arrays: every process reads the whole global micro-batch of " + globalMicroBatch
                + " and runs the whole step, computing the model one process would (no speedup; splitting the work over the processes needs a PJRT plugin,"
                + " backend.kind: pjrt)";
    }
}
