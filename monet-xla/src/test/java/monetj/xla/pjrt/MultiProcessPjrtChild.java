package monetj.xla.pjrt;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import monetj.core.backend.CompiledProgram;
import monetj.core.backend.DeviceBuffer;
import monetj.core.dist.KeyValueProcessGroup;
import monetj.core.dist.ProcessIdentity;
import monetj.core.dsl.Tensor;
import monetj.core.ir.Sharding;
import monetj.core.program.MetricCombine;
import monetj.core.program.Program;
import monetj.core.program.ProgramBuilder;
import monetj.core.tensor.DType;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Shape;
import monetj.core.tensor.TensorBlocks;
import monetj.core.tensor.TensorType;

/**
 * One process of {@link MultiProcessPjrtTest}, in its own JVM: process ID of 2, each with 2 devices of the fake
 * plugin, running a 4-partition program over the mesh (data 2, fsdp 2) whose data axis spans the processes. It
 * checks what it sees and prints "process ID ok" (or its failure, exiting 3). Args: PORT ID PLUGIN.
 */
public final class MultiProcessPjrtChild {
    static final List<String> AXES = List.of("data", "fsdp", "tensor", "expert");
    static final Sharding.Mesh MESH = new Sharding.Mesh(AXES, new int[] {2, 2, 1, 1});
    /** Rows of a batch split over (data, fsdp): mesh position i holds rows [2i, 2i + 2), process p rows [4p, 4p + 4). */
    static final Sharding BY_ROWS = new Sharding(MESH, List.of(List.of("data", "fsdp"), List.of()));
    /** A parameter split over fsdp, replicated over data: every process holds both of its blocks. */
    static final Sharding BY_FSDP = Sharding.of(MESH, "fsdp", null);

    public static void main(String[] args) {
        int port = Integer.parseInt(args[0]), id = Integer.parseInt(args[1]);
        Path lib = Path.of(args[2]);
        try (KeyValueProcessGroup group = KeyValueProcessGroup.join(new ProcessIdentity(id, 2, "127.0.0.1", port, "test"), Duration.ofSeconds(60));
                PjrtBackend b = PjrtBackend.open(lib.toString(), null, group)) {
            run(b, lib, id);
            System.out.println("process " + id + " ok");
        } catch (Throwable t) {
            System.out.println("process " + id + " failed: " + t);
            t.printStackTrace(System.out);
            System.exit(3);
        }
    }

    private static void check(boolean ok, String what) { if (!ok) throw new AssertionError(what); }

    private static <T> void same(T want, T got, String what) { check(want.equals(got), what + ": expected " + want + ", got " + got); }

