package monetj.xla.pjrt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import monetj.core.backend.DeviceBuffer;
import monetj.core.backend.Executable;
import monetj.core.ir.CustomCall;
import monetj.core.ir.Graph;
import monetj.core.ir.Sharding;
import monetj.core.ir.Value;
import monetj.core.tensor.DType;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Shape;
import monetj.core.tensor.TensorType;
import monetj.xla.stablehlo.OpEmissions;
import monetj.xla.stablehlo.StableHloEmitter;
import monetj.xla.stablehlo.StableHloModule;
import org.junit.jupiter.api.Test;

/**
 * The binding's mechanics against the fake plugin (no XLA): version checks, errors, options, transfers with
 * late events, compile arguments, donation and the release of every object exactly once.
 */
class PjrtBindingTest {
    private static PjrtPlugin plugin() { return PjrtPlugin.load(FakePlugin.library()); }

    @Test
    void pluginIsLoadedAndInitializedOnce() {
        PjrtPlugin a = plugin(), b = PjrtPlugin.load(FakePlugin.library());
        assertSame(a, b);
        assertEquals(1, FakePlugin.stat("initialize"));
        assertEquals("0.114", a.apiVersion());
        assertEquals(1144, a.apiStructSize());
        assertEquals(2L, a.attributes().get("xla_version"));
        assertEquals("1.9.3", PjrtPlugin.format(a.attributes().get("stablehlo_current_version")));
    }

    @Test
    void tooOldPluginIsRefusedSayingWhatWasFoundAndWhatIsNeeded() {
        var e = assertThrows(IncompatiblePluginException.class, () -> PjrtPlugin.load(FakePlugin.library(40)));
        assertTrue(e.getMessage().contains("implements PJRT C API 0.40 (PJRT_Api.struct_size 1144)") && e.getMessage().contains("needs PJRT C API 0.71 or newer"),
                e.getMessage());
    }

    @Test
    void libraryWithoutGetPjrtApiIsRefused() throws Exception {
        var e = assertThrows(IncompatiblePluginException.class, () -> PjrtPlugin.load(FakePlugin.notAPlugin()));
        assertTrue(e.getMessage().contains("exports no GetPjrtApi"), e.getMessage());
    }

    @Test
    void clientOptionsArriveTypedAndBadOnesFailWithThePluginsMessage() {
        long errors = FakePlugin.stat("errors");
        try (PjrtClient c = PjrtClient.create(plugin(), ClientOptions.gpu(false, 0.5f))) {
            assertEquals(0, FakePlugin.lastPreallocate());
            assertEquals(0.5f, FakePlugin.lastMemoryFraction());
            assertEquals("fake", c.platformName());
            assertEquals("fake 0.1", c.platformVersion());
        }
        var e = assertThrows(PjrtException.class, () -> PjrtClient.create(plugin(), new ClientOptions(Map.of("bogus", 1L))));
        assertEquals(PjrtErrorCode.INVALID_ARGUMENT, e.code());
        assertEquals("PJRT_Client_Create", e.function());
        assertEquals("Unexpected option name passed to PJRT_Client_Create: bogus", e.pluginMessage());
        var typed = assertThrows(PjrtException.class, () -> PjrtClient.create(plugin(), new ClientOptions(Map.of("memory_fraction", "half"))));
        assertTrue(typed.pluginMessage().contains("has type index 0 but expected type index is 3"), typed.getMessage());
        assertEquals(errors, FakePlugin.stat("errors"), "every PJRT_Error is destroyed after it is read");
        assertThrows(IllegalArgumentException.class, () -> new ClientOptions(Map.of("memory_fraction", 0.5)), "doubles are refused: PJRT floats are 32-bit");
    }

    @Test
    void backendFromRunSettings() {
        try (PjrtBackend b = PjrtBackend.open(FakePlugin.library().toString(), null)) {
            assertEquals("fake", b.platform());
            assertEquals(0, b.device().id());
        }
        var e = assertThrows(IllegalArgumentException.class, () -> PjrtBackend.open(FakePlugin.library().toString(), 0.5));
        assertTrue(e.getMessage().contains("is an option of XLA's CUDA plugin"), e.getMessage());
        assertEquals(ClientOptions.gpu(true, 0.5f), ClientOptions.forPlugin(java.nio.file.Path.of("x/xla_cuda_plugin.so"), 0.5));
        assertEquals(ClientOptions.gpu(false, null), ClientOptions.forPlugin(java.nio.file.Path.of("x/xla_cuda_plugin.so"), null));
    }

