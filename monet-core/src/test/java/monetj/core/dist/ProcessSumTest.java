package monetj.core.dist;

import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/** A count summed over processes ({@link ProcessGroup#sum}): threads, each with its own client of one key-value server on loopback. */
class ProcessSumTest {
    private static KeyValueProcessGroup process(int id, int count, KeyValueServer server) {
        return new KeyValueProcessGroup(new ProcessIdentity(id, count, "127.0.0.1", server.port(), "test"),
                new KeyValueClient("127.0.0.1", server.port(), Duration.ofSeconds(10)), null, Duration.ofSeconds(1));
    }

    @Test
    void everyProcessGetsTheSumOfAll() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try (KeyValueServer server = KeyValueServer.start("127.0.0.1", 0)) {
            for (int step = 1; step <= 3; step++) {
                List<Future<Long>> sums = new ArrayList<>();
                for (int p = 0; p < 3; p++) {
                    KeyValueProcessGroup g = process(p, 3, server);
                    long mine = 10L * p + step;
                    String name = "kept/step-" + step;
                    sums.add(pool.submit(() -> g.sum(name, mine, Duration.ofSeconds(20))));
                }
                for (Future<Long> s : sums) assertEquals(30 + 3L * step, s.get(), "step " + step);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aProcessThatNeverSendsItsCountIsNamed() throws Exception {
        try (KeyValueServer server = KeyValueServer.start("127.0.0.1", 0)) {
            KeyValueProcessGroup one = process(1, 3, server);
            Thread t = Thread.ofPlatform().start(() -> {
                try {
                    one.sum("kept/step-7", 5, Duration.ofMillis(300));
                } catch (Exception expected) {
                    // no total comes: process 2 is missing
                }
            });
            TimeoutException e = assertThrows(TimeoutException.class, () -> process(0, 3, server).sum("kept/step-7", 1, Duration.ofMillis(500)));
            assertEquals("sum 'kept/step-7': process 2 of 3 did not arrive within 500 ms (this is process 0)", e.getMessage());
            t.join();
            TimeoutException late = assertThrows(TimeoutException.class, () -> process(2, 3, server).sum("kept/step-8", 1, Duration.ofMillis(300)));
            assertEquals("sum 'kept/step-8': process 0 of 3 gave no total within 300 ms (this is process 2)", late.getMessage());
        }
    }

    @Test
    void aFailedProcessEndsTheWaitAtOnceNamingIt() throws Exception {
        try (KeyValueServer server = KeyValueServer.start("127.0.0.1", 0)) {
            process(2, 3, server).fail("loss is not finite at step 4");
            for (int p : new int[] {0, 1}) {
                KeyValueProcessGroup g = process(p, 3, server);
                long t0 = System.nanoTime();
                ProcessFailedException e = assertThrows(ProcessFailedException.class, () -> g.sum("kept/step-4", 3, Duration.ofSeconds(30)));
                assertEquals(2, e.failedProcess());
                assertTrue(e.getMessage().contains("loss is not finite at step 4"), e.getMessage());
                assertTrue((System.nanoTime() - t0) / 1e9 < 10, "ended after " + (System.nanoTime() - t0) / 1e9 + " s, not at the 30 s timeout");
            }
        }
    }

    @Test
    void oneProcessNeedsNoStore() throws Exception {
        assertEquals(42, ProcessGroup.single().sum("kept/step-1", 42, Duration.ofMillis(1)));
    }
}