    /** The message of what {@code r} throws; fails if it throws nothing. */
    private static String refusal(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            return e.getMessage();
        }
        throw new AssertionError("expected a refusal");
    }

    /** A float tensor whose every element differs. */
    static HostTensor distinct(Shape shape, int salt) {
        float[] v = new float[(int) shape.size()];
        for (int i = 0; i < v.length; i++) v[i] = salt * 1e4f + i + 0.25f;
        return HostTensor.of(shape, v);
    }

    /** Rows [from, to) of {@code whole}. */
    static HostTensor rows(HostTensor whole, int from, int to) {
        int[] dims = whole.shape().dims();
        dims[0] = to - from;
        HostTensor out = HostTensor.zeros(whole.dtype(), Shape.of(dims));
        int[] start = new int[dims.length];
        start[0] = -from;
        TensorBlocks.copyOverlap(whole, start, out, new int[dims.length]);
        return out;
    }

    /** params a [4, 6] over fsdp (donated), batch rows [8, 3] over (data, fsdp), b [6] replicated, loss scalar: returned, plus a metric. */
    private static Program program() {
        ProgramBuilder pb = new ProgramBuilder("spans").onMesh(MESH);
        Tensor a = pb.input("params", "a", TensorType.of(DType.F32, 4, 6), BY_FSDP, true);
        Tensor rows = pb.input("batch", "rows", TensorType.of(DType.F32, 8, 3), BY_ROWS, false);
        Tensor bias = pb.input("params", "b", TensorType.of(DType.F32, 6), null, false);
        Tensor loss = pb.input("batch", "loss", TensorType.of(DType.F32), null, false);
        pb.output("params", "a", a);
        pb.output("other", "rows", rows);
        pb.output("other", "b2", bias);
        pb.metric("loss", loss, MetricCombine.MEAN);
        return pb.build();
    }

    private static void run(PjrtBackend b, Path lib, int id) {
        PjrtClient c = b.client();
        same(List.of(0, 1, 2, 3), c.globalDevices().stream().map(PjrtDevice::id).toList(), "global device ids");
        same(List.of(0, 0, 1, 1), c.globalDevices().stream().map(PjrtDevice::processIndex).toList(), "global devices' processes");
        same(List.of(2 * id, 2 * id + 1), c.devices().stream().map(PjrtDevice::id).toList(), "addressable device ids");
        same(List.of(id, id), c.devices().stream().map(PjrtDevice::processIndex).toList(), "addressable devices' process");
        same(id, c.processIndex(), "process index");
        same(4, b.deviceCount(), "device count");
        same(true, b.spansProcesses(), "programs span both processes");
        same(c.globalDevices(), b.meshDevices(MESH), "mesh position i on global device i");
        check(b.deviceDescription().endsWith("over 2 processes"), b.deviceDescription());
        String remotePut = refusal(() -> c.put(HostTensor.scalar(1f), c.globalDevices().get(2 - 2 * id)));
        check(remotePut.contains("belongs to process " + (1 - id)), remotePut);

        Program p = program();
        HostTensor a = distinct(Shape.of(4, 6), 1), batch = distinct(Shape.of(8, 3), 2), bias = distinct(Shape.of(6), 3);
        long donated = FakePlugin.stat(lib, "donated");
        try (CompiledProgram exe = b.compile(p)) {
            same("[0, 1, 2, 3]", Arrays.toString(FakePlugin.lastDeviceAssignment(lib)), "device assignment over global ids");
            check(FakePlugin.lastProgram(lib).contains("mhlo.num_partitions = 4"), "4 partitions");
            Map<String, DeviceBuffer> args = new LinkedHashMap<>();
            args.put("a", b.put(a, BY_FSDP));
            args.put("rows", b.putRows(rows(batch, 4 * id, 4 * id + 4), 4 * id, batch.type(), BY_ROWS));
            args.put("b", b.put(bias, p.signature().input("b").sharding()));
            args.put("loss", b.put(HostTensor.scalar(2.5f), p.signature().input("loss").sharding()));
            ShardedArray inRows = (ShardedArray) args.get("rows");
            same(List.of(2 * id, 2 * id + 1), List.copyOf(inRows.shards().keySet()), "this process's mesh positions");
            for (int d : inRows.shards().keySet()) {
                same(c.globalDevices().get(d), inRows.shards().get(d).device(), "shard of position " + d);
                check(c.get(inRows.shards().get(d)).contentEquals(TensorBlocks.block(batch, BY_ROWS, d)), "putRows: block of position " + d);
            }

            Map<String, DeviceBuffer> out = exe.run(args);
            same(donated + 2, FakePlugin.stat(lib, "donated"), "the donated argument is given up on this process's 2 devices");
            check(args.get("a").isDeleted() && !args.get("rows").isDeleted(), "only 'a' donated");
            check(b.get(out.get("a")).contentEquals(a), "every block of 'a' is on this process: fetched whole");
            check(b.get(out.get("b2")).contentEquals(bias), "a replicated result is read from a local device");
            same(2.5, b.get(out.get("loss")).getDouble(0), "the metric");
            String gather = refusal(() -> b.get(out.get("rows")));
            check(gather.contains("cannot fetch ShardedArray") && gather.contains("live only on devices of process [" + (1 - id) + "]") && gather.contains("localBlocks"), gather);

            Map<Integer, HostTensor> mine = b.localBlocks(out.get("rows"), BY_ROWS);
            same(List.of(2 * id, 2 * id + 1), List.copyOf(mine.keySet()), "localBlocks: this process's blocks");
            for (var e : mine.entrySet()) check(e.getValue().contentEquals(TensorBlocks.block(batch, BY_ROWS, e.getKey())), "local block " + e.getKey());
            same(id == 0 ? List.of(0, 1) : List.of(), List.copyOf(b.localBlocks(out.get("a"), BY_FSDP).keySet()), "blocks of 'a' are process 0's (their first holders)");
            try (DeviceBuffer again = b.putBlocks(batch.type(), BY_ROWS, mine)) {
                ShardedArray s = (ShardedArray) again;
                for (int d : s.shards().keySet()) check(c.get(s.shards().get(d)).contentEquals(TensorBlocks.block(batch, BY_ROWS, d)), "putBlocks: block " + d);
            }

            int other = 4 * (1 - id);
            String outside = refusal(() -> b.putRows(rows(batch, other, other + 4), other, batch.type(), BY_ROWS));
            String device = c.globalDevices().get(2 * id).toString();
            check(outside.contains(device + " (mesh position " + 2 * id + ") holds rows [" + 4 * id + ", " + (4 * id + 2) + "), but this process gave rows [" + other + ", " + (other + 4) + ")"),
                    outside);
            out.values().forEach(DeviceBuffer::close);
            args.values().forEach(DeviceBuffer::close);
        }
    }
}
