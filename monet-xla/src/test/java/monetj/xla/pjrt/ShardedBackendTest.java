package monetj.xla.pjrt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import monetj.core.backend.CompiledProgram;
import monetj.core.backend.DeviceBuffer;
import monetj.core.dsl.Tensor;
import monetj.core.ir.LogicalAxisRules;
import monetj.core.ir.Sharding;
import monetj.core.model.MonetConfig;
import monetj.core.model.MonetModel;
import monetj.core.nn.Param;
import monetj.core.program.MetricCombine;
import monetj.core.program.Program;
import monetj.core.program.ProgramBuilder;
import monetj.core.tensor.DType;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Shape;
import monetj.core.tensor.TensorType;
import org.junit.jupiter.api.Test;

/**
 * The PJRT backend running programs of several partitions, on the fake plugin with 2, 4 and 8 devices (its
 * "programs" return their arguments, so what comes back shows which shard went where): put and gather under the
 * shardings the default rules give the tiny models' parameters, the device assignment, per-device argument lists
 * and donation through {@link CompiledProgram}, metrics read from one device, and the refusals.
 */
class ShardedBackendTest {
    private static final List<String> AXES = List.of("data", "fsdp", "tensor", "expert");

    /** A backend owning its client of the fake plugin with {@code devices} devices. */
    private static PjrtBackend backend(int devices) { return PjrtBackend.open(FakePlugin.withDevices(devices), ClientOptions.none()); }

    /** A float tensor whose every element differs (bitwise checks see any misplaced element). */
    private static HostTensor distinct(Shape shape, int salt) {
        float[] v = new float[(int) shape.size()];
        for (int i = 0; i < v.length; i++) v[i] = salt * 1e4f + i + 0.25f;
        return HostTensor.of(shape, v);
    }

    @Test
    void everyParameterShardingOfTheRulesRoundTripsBitwise() throws Exception {
        Map<String, int[][]> meshes = Map.of("tiny-vd.json", new int[][] {{1, 2, 1, 1}, {2, 2, 1, 1}, {1, 2, 2, 2}}, "tiny-hd.json", new int[][] {{1, 1, 1, 2}, {1, 2, 2, 1}});
        for (String config : List.of("tiny-vd.json", "tiny-hd.json")) {
            MonetConfig mc = MonetConfig.read(Path.of("../configs/models/" + config));
            for (int[] sizes : meshes.get(config)) {
                Sharding.Mesh mesh = new Sharding.Mesh(AXES, sizes);
                MonetModel model = new MonetModel(mc);
                model.shard(LogicalAxisRules.withDefaults(mesh, Map.of()));
                Path lib = FakePlugin.withDevices(mesh.deviceCount());
                try (PjrtClient c = PjrtClient.create(PjrtPlugin.load(lib), ClientOptions.none())) {
                    PjrtBackend b = new PjrtBackend(c, c.devices().get(0));
                    int salt = 0;
                    for (Param p : model.variables()) {
                        String where = config + " " + p.path() + " " + p.sharding().dims() + " on " + mesh;
                        HostTensor whole = p.type().dtype() == DType.F32 ? distinct(p.type().shape(), salt++) : HostTensor.zeros(p.type().dtype(), p.type().shape());
                        try (DeviceBuffer buffer = b.put(whole, p.sharding())) {
                            ShardedArray a = assertInstanceOf(ShardedArray.class, buffer, where);
                            for (int d = 0; d < mesh.deviceCount(); d++) {
                                assertEquals(c.devices().get(d), a.shards().get(d).device(), where);
                                assertTrue(c.get(a.shards().get(d)).contentEquals(monetj.core.tensor.TensorBlocks.block(whole, p.sharding(), d)), where + ": block of device " + d);
                            }
                            assertTrue(b.get(buffer).contentEquals(whole), where + ": gathered");
                            Map<Integer, HostTensor> blocks = b.localBlocks(buffer, p.sharding());
                            try (DeviceBuffer again = b.putBlocks(p.type(), p.sharding(), blocks)) {
                                assertTrue(b.get(again).contentEquals(whole), where + ": put back from its distinct blocks");
                            }
                        }
                    }
                }
            }
        }
    }

    @Test
    void replicasAreReadOnceAndBlocksKeyedByTheFirstDeviceHoldingThem() {
        try (PjrtBackend b = backend(4)) {
            Sharding.Mesh mesh = new Sharding.Mesh(AXES, new int[] {2, 2, 1, 1});
            Sharding byFsdp = Sharding.of(mesh, null, "fsdp"); // replicated over data: devices 0,2 and 1,3 hold the same block
            HostTensor whole = distinct(Shape.of(3, 4), 1);
            try (DeviceBuffer buffer = b.put(whole, byFsdp)) {
                Map<Integer, HostTensor> blocks = b.localBlocks(buffer, byFsdp);
                assertEquals(List.of(0, 1), List.copyOf(blocks.keySet()));
                assertArrayEquals(new float[] {1e4f + 0.25f, 1e4f + 1.25f, 1e4f + 4.25f, 1e4f + 5.25f, 1e4f + 8.25f, 1e4f + 9.25f}, blocks.get(0).floats());
                var e = assertThrows(IllegalArgumentException.class, () -> b.localBlocks(buffer, Sharding.replicated(mesh, 2)));
                assertTrue(e.getMessage().contains("is not laid out as"), e.getMessage());
            }
        }
    }

