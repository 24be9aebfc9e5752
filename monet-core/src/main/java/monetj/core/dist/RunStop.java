package monetj.core.dist;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeoutException;

/**
 * A stop asked of a run (Ctrl-C or SIGTERM on any one of its processes) that every process carries out after the
 * same step, so that they write one checkpoint together and exit with the same code; and, checked at the same
 * moment, another process's failure ({@link ProcessGroup#checkFailures}).
 *
 * <p>One process alone stops after the step it was asked during. With several, the process asked sets the key
 * {@code stop} in the store (the signal and a proposed step: the next one, which every process of a run in lockstep
 * reaches no later than it sees the key, since that step's collectives wait for the asking process). Each process
 * reads the key {@code attention}, which a stop or a failure sets, once per step ({@link #stopsAfter}: one try-get
 * while nothing happens); when it first sees a stop, it publishes its answer: the later of the proposed step and its
 * own (a process running ahead cannot go back; one held at a checkpoint's barriers answers from there). At the step
 * it answered it gathers every answer; the run stops after the latest of them, with the signal of the
 * lowest-numbered process that saw one. A process reaching the last step without having seen a stop answers that step, so that a stop
 * asked meanwhile is carried out there; after its last checkpoint it looks once more ({@link #stoppedAtEnd}), so
 * that every process reports the same outcome.
 */
public final class RunStop {
    static final String STOP = "stop";
    private static final String ANSWERS = "stop-answers";

    private final ProcessGroup processes;
    private final Duration timeout;
    private volatile int asked; // the signal this process received; 0: none
    private boolean answered, answeredStop; // answered: published its answer; answeredStop: to a stop (not as the last step's finisher)
    private long answeredStep = -1;
    private long lastChecked = -1; // the step of the latest check: where a process waiting at that step's checkpoint is
    private long stopStep = -1; // agreed by every process; -1: no stop yet
    private int signal;

    /** A stop of {@code processes}; gathering the answers fails after {@code timeout}, naming who did not answer. */
    public RunStop(ProcessGroup processes, Duration timeout) {
        this.processes = processes;
        this.timeout = timeout;
        if (processes.processCount() > 1) processes.whileWaiting(this::answerWhileWaiting);
    }

    /** Asks the run to stop: signal handlers call this (it only sets a field; the training loop acts on it). */
    public void request(int signal) { asked = signal; }

    /** The signal the run stops for (0 while it does not stop): the exit code is 128 plus it. */
    public int signal() { return signal; }

    /**
     * After step {@code step} of a run of {@code lastStep} steps, on every process once per step: whether the run
     * stops now (write the checkpoint of this step, then end). Throws {@link ProcessFailedException} when another
     * process has failed.
     */
    public boolean stopsAfter(long step, long lastStep) throws IOException { return agreeing(() -> check(step, lastStep)); }

    private boolean check(long step, long lastStep) throws TimeoutException, InterruptedException {
        if (processes.processCount() == 1) {
            if (stopStep < 0 && asked != 0) {
                signal = asked;
                stopStep = step;
            }
            return stopStep >= 0;
        }
        lastChecked = step;
        KeyValueStore store = store();
        boolean attention = asked != 0 || store.tryGet(KeyValueProcessGroup.ATTENTION).isPresent(); // one request while nothing happens
        if (attention) processes.checkFailures();
        if (stopStep >= 0) return step >= stopStep;
        Optional<byte[]> stop = attention ? store.tryGet(STOP) : Optional.empty();
        if (stop.isEmpty() && asked != 0) {
            byte[] mine = (asked + " " + Math.min(step + 1, lastStep)).getBytes(StandardCharsets.UTF_8);
            store.put(STOP, mine);
            store.put(KeyValueProcessGroup.ATTENTION, new byte[] {1});
            stop = Optional.of(mine);
        }
        if (!answered) {
            if (stop.isPresent()) {
                answerStop(stop.get(), step);
            } else if (step == lastStep) {
                answer(0, lastStep);
            }
        }
        if (stop.isPresent() && step == answeredStep) agree();
        return stopStep >= 0 && step >= stopStep;
    }

    /**
     * After the checkpoint of step {@code step} written because it was due: whether the run stops now. True when
     * {@link #stopsAfter} said so, and also when a stop asked while this process waited at that checkpoint's barriers
     * (a process running ahead, held there by the others) was answered with this step.
     */
    public boolean stopsAfterSave(long step) throws IOException {
        if (processes.processCount() > 1 && stopStep < 0 && answeredStop && answeredStep == step) {
            agreeing(() -> {
                agree();
                return true;
            });
        }
        return stopStep >= 0 && step >= stopStep;
    }

    /** While held at a barrier after the check of step {@code lastChecked}: answers a stop asked meanwhile, so the asker's gather is not left waiting. */
    private void answerWhileWaiting() throws TimeoutException, InterruptedException {
        if (answered || lastChecked < 0) return;
        Optional<byte[]> stop = store().tryGet(STOP);
        if (stop.isPresent()) answerStop(stop.get(), lastChecked);
    }

    /** Answers the stop asked as {@code stop} ("SIGNAL STEP") with its step, or {@code reached} where this process is past it. */
    private void answerStop(byte[] stop, long reached) throws TimeoutException, InterruptedException {
        String[] v = new String(stop, StandardCharsets.UTF_8).split(" ");
        answer(Integer.parseInt(v[0]), Math.max(reached, Long.parseLong(v[1])));
    }

    /**
     * After the last step's checkpoint, on a process that did not stop: whether the run stopped there all the same
     * (another process was asked to stop during the last step), so that every process ends the same way.
     */
    public boolean stoppedAtEnd() throws IOException {
        if (processes.processCount() == 1 || stopStep >= 0 || !answered) return stopStep >= 0;
        return agreeing(() -> {
            if (store().tryGet(STOP).isEmpty()) return false;
            agree();
            return true;
        });
    }

    /** A talk with the other processes about a stop. */
    private interface StopTalk {
        boolean run() throws TimeoutException, InterruptedException;
    }

    /** Runs {@code talk}, its failures reported in I/O terms as the trainer's checkpoint calls are. */
    private static boolean agreeing(StopTalk talk) throws IOException {
        try {
            return talk.run();
        } catch (TimeoutException e) {
            throw new IOException("stopping together with the other processes: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while agreeing on a stop with the other processes");
        }
    }

    private void answer(int seenSignal, long step) throws TimeoutException, InterruptedException {
        processes.publish(ANSWERS, (seenSignal + " " + step).getBytes(StandardCharsets.UTF_8));
        answered = true;
        answeredStop = seenSignal != 0;
        answeredStep = step;
    }

    /** Gathers every process's answer: the run stops after the latest step, for the lowest-numbered process's signal. */
    private void agree() throws TimeoutException, InterruptedException {
        Map<Integer, byte[]> answers = processes.gather(ANSWERS, timeout);
        long latest = -1;
        int first = 0;
        for (byte[] a : answers.values()) { // by process index
            String[] v = new String(a, StandardCharsets.UTF_8).split(" ");
            int s = Integer.parseInt(v[0]);
            if (first == 0) first = s;
            latest = Math.max(latest, Long.parseLong(v[1]));
        }
        stopStep = latest;
        signal = first;
    }

    private KeyValueStore store() {
        return processes.keyValueStore().orElseThrow(() -> new IllegalStateException(processes + " share no key-value store to stop through"));
    }
}
