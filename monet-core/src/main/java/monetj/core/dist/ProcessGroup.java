package monetj.core.dist;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeoutException;

/**
 * This process's place among the processes of one run (one JVM per host: a TPU VM or a GPU node), and the
 * coordination they share. Each process drives only its local devices; XLA and the plugin do the collectives,
 * so what the framework itself needs is this: who am I, how many are we, and wait until all of us got here.
 */
public interface ProcessGroup {
    /** This process, in {@code [0, processCount())}; process 0 is the coordinator and writes what is written once. */
    int processIndex();

    int processCount();

    /**
     * Returns when every process has called {@code barrier} with the same {@code name}; after {@code timeout}
     * throws, naming the processes that did not arrive. Names are single-use within a run (say {@code
     * "checkpoint-step-120"}).
     */
    void barrier(String name, Duration timeout) throws TimeoutException, InterruptedException;

    default boolean isCoordinator() { return processIndex() == 0; }

    /** The key-value store the processes share (PJRT's multi-process client needs one); empty for a single process. */
    default Optional<KeyValueStore> keyValueStore() { return Optional.empty(); }

    /**
     * Tells the other processes that this one fails, and why, so that their barriers, gathers and per-step checks
     * ({@link #checkFailures}) end within seconds naming it instead of after their timeouts. Best effort: it never
     * throws (a store that cannot be reached makes the others fail naming the coordinator). Nothing for one process.
     */
    default void fail(String reason) {}

    /** Throws {@link ProcessFailedException} when another process has said it failed ({@link #fail}); cheap enough for once per step. */
    default void checkFailures() throws TimeoutException, InterruptedException {}

    /** Sets this process's value under {@code name} for {@link #gather} (one value per process and name). */
    default void publish(String name, byte[] value) throws TimeoutException, InterruptedException {
        throw new UnsupportedOperationException(this + " exchanges no values");
    }

    /**
     * Every process's value under {@code name} ({@link #publish}), by process index, once all have published; after
     * {@code timeout} throws naming the processes that did not, and at once when one has failed.
     */
    default Map<Integer, byte[]> gather(String name, Duration timeout) throws TimeoutException, InterruptedException {
        throw new UnsupportedOperationException(this + " exchanges no values");
    }

    /**
     * The sum of every process's {@code mine} under {@code name} (single-use within a run), the same in every
     * process; after {@code timeout} throws naming the processes that gave none, and at once when one has failed.
     */
    default long sum(String name, long mine, Duration timeout) throws TimeoutException, InterruptedException {
        if (processCount() == 1) return mine;
        throw new UnsupportedOperationException(this + " exchanges no values");
    }

    /** Work a waiting process does between polls: see {@link #whileWaiting}. */
    interface WaitTask { void run() throws TimeoutException, InterruptedException; }

    /**
     * Runs {@code task} every time a barrier or gather of this process polls (about twice a second while it waits):
     * how a process held at a checkpoint barrier still answers a stop another process asked for ({@link RunStop}).
     */
    default void whileWaiting(WaitTask task) {}

    /** A run of one process: the barrier returns at once. */
    static ProcessGroup single() {
        return new ProcessGroup() {
            @Override public int processIndex() { return 0; }
            @Override public int processCount() { return 1; }
            @Override public void barrier(String name, Duration timeout) {}
            @Override public String toString() { return "process 0 of 1"; }
        };
    }
}