    @Test
    void devicesAndMemory() {
        try (PjrtClient c = PjrtClient.create(plugin(), ClientOptions.none())) {
            List<PjrtDevice> d = c.devices();
            assertEquals(2, d.size());
            assertEquals(List.of(0, 1), d.stream().map(PjrtDevice::id).toList());
            assertEquals(List.of(0, 1), d.stream().map(PjrtDevice::localHardwareId).toList());
            assertEquals("Fake Accelerator", d.get(1).kind());
            long before = c.memoryStats(d.get(0)).bytesInUse();
            try (PjrtBuffer b = c.put(HostTensor.of(Shape.of(256), new float[256]), d.get(0))) {
                assertEquals(d.get(0), b.device());
                MemoryStats m = c.memoryStats(d.get(0));
                assertEquals(before + 1024, m.bytesInUse());
                assertEquals(1L << 30, m.bytesLimit());
            }
        }
    }

    @Test
    void transfersWaitForTheirEvents() {
        // The fake copies 30 ms after each call returns: reading early or freeing host memory early gives garbage.
        long awaits = FakePlugin.stat("awaits");
        try (PjrtClient c = PjrtClient.create(plugin(), ClientOptions.none())) {
            PjrtDevice dev = c.devices().get(1);
            List<HostTensor> tensors = List.of(
                    HostTensor.of(Shape.of(2, 3), new float[] {1, -2, 3.5f, 4, 5, Float.NaN}),
                    HostTensor.of(Shape.of(3), new long[] {Long.MIN_VALUE, 0, 42}),
                    HostTensor.ofShorts(DType.BF16, Shape.of(2), new short[] {0x3F80, (short) 0xC000}),
                    HostTensor.ofPred(Shape.of(4), new byte[] {1, 0, 0, 1}),
                    HostTensor.of(Shape.SCALAR, new double[] {Math.PI}),
                    HostTensor.of(Shape.of(0), new int[0]));
            for (HostTensor t : tensors) {
                try (PjrtBuffer b = c.put(t, dev)) {
                    assertEquals(t.type(), b.type());
                    HostTensor back = c.get(b);
                    assertTrue(t.contentEquals(back), t + " came back as " + back);
                }
            }
            assertEquals(awaits + 2L * tensors.size(), FakePlugin.stat("awaits"));
        }
        assertEquals(0, FakePlugin.stat("events"), "every event is destroyed");
    }

    @Test
    void compileSendsTheMlirTextAndTheEncodedOptions() {
        try (PjrtClient c = PjrtClient.create(plugin(), ClientOptions.none()); PjrtBackend backend = new PjrtBackend(c, c.devices().get(0))) {
            Graph g = new Graph("swap");
            Value x = g.parameter("x", TensorType.of(DType.F32, 2)), y = g.parameter("y", TensorType.of(DType.S32, 3));
            g.setOutputs(List.of(y, x));
            Executable exe = backend.compile(g);
            assertEquals(backend.emit(g).text(), FakePlugin.lastProgram());
            assertArrayEquals(CompileOptions.singleDevice(0).encode(), FakePlugin.lastCompileOptions());
            assertEquals(0, FakePlugin.stat("execs"), "the PJRT_Executable used to count outputs is destroyed at once");
            exe.close();
            assertEquals(0, FakePlugin.stat("loaded"));
        }
    }

    @Test
    void compileErrorsCarryThePluginsCodeAndMessage() {
        try (PjrtClient c = PjrtClient.create(plugin(), ClientOptions.none()); PjrtBackend backend = new PjrtBackend(c, c.devices().get(0))) {
            Graph g = new Graph("bad");
            Value x = g.parameter("x", TensorType.of(DType.F32, 2));
            g.setOutputs(List.of(g.apply1(new CustomCall("fake.fail", "", List.of(TensorType.of(DType.F32, 2))), x)));
            var e = assertThrows(PjrtException.class, () -> backend.compile(g));
            assertEquals(PjrtErrorCode.INVALID_ARGUMENT, e.code());
            assertEquals("PJRT_Client_Compile failed: INVALID_ARGUMENT: fake compiler refuses fake.fail", e.getMessage());
        }
    }

