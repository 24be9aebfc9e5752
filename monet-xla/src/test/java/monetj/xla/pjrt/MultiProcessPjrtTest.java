package monetj.xla.pjrt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import monetj.core.dist.KeyValueClient;
import monetj.core.dist.KeyValueServer;
import monetj.core.dist.KeyValueStore;
import org.junit.jupiter.api.Test;

/**
 * A PJRT program spanning the devices of two processes, each a JVM with its own client of the fake plugin in its
 * multi-process mode (2 devices each, topology exchanged through the key-value store process 0 serves): see
 * {@link MultiProcessPjrtChild} for what each process checks. And a process that never arrives.
 */
class MultiProcessPjrtTest {
    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static Process child(int port, int id, Path lib) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-Xmx512m", "-cp", System.getProperty("java.class.path"), MultiProcessPjrtChild.class.getName(),
                Integer.toString(port), Integer.toString(id), lib.toAbsolutePath().toString()).redirectErrorStream(true).start();
    }

    @Test
    void twoProcessesRunOneProgramOverTheirFourDevicesEachHoldingItsOwnBlocks() throws Exception {
        Path lib = FakePlugin.multiProcess(2, 60_000);
        int port = freePort();
        List<Process> ps = List.of(child(port, 1, lib), child(port, 0, lib));
        List<String> outputs = new ArrayList<>();
        for (Process p : ps) {
            String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), "a child hung: " + text);
            outputs.add(text);
            assertEquals(0, p.exitValue(), text);
        }
        assertTrue(outputs.get(0).contains("process 1 ok"), outputs.get(0));
        assertTrue(outputs.get(1).contains("process 0 ok"), outputs.get(1));
    }

    @Test
    void aProcessThatNeverArrivesFailsClientCreationWithinTheTimeoutNamingIt() throws Exception {
        Path lib = FakePlugin.multiProcess(2, 1_500);
        long clients = FakePlugin.stat(lib, "clients"), errors = FakePlugin.stat(lib, "errors");
        try (KeyValueServer server = KeyValueServer.start("127.0.0.1", 0)) {
            KeyValueStore store = new KeyValueClient("127.0.0.1", server.port(), Duration.ofSeconds(5));
            long t0 = System.nanoTime();
            PjrtException e = assertThrows(PjrtException.class,
                    () -> PjrtClient.create(PjrtPlugin.load(lib), new ClientOptions(Map.of("node_id", 0L, "num_nodes", 2L)), store));
            double seconds = (System.nanoTime() - t0) / 1e9;
            assertTrue(e.getMessage().contains("node 1 of 2 never arrived: its topology (key fake/topology/1) was not published within 1500 ms (this is node 0)"), e.getMessage());
            assertTrue(e.getMessage().contains("kv_get: key fake/topology/1 was not set within 1500 ms"), "the store's own timeout: " + e.getMessage());
            assertTrue(seconds >= 1.4 && seconds < 15, "failed after " + seconds + " s");
            assertEquals(clients, FakePlugin.stat(lib, "clients"), "no client was created");
            assertEquals(errors, FakePlugin.stat(lib, "errors"), "the error was destroyed, and the store's error given back");
        }
    }

    @Test
    void aNodeWhoseTopologyDiffersIsRefusedAndOneThatMatchesJoins() throws Exception {
        Path lib = FakePlugin.multiProcess(2, 1_500);
        ClientOptions second = new ClientOptions(Map.of("node_id", 1L, "num_nodes", 2L));
        try (KeyValueServer server = KeyValueServer.start("127.0.0.1", 0)) {
            KeyValueStore store = new KeyValueClient("127.0.0.1", server.port(), Duration.ofSeconds(5));
            store.put("fake/topology/0", "nodes=2 devices=4".getBytes(StandardCharsets.UTF_8));
            PjrtException e = assertThrows(PjrtException.class, () -> PjrtClient.create(PjrtPlugin.load(lib), second, store));
            assertTrue(e.getMessage().contains("node 0 published topology 'nodes=2 devices=4', but node 1 has 'nodes=2 devices=2'"), e.getMessage());
            store.put("fake/topology/0", "nodes=2 devices=2".getBytes(StandardCharsets.UTF_8));
            try (PjrtClient c = PjrtClient.create(PjrtPlugin.load(lib), second, store)) {
                assertEquals(List.of(0, 1, 2, 3), c.globalDevices().stream().map(PjrtDevice::id).toList());
                assertEquals(List.of(c.globalDevices().get(2), c.globalDevices().get(3)), c.devices());
                assertEquals(1, c.processIndex());
                assertEquals(2, c.processCount());
            }
        }
    }
}
