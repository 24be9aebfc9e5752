package monetj.core.dist;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;

/**
 * Stops and failures across the processes of a run, through the real key-value store on loopback (each process a
 * thread with its own group and client): a stop asked of one process ends every one after the same step with the
 * same signal, also when one runs ahead or is at the last step; a failure ends the others' waits within seconds,
 * naming the process that failed and why.
 */
class RunStopTest {
    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** Runs {@code body} as each of {@code n} processes joined over a fresh store; returns each one's result. */
    private static <T> List<T> processes(int n, IntFunction<ProcessBody<T>> body) throws Exception {
        int port = freePort();
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            List<Future<T>> futures = new ArrayList<>();
            for (int id = 0; id < n; id++) {
                int p = id;
                futures.add(pool.submit((Callable<T>) () -> {
                    try (KeyValueProcessGroup g = KeyValueProcessGroup.join(new ProcessIdentity(p, n, "127.0.0.1", port, "test"), Duration.ofSeconds(120))) {
                        return body.apply(p).run(g);
                    }
                }));
            }
            List<T> out = new ArrayList<>();
            for (Future<T> f : futures) out.add(f.get(120, TimeUnit.SECONDS));
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    private interface ProcessBody<T> { T run(KeyValueProcessGroup g) throws Exception; }

    /** How a loop ended: stopped after {@code step} for {@code signal}, or finished (signal 0). */
    private record Stopped(long step, int signal, boolean finished) {
        Stopped(long step, int signal) { this(step, signal, false); }
    }

    /**
     * A training loop of {@code lastStep} steps taking {@code stepMillis} each, with a checkpoint (a barrier of every
     * process) every 10 steps, at the last and when stopping; process {@code asker} is asked to stop (signal 2) after
     * step {@code askAt}.
     */
    private static Stopped loop(KeyValueProcessGroup g, long lastStep, long stepMillis, int asker, long askAt) throws Exception {
        RunStop stop = new RunStop(g, Duration.ofSeconds(30));
        for (long step = 1; step <= lastStep; step++) {
            Thread.sleep(stepMillis);
            if (g.processIndex() == asker && step == askAt) stop.request(2);
            boolean stopping = stop.stopsAfter(step, lastStep);
            if (stopping || step % 10 == 0 || step == lastStep) {
                g.barrier("checkpoint-step-" + step, Duration.ofSeconds(30));
                if (stop.stopsAfterSave(step)) return new Stopped(step, stop.signal());
            }
        }
        return stop.stoppedAtEnd() ? new Stopped(lastStep, stop.signal()) : new Stopped(lastStep, 0, true);
    }

    @Test
    void aStopAskedOfOneProcessStopsEveryOneAfterTheSameStepWithItsSignal() throws Exception {
        List<Stopped> s = processes(3, p -> g -> loop(g, 100, 20, 1, 5));
        assertEquals(s.get(0), s.get(1), s.toString());
        assertEquals(s.get(0), s.get(2), s.toString());
        assertEquals(2, s.get(0).signal());
        assertTrue(s.get(0).step() >= 6 && s.get(0).step() < 100, s.toString());
    }

    @Test
    void aProcessRunningAheadIsNotAskedToGoBack() throws Exception {
        // Process 0 runs four times as fast as process 1, which is the one asked: the stop is after the step process 0 had reached.
        List<Stopped> s = processes(2, p -> g -> loop(g, 200, p == 0 ? 5 : 20, 1, 10));
        assertEquals(s.get(0), s.get(1), s.toString());
        assertTrue(s.get(0).step() >= 11 && s.get(0).step() < 200, s.toString());
    }

    @Test
    void aProcessHeldAtACheckpointAheadOfTheAskerStillAnswers() throws Exception {
        // Process 0 runs ahead to the checkpoint of step 10 and waits there while process 1, at step 3, is asked to stop.
        List<Stopped> s = processes(2, p -> g -> loop(g, 200, p == 0 ? 2 : 40, 1, 3));
        assertEquals(List.of(new Stopped(10, 2), new Stopped(10, 2)), s, "both stop after the checkpoint process 0 was held at");
    }

    @Test
    void aStopAskedAtTheLastStepEndsEveryProcessAsStopped() throws Exception {
        List<Stopped> s = processes(2, p -> g -> loop(g, 6, 20, 0, 6));
        assertEquals(List.of(new Stopped(6, 2), new Stopped(6, 2)), s);
        assertEquals(List.of(new Stopped(6, 0, true), new Stopped(6, 0, true)), processes(2, p -> g -> loop(g, 6, 5, -1, 0)), "no stop asked: both finish");
    }

    @Test
    void aFailedProcessEndsTheOthersBarriersAndStepChecksWithinSecondsNamingIt() throws Exception {
        List<String> out = processes(3, p -> g -> {
            if (p == 2) {
                g.fail("loss is not finite at step 7");
                return "failed";
            }
            long t0 = System.nanoTime();
            try {
                if (p == 0) g.barrier("checkpoint-step-8-open", Duration.ofMinutes(10));
                else {
                    RunStop stop = new RunStop(g, Duration.ofMinutes(10));
                    for (long step = 1; ; step++) {
                        Thread.sleep(50);
                        stop.stopsAfter(step, 1000);
                    }
                }
                return "passed";
            } catch (ProcessFailedException e) {
                double s = (System.nanoTime() - t0) / 1e9;
                assertEquals(2, e.failedProcess());
                assertTrue(s < 5, "took " + s + " s");
                return e.getMessage();
            }
        });
        assertEquals("process 2 of 3 failed: loss is not finite at step 7 (this is process 0, stopping too)", out.get(0));
        assertEquals("process 2 of 3 failed: loss is not finite at step 7 (this is process 1, stopping too)", out.get(1));
    }

    @Test
    void theFirstFailureIsTheOneReported() throws Exception {
        List<String> out = processes(2, p -> g -> {
            if (p == 1) {
                g.fail("first");
                g.fail("second");
                return "failed";
            }
            try {
                g.barrier("never", Duration.ofMinutes(1));
                return "passed";
            } catch (ProcessFailedException e) {
                return e.getMessage();
            }
        });
        assertTrue(out.get(0).contains(": first ("), out.get(0));
    }

    /** What the per-step check costs with no stop asked: one try-get on loopback. */
    @Test
    void thePerStepCheckCostsOneTryGet() throws Exception {
        List<Double> micros = processes(2, p -> g -> {
            RunStop stop = new RunStop(g, Duration.ofSeconds(30));
            for (int i = 0; i < 100; i++) stop.stopsAfter(i + 1, 1_000_000); // warm up
            int n = 500;
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) assertFalse(stop.stopsAfter(i + 101, 1_000_000));
            return (System.nanoTime() - t0) / 1e3 / n;
        });
        System.out.printf("RunStop.stopsAfter with no stop: %.0f and %.0f us per step (2 processes, loopback)%n", micros.get(0), micros.get(1));
        for (double us : micros) assertTrue(us < 20_000, us + " us");
    }
}