    @Test
    void donatedArgumentsAreGivenUpAndTheOthersAreNonDonatable() {
        long donated = FakePlugin.stat("donated");
        try (PjrtClient c = PjrtClient.create(plugin(), ClientOptions.none()); PjrtBackend backend = new PjrtBackend(c, c.devices().get(0))) {
            Graph g = new Graph("swap3");
            TensorType t = TensorType.of(DType.F32, 2);
            Value a = g.parameter("a", t), b = g.parameter("b", t), k = g.parameter("k", t);
            g.setOutputs(List.of(b, a, k));
            try (Executable exe = backend.compile(g)) {
                DeviceBuffer x = backend.put(HostTensor.of(Shape.of(2), new float[] {1, 2}));
                DeviceBuffer y = backend.put(HostTensor.of(Shape.of(2), new float[] {3, 4}));
                DeviceBuffer z = backend.put(HostTensor.of(Shape.of(2), new float[] {5, 6}));
                List<DeviceBuffer> out = exe.execute(List.of(x, y, z), Set.of(0, 2));
                assertArrayEquals(new long[] {1}, FakePlugin.lastNonDonatable());
                assertEquals(donated + 2, FakePlugin.stat("donated"));
                assertTrue(x.isDeleted() && z.isDeleted());
                assertFalse(y.isDeleted());
                assertArrayEquals(new float[] {3, 4}, backend.get(out.get(0)).floats());
                assertArrayEquals(new float[] {1, 2}, backend.get(out.get(1)).floats());
                var e = assertThrows(IllegalArgumentException.class, () -> exe.execute(List.of(x, y, z)));
                assertTrue(e.getMessage().contains("argument 0 was already released or donated"), e.getMessage());
                for (DeviceBuffer d : out) d.close();
                y.close();
            }
        }
    }

    @Test
    void shardedArraysArePutAsBlocksRunPerDeviceAndGathered() {
        try (PjrtClient c = PjrtClient.create(plugin(), ClientOptions.none())) {
            Graph g = new Graph("spmd");
            Sharding.Mesh mesh = new Sharding.Mesh(List.of("x"), new int[] {2});
            Sharding split = Sharding.of(mesh, null, "x"), replicated = Sharding.replicated(mesh, 1);
            Value a = g.parameter("a", TensorType.of(DType.F32, 2, 4)), b = g.parameter("b", TensorType.of(DType.S32, 3));
            g.shard(a, split);
            g.shard(b, replicated);
            g.setOutputs(List.of(b, a));
            StableHloModule module = new StableHloEmitter(OpEmissions.standard(), true).emit(g);
            HostTensor whole = HostTensor.of(Shape.of(2, 4), new float[] {0, 1, 2, 3, 4, 5, 6, 7});
            try (PjrtLoadedExecutable exe = c.compile(module.text(), CompileOptions.forModule(module, new int[] {0, 1}),
                    List.of(TensorType.of(DType.S32, 3), TensorType.of(DType.F32, 2, 2)))) {
                ShardedArray sa = ShardedArray.put(c, whole, split, c.devices());
                ShardedArray sb = ShardedArray.put(c, HostTensor.of(Shape.of(3), new int[] {7, 8, 9}), replicated, c.devices());
                assertArrayEquals(new float[] {0, 1, 4, 5}, c.get(sa.shards().get(0)).floats(), "device 0 holds columns 0..1");
                assertArrayEquals(new float[] {2, 3, 6, 7}, c.get(sa.shards().get(1)).floats(), "device 1 holds columns 2..3");
                assertEquals(c.devices().get(1), sa.shards().get(1).device());
                List<ShardedArray> out = ShardedArray.execute(exe, c.devices(), List.of(sa, sb), Set.of(0), List.of(sb.type(), sa.type()), List.of(replicated, split));
                assertTrue(sa.shards().values().stream().allMatch(PjrtBuffer::isDeleted), "the donated array is consumed on every device");
                assertTrue(out.get(1).gather(c).contentEquals(whole), "fetching gathers the blocks");
                assertArrayEquals(new int[] {7, 8, 9}, out.get(0).gather(c).ints());
                assertThrows(IllegalArgumentException.class, () -> ShardedArray.put(c, whole, split, List.of(c.devices().get(0))));
                sb.close();
                for (ShardedArray o : out) o.close();
            }
        }
    }

