package monetj.train.run;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import monetj.core.dist.KeyValueClient;
import monetj.core.dist.KeyValueServer;
import monetj.core.dist.KeyValueStore;
import monetj.core.dist.ProcessGroup;
import org.junit.jupiter.api.Test;

/** A count summed over processes (threads, each with its own client of one key-value server on loopback). */
class ProcessSumTest {
    static ProcessGroup process(int id, int count, KeyValueStore store) {
        return new ProcessGroup() {
            @Override public int processIndex() { return id; }
            @Override public int processCount() { return count; }
            @Override public void barrier(String name, Duration timeout) {}
            @Override public Optional<KeyValueStore> keyValueStore() { return Optional.of(store); }
            @Override public String toString() { return "process " + id + " of " + count; }
        };
    }

    @Test
    void everyProcessGetsTheSumOfAll() throws Exception {
        KeyValueServer server = KeyValueServer.start("127.0.0.1", 0);
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            for (int step = 1; step <= 3; step++) {
                List<Future<Long>> sums = new ArrayList<>();
                for (int p = 0; p < 3; p++) {
                    ProcessGroup g = process(p, 3, new KeyValueClient("127.0.0.1", server.port(), Duration.ofSeconds(10)));
                    long mine = 10L * p + step;
                    String name = "kept/step-" + step;
                    sums.add(pool.submit(() -> ProcessSum.of(g, name, mine, Duration.ofSeconds(20))));
                }
                for (Future<Long> s : sums) assertEquals(30 + 3L * step, s.get(), "step " + step);
            }
        } finally {
            pool.shutdownNow();
            server.close();
        }
    }

    @Test
    void aProcessThatNeverSendsItsCountIsNamed() {
        KeyValueServer server = KeyValueServer.start("127.0.0.1", 0);
        try {
            ProcessGroup zero = process(0, 3, new KeyValueClient("127.0.0.1", server.port(), Duration.ofSeconds(10)));
            ProcessGroup one = process(1, 3, new KeyValueClient("127.0.0.1", server.port(), Duration.ofSeconds(10)));
            Thread t = new Thread(() -> {
                try {
                    ProcessSum.of(one, "kept/step-7", 5, Duration.ofMillis(300));
                } catch (IOException expected) {
                    // no total comes: process 2 is missing
                }
            });
            t.start();
            var e = assertThrows(IOException.class, () -> ProcessSum.of(zero, "kept/step-7", 1, Duration.ofMillis(500)));
            assertEquals("kept/step-7: process 0 of 3 got no count from process 2 within 500 ms", e.getMessage());
        } finally {
            server.close();
        }
    }

    @Test
    void oneProcessNeedsNoStore() throws IOException {
        assertEquals(42, ProcessSum.of(ProcessGroup.single(), "kept/step-1", 42, Duration.ofMillis(1)));
    }
}
