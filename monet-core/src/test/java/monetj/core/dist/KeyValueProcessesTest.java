package monetj.core.dist;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/** The key-value store and the group built on it, with the processes as separate JVMs on loopback. */
class KeyValueProcessesTest {
    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static Process child(int port, int id, int count, long timeoutMillis) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), KeyValueChild.class.getName(),
                Integer.toString(port), Integer.toString(id), Integer.toString(count), Long.toString(timeoutMillis)).redirectErrorStream(true).start();
    }

    private record Ended(int exit, String output) {}

    private static List<Ended> await(List<Process> ps) throws Exception {
        List<Ended> out = new ArrayList<>();
        for (Process p : ps) {
            String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "a child hung: " + text);
            out.add(new Ended(p.exitValue(), text));
        }
        return out;
    }

    @Test
    void threeProcessesPutGetTryGetAndPassABarrier() throws Exception {
        int port = freePort();
        List<Process> ps = new ArrayList<>();
        // Process 0 starts last: the others retry until its store is up.
        for (int id : new int[] {2, 1, 0}) ps.add(child(port, id, 3, 20_000));
        List<Ended> ended = await(ps);
        for (int i = 0; i < 3; i++) {
            int id = 2 - i;
            Ended e = ended.get(i);
            assertEquals(0, e.exit(), e.output());
            assertTrue(e.output().contains("process " + id + " got from 0,from 1,from 2"), e.output());
            assertTrue(e.output().contains("process " + id + " try_get absent: false"), e.output());
            assertTrue(e.output().contains("process " + id + " passed the barrier"), e.output());
        }
    }

    @Test
    void aProcessThatNeverArrivesMakesTheOthersFailInTimeNamingIt() throws Exception {
        int port = freePort();
        long t0 = System.nanoTime();
        List<Ended> ended = await(List.of(child(port, 0, 3, 2_000), child(port, 1, 3, 2_000)));
        double seconds = (System.nanoTime() - t0) / 1e9;
        for (Ended e : ended) {
            assertEquals(3, e.exit(), e.output());
            assertTrue(e.output().contains("rendezvous at 127.0.0.1:" + port + ": process 2 of 3 did not arrive within 2000 ms"), e.output());
        }
        assertTrue(seconds < 30, "failed after " + seconds + " s");
    }

    @Test
    void aSecondCoordinatorOnABusyPortIsRefusedNamingThePort() throws Exception {
        try (KeyValueServer first = KeyValueServer.start("127.0.0.1", 0)) {
            int port = first.port();
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> KeyValueServer.start("127.0.0.1", port));
            assertTrue(e.getMessage().contains("cannot serve the coordinator on port " + port + ": the port is in use"), e.getMessage());
        }
    }

    @Test
    void aBarrierNamesEveryMissingProcessAndAGetTimesOutNamingItsKey() throws Exception {
        try (KeyValueServer server = KeyValueServer.start("127.0.0.1", 0)) {
            KeyValueStore kv = new KeyValueClient("127.0.0.1", server.port(), Duration.ofSeconds(5));
            KeyValueProcessGroup p1 = new KeyValueProcessGroup(new ProcessIdentity(1, 4, "127.0.0.1", server.port(), "test"), kv, null, Duration.ofSeconds(1));
            KeyValueProcessGroup p3 = new KeyValueProcessGroup(new ProcessIdentity(3, 4, "127.0.0.1", server.port(), "test"), kv, null, Duration.ofSeconds(1));
            Thread other = Thread.ofPlatform().start(() -> {
                try {
                    p3.barrier("step-7", Duration.ofMillis(800));
                } catch (Exception ignored) {
                    // this one fails the same way
                }
            });
            long t0 = System.nanoTime();
            TimeoutException e = assertThrows(TimeoutException.class, () -> p1.barrier("step-7", Duration.ofMillis(800)));
            assertTrue((System.nanoTime() - t0) / 1e9 < 10);
            assertEquals("barrier 'step-7': processes 0, 2 of 4 did not arrive within 800 ms (this is process 1)", e.getMessage());
            other.join();

            TimeoutException g = assertThrows(TimeoutException.class, () -> kv.get("absent", Duration.ofMillis(300)));
            assertTrue(g.getMessage().contains("key absent was not set within 300 ms"), g.getMessage());
            kv.put("bytes", new byte[] {0, -1, 7});
            assertArrayEquals(new byte[] {0, -1, 7}, kv.tryGet("bytes").orElseThrow());
            kv.put("empty", new byte[0]);
            assertArrayEquals(new byte[0], kv.get("empty", Duration.ofSeconds(1)));
        }
    }

    @Test
    void aClientWithNoCoordinatorFailsWithinItsDeadline() throws Exception {
        int port = freePort();
        KeyValueStore kv = new KeyValueClient("127.0.0.1", port, Duration.ofMillis(500));
        TimeoutException e = assertThrows(TimeoutException.class, () -> kv.put("k", new byte[] {1}));
        assertTrue(e.getMessage().contains("cannot reach the coordinator 127.0.0.1:" + port), e.getMessage());
    }
}