    @Test
    void shardedProgramsRunWithOneArgumentListPerDevice() {
        try (PjrtClient c = PjrtClient.create(plugin(), ClientOptions.none())) {
            Graph g = new Graph("spmd");
            Sharding.Mesh mesh = new Sharding.Mesh(List.of("x"), new int[] {2});
            Value a = g.parameter("a", TensorType.of(DType.F32, 4)), b = g.parameter("b", TensorType.of(DType.S32, 2));
            g.shard(a, Sharding.of(mesh, "x"));
            g.shard(b, Sharding.replicated(mesh, 1));
            g.setOutputs(List.of(b, a));
            StableHloModule module = new StableHloEmitter(OpEmissions.standard(), true).emit(g);
            TensorType shard = TensorType.of(DType.F32, 2), whole = TensorType.of(DType.S32, 2);
            try (PjrtLoadedExecutable exe = c.compile(module.text(), CompileOptions.forModule(module, new int[] {0, 1}), List.of(whole, shard))) {
                assertArrayEquals(CompileOptions.forModule(module, new int[] {0, 1}).encode(), FakePlugin.lastCompileOptions());
                assertEquals(c.devices(), exe.devices());
                List<List<PjrtBuffer>> args = new java.util.ArrayList<>();
                for (int d = 0; d < 2; d++) {
                    args.add(List.of(c.put(HostTensor.of(Shape.of(2), new float[] {10 * d, 10 * d + 1}), c.devices().get(d)),
                            c.put(HostTensor.of(Shape.of(2), new int[] {7, 8}), c.devices().get(d))));
                }
                List<List<PjrtBuffer>> out = exe.execute(args, Set.of(0));
                for (int d = 0; d < 2; d++) {
                    assertArrayEquals(new int[] {7, 8}, c.get(out.get(d).get(0)).ints());
                    assertArrayEquals(new float[] {10 * d, 10 * d + 1}, c.get(out.get(d).get(1)).floats());
                    assertEquals(c.devices().get(d), out.get(d).get(1).device());
                    assertTrue(args.get(d).get(0).isDeleted(), "donated shard of device " + d);
                    args.get(d).get(1).close();
                    for (PjrtBuffer o : out.get(d)) o.close();
                }
                List<List<PjrtBuffer>> swappedArgs = List.of(
                        List.of(c.put(HostTensor.of(Shape.of(2), new float[2]), c.devices().get(1)), c.put(HostTensor.of(Shape.of(2), new int[2]), c.devices().get(1))),
                        List.of(c.put(HostTensor.of(Shape.of(2), new float[2]), c.devices().get(0)), c.put(HostTensor.of(Shape.of(2), new int[2]), c.devices().get(0))));
                var swapped = assertThrows(PjrtException.class, () -> exe.execute(swappedArgs, Set.of()));
                assertTrue(swapped.pluginMessage().contains("argument 0 of device 0 lives on device 1"), swapped.getMessage());
                for (List<PjrtBuffer> l : swappedArgs) for (PjrtBuffer x : l) x.close();
            }
        }
    }

