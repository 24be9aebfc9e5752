package monetj.xla.pjrt;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import monetj.core.backend.DeviceBuffer;
import monetj.core.backend.Executable;
import monetj.core.dist.KeyValueClient;
import monetj.core.dist.KeyValueServer;
import monetj.core.dist.KeyValueStore;
import monetj.core.ir.Graph;
import monetj.core.ir.Value;
import monetj.core.tensor.DType;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Shape;
import monetj.core.tensor.TensorType;
import org.junit.jupiter.api.Test;

/**
 * What a multi-process client gets from the binding, on the fake plugin: the kv callbacks as upcalls into the
 * key-value store (the fake calls them from Client_Create), errors made through the plugin's callback_error,
 * node_id/num_nodes for the CUDA plugin, and launch ids per executable.
 */
class KeyValueCallbacksTest {
    private static PjrtPlugin plugin() { return PjrtPlugin.load(FakePlugin.library()); }

    @Test
    void theKvCallbacksReachTheStoreAndMissingKeysComeBackAsPluginErrors() throws Exception {
        long errors = FakePlugin.stat("errors");
        try (KeyValueServer server = KeyValueServer.start("127.0.0.1", 0)) {
            KeyValueStore store = new KeyValueClient("127.0.0.1", server.port(), Duration.ofSeconds(5));
            try (PjrtClient c = PjrtClient.create(plugin(), ClientOptions.none(), store)) {
                assertEquals(2, c.devices().size());
            }
            String report = FakePlugin.kvReport();
            assertTrue(report.startsWith("put=ok:;get=ok:9:data;try_get_absent=error:5:kv_try_get: key fake/absent is not set;"
                    + "get_missing=error:4:kv_get: key fake/missing was not set within 100 ms"), report);
            // The value the plugin put holds a NUL byte; it arrives whole.
            assertArrayEquals("node\0data".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1), store.get("fake/topology", Duration.ofSeconds(1)));
        }
        assertEquals(errors, FakePlugin.stat("errors"), "the plugin took ownership of every error the callbacks returned");
    }

    @Test
    void anExceptionInTheStoreBecomesAPluginErrorAndNeverUnwindsIntoNativeCode() {
        KeyValueStore failing = new KeyValueStore() {
            @Override public void put(String key, byte[] value) { throw new IllegalStateException("store is gone"); }

            @Override public byte[] get(String key, Duration timeout) { throw new OutOfMemoryError("no room for " + key); }

            @Override public Optional<byte[]> tryGet(String key) { throw new RuntimeException(); }
        };
        try (PjrtClient c = PjrtClient.create(plugin(), ClientOptions.none(), failing)) {
            assertEquals("fake", c.platformName());
        }
        assertEquals("put=error:13:kv_put: store is gone;get=error:13:kv_get: no room for fake/topology;"
                + "try_get_absent=error:13:kv_try_get: java.lang.RuntimeException;get_missing=error:13:kv_get: no room for fake/missing", FakePlugin.kvReport());
    }

    @Test
    void aBackendOfSeveralProcessesCreatesItsClientWithTheirStore() throws Exception {
        try (KeyValueServer server = KeyValueServer.start("127.0.0.1", 0)) {
            KeyValueStore store = new KeyValueClient("127.0.0.1", server.port(), Duration.ofSeconds(5));
            monetj.core.dist.ProcessGroup two = new monetj.core.dist.ProcessGroup() {
                @Override public int processIndex() { return 1; }
                @Override public int processCount() { return 2; }
                @Override public void barrier(String name, Duration timeout) {}
                @Override public Optional<KeyValueStore> keyValueStore() { return Optional.of(store); }
            };
            try (PjrtBackend b = PjrtBackend.open(FakePlugin.library().toString(), null, two)) {
                assertEquals("fake", b.platform());
            }
            assertTrue(FakePlugin.kvReport().startsWith("put=ok:;get=ok:9:data;"), FakePlugin.kvReport());
        }
        try (PjrtBackend b = PjrtBackend.open(FakePlugin.library().toString(), null, monetj.core.dist.ProcessGroup.single())) {
            assertEquals("", FakePlugin.kvReport(), "a single process gives no callbacks");
        }
    }

    @Test
    void withoutAStoreNoCallbacksAreGiven() {
        try (PjrtClient c = PjrtClient.create(plugin(), ClientOptions.none())) {
            assertEquals("", FakePlugin.kvReport());
        }
    }

    @Test
    void theCudaPluginIsToldItsNodeAndOthersAreLeftAlone() {
        Path cuda = Path.of("x/xla_cuda_plugin.so");
        assertEquals(new ClientOptions(Map.of("preallocate", false, "node_id", 1L, "num_nodes", 2L)), ClientOptions.forPlugin(cuda, null).forProcess(cuda, 1, 2));
        assertEquals(ClientOptions.forPlugin(cuda, null), ClientOptions.forPlugin(cuda, null).forProcess(cuda, 0, 1));
        Path tpu = Path.of("x/libtpu.so");
        assertEquals(ClientOptions.none(), ClientOptions.none().forProcess(tpu, 3, 8), "libtpu finds its slice itself");
        // The fake takes the options as the CUDA plugin does (kInt64).
        try (PjrtClient c = PjrtClient.create(plugin(), new ClientOptions(Map.of("node_id", 3L, "num_nodes", 4L)))) {
            assertEquals(3, FakePlugin.lastNodeId());
            assertEquals(4, FakePlugin.lastNumNodes());
        }
    }

    @Test
    void eachExecutableCountsItsLaunchesFromAHashOfItsModule() {
        try (PjrtClient c = PjrtClient.create(plugin(), ClientOptions.none()); PjrtBackend backend = new PjrtBackend(c, c.devices().get(0))) {
            TensorType t = TensorType.of(DType.F32, 2);
            Graph same = new Graph("same");
            same.setOutputs(List.of(same.parameter("a", t)));
            Graph swap = new Graph("swap");
            Value a = swap.parameter("a", t), b = swap.parameter("b", t);
            swap.setOutputs(List.of(b, a));
            int seedSame = LaunchIds.seed(backend.emit(same).text()), seedSwap = LaunchIds.seed(backend.emit(swap).text());
            assertNotEquals(seedSame, seedSwap);
            try (Executable one = backend.compile(same); Executable two = backend.compile(swap)) {
                DeviceBuffer x = backend.put(HostTensor.of(Shape.of(2), new float[] {1, 2}));
                for (int n = 0; n < 3; n++) {
                    one.execute(List.of(x), Set.of()).forEach(DeviceBuffer::close);
                    assertEquals(LaunchIds.of(seedSame, n), FakePlugin.lastLaunchId());
                    two.execute(List.of(x, x), Set.of()).forEach(DeviceBuffer::close);
                    assertEquals(LaunchIds.of(seedSwap, n), FakePlugin.lastLaunchId());
                }
                x.close();
            }
        }
        assertEquals(1, LaunchIds.of(-5, 5), "0 means no launch id to PJRT; it is skipped");
        assertEquals(LaunchIds.seed("module {}"), LaunchIds.seed("module {}"));
    }
}