    /** params a [4, 6] split over fsdp (donated), b [6] replicated (read only); step scalar; results swapped, plus a metric. */
    private static Program swapProgram(Sharding.Mesh mesh) {
        ProgramBuilder pb = new ProgramBuilder("swap").onMesh(mesh);
        Tensor a = pb.input("params", "a", TensorType.of(DType.F32, 4, 6), Sharding.of(mesh, "fsdp", null), true);
        Tensor bias = pb.input("params", "b", TensorType.of(DType.F32, 6), null, false);
        Tensor loss = pb.input("batch", "loss", TensorType.of(DType.F32), null, false);
        pb.output("params", "a", a);
        pb.output("other", "b2", bias);
        pb.metric("loss", loss, MetricCombine.MEAN);
        return pb.build();
    }

    @Test
    void aTwoPartitionProgramRunsWithOneArgumentListPerDeviceAndDonatesOnEvery() {
        Path lib = FakePlugin.withDevices(2);
        long donated = FakePlugin.stat(lib, "donated");
        try (PjrtBackend b = backend(2)) {
            Sharding.Mesh mesh = new Sharding.Mesh(AXES, new int[] {1, 2, 1, 1});
            Program p = swapProgram(mesh);
            try (CompiledProgram exe = b.compile(p)) {
                assertArrayEquals(new long[] {0, 1}, FakePlugin.lastDeviceAssignment(lib), "mesh position i runs on the client's i-th device");
                assertTrue(FakePlugin.lastProgram(lib).contains("mhlo.num_partitions = 2"), FakePlugin.lastProgram(lib));
                HostTensor a = distinct(Shape.of(4, 6), 2), bias = distinct(Shape.of(6), 3);
                Map<String, DeviceBuffer> args = new LinkedHashMap<>();
                for (var leaf : p.signature().inputs()) {
                    HostTensor t = switch (leaf.name()) { case "a" -> a; case "b" -> bias; default -> HostTensor.scalar(2.5f); };
                    args.put(leaf.name(), b.put(t, leaf.sharding()));
                }
                Map<String, DeviceBuffer> out = exe.run(args);
                assertEquals(donated + 2, FakePlugin.stat(lib, "donated"), "the donated argument is given up on both devices");
                assertTrue(args.get("a").isDeleted());
                assertFalse(args.get("b").isDeleted());
                ShardedArray outA = assertInstanceOf(ShardedArray.class, out.get("a"));
                assertEquals(Sharding.of(mesh, "fsdp", null), outA.sharding(), "results carry the signature's output shardings");
                assertEquals(TensorType.of(DType.F32, 2, 6), outA.shards().get(1).type());
                assertEquals(b.client().devices().get(1), outA.shards().get(1).device());
                assertTrue(b.get(outA).contentEquals(a), "fetching gathers the blocks each device returned");
                assertTrue(b.get(out.get("b2")).contentEquals(bias));
                assertEquals(2.5, b.get(out.get("loss")).getDouble(0), "a replicated metric is read from one device");

                var reused = assertThrows(IllegalArgumentException.class, () -> exe.run(args));
                assertTrue(reused.getMessage().contains("'a' was already released or donated"), reused.getMessage());
                out.values().forEach(DeviceBuffer::close);
                args.values().forEach(DeviceBuffer::close);
            }
        }
    }

    @Test
    void aMeshSmallerThanTheClientRunsOnItsFirstDevices() {
        Path lib = FakePlugin.withDevices(4);
        try (PjrtBackend b = backend(4)) {
            assertEquals(4, b.deviceCount());
            Sharding.Mesh mesh = new Sharding.Mesh(AXES, new int[] {1, 2, 1, 1});
            try (CompiledProgram exe = b.compile(swapProgram(mesh))) {
                assertArrayEquals(new long[] {0, 1}, FakePlugin.lastDeviceAssignment(lib));
            }
        }
    }

    @Test
    void refusalsNameWhatIsWrong() {
        try (PjrtBackend b = backend(2)) {
            Sharding.Mesh four = new Sharding.Mesh(AXES, new int[] {1, 4, 1, 1});
            var tooBig = assertThrows(IllegalArgumentException.class, () -> b.compile(swapProgram(four)));
            assertTrue(tooBig.getMessage().contains("spans 4 devices") && tooBig.getMessage().contains("has 2 addressable devices"), tooBig.getMessage());
            var tooBigPut = assertThrows(IllegalArgumentException.class, () -> b.put(distinct(Shape.of(4, 6), 0), Sharding.of(four, "fsdp", null)));
            assertTrue(tooBigPut.getMessage().contains("spans 4 devices"), tooBigPut.getMessage());

            Sharding.Mesh two = new Sharding.Mesh(AXES, new int[] {1, 2, 1, 1});
            Program p = swapProgram(two);
            try (CompiledProgram exe = b.compile(p)) {
                Map<String, DeviceBuffer> args = new LinkedHashMap<>();
                args.put("a", b.put(distinct(Shape.of(4, 6), 0))); // whole, on one device
                args.put("b", b.put(distinct(Shape.of(6), 0), p.signature().input("b").sharding()));
                args.put("loss", b.put(HostTensor.scalar(1f), p.signature().input("loss").sharding()));
                var whole = assertThrows(IllegalArgumentException.class, () -> exe.run(args));
                assertTrue(whole.getMessage().contains("argument 0 ('a')") && whole.getMessage().contains("put it with its sharding"), whole.getMessage());
                args.get("a").close();
                args.put("a", b.put(distinct(Shape.of(4, 6), 0), Sharding.of(two, null, "fsdp")));
                var other = assertThrows(IllegalArgumentException.class, () -> exe.run(args));
                assertTrue(other.getMessage().contains("is laid out as [[], [fsdp]]") && other.getMessage().contains("takes it as [[fsdp], []]"), other.getMessage());
                args.values().forEach(DeviceBuffer::close);
            }
        }
    }
}