    @Test
    void everyObjectIsReleasedExactlyOnce() {
        long bad = FakePlugin.stat("bad_destroys");
        try (PjrtClient c = PjrtClient.create(plugin(), ClientOptions.none()); PjrtBackend backend = new PjrtBackend(c, c.devices().get(0))) {
            Graph g = new Graph("id");
            g.setOutputs(List.of(g.parameter("x", TensorType.of(DType.S32, 1))));
            Executable exe = backend.compile(g);
            List<HostTensor> r = backend.run(g, List.of(HostTensor.of(Shape.of(1), new int[] {7})));
            assertArrayEquals(new int[] {7}, r.get(0).ints());
            PjrtBuffer b = c.put(HostTensor.of(Shape.of(1), new int[] {1}), c.devices().get(0));
            b.close();
            b.close();
            exe.close();
            exe.close();
            var e = assertThrows(IllegalStateException.class, () -> c.get(b));
            assertTrue(e.getMessage().contains("already released"), e.getMessage());
            assertEquals(0, FakePlugin.stat("buffers"));
            assertEquals(0, FakePlugin.stat("loaded"));
            assertEquals(0, FakePlugin.stat("execs"));
        }
        assertEquals(0, FakePlugin.stat("clients"));
        assertEquals(bad, FakePlugin.stat("bad_destroys"), "nothing was destroyed twice");
    }

    @Test
    void closingAClientFirstReleasesWhatItMadeThatIsStillOpen() {
        long bad = FakePlugin.stat("bad_destroys");
        PjrtClient c = PjrtClient.create(plugin(), ClientOptions.none());
        PjrtBuffer b = c.put(HostTensor.of(Shape.of(1), new int[] {1}), c.devices().get(0));
        assertEquals(1, FakePlugin.stat("buffers"));
        c.close(); // the buffer is still open: it must go before its client
        assertEquals(0, FakePlugin.stat("buffers"));
        assertEquals(0, FakePlugin.stat("clients"));
        b.close(); // closing it again later is harmless
        assertEquals(bad, FakePlugin.stat("bad_destroys"), "nothing was destroyed twice or after its client");
    }

    @Test
    void unreachableBuffersAreReleasedByTheSafetyNet() throws InterruptedException {
        PjrtClient c = PjrtClient.create(plugin(), ClientOptions.none());
        for (int i = 0; i < 10; i++) c.put(HostTensor.of(Shape.of(4), new float[4]), c.devices().get(0)); // never closed
        c = null;
        long deadline = System.nanoTime() + 10_000_000_000L;
        while ((FakePlugin.stat("buffers") > 0 || FakePlugin.stat("clients") > 0) && System.nanoTime() < deadline) {
            System.gc();
            Thread.sleep(20);
        }
        assertEquals(0, FakePlugin.stat("buffers"), "the Cleaner destroys forgotten buffers");
        assertEquals(0, FakePlugin.stat("clients"), "and then their client");
    }

    @Test
    void noChildIsDestroyedAfterItsClientEvenWhenItsCleanerIsPendingAtClose() throws InterruptedException {
        long orphans = FakePlugin.stat("orphan_destroys"), bad = FakePlugin.stat("bad_destroys");
        for (int round = 0; round < 30; round++) {
            PjrtClient c = PjrtClient.create(plugin(), ClientOptions.none());
            for (int i = 0; i < 20; i++) c.put(HostTensor.of(Shape.of(4), new float[4]), c.devices().get(0)); // unreachable at once
            System.gc(); // their Cleaners become due, racing with the close below
            c.close();
        }
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (FakePlugin.stat("buffers") > 0 && System.nanoTime() < deadline) {
            System.gc();
            Thread.sleep(20);
        }
        assertEquals(0, FakePlugin.stat("buffers"));
        assertEquals(orphans, FakePlugin.stat("orphan_destroys"), "no buffer was destroyed after its client");
        assertEquals(bad, FakePlugin.stat("bad_destroys"), "nor twice");
    }

    @Test
    void aPluginNewerThanTheCheckedLayoutsIsReportedOnce() {
        java.io.PrintStream saved = System.err;
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(err, true));
        try {
            Path newer = FakePlugin.library(PjrtApi.LAYOUT_MINOR + 3);
            PjrtPlugin.load(newer);
            PjrtPlugin.load(newer);
        } finally {
            System.setErr(saved);
        }
        String text = err.toString();
        assertEquals(1, text.split("newer than 0." + PjrtApi.LAYOUT_MINOR, -1).length - 1, text);
        assertTrue(text.contains("0." + (PjrtApi.LAYOUT_MINOR + 3)), text);
    }
}
