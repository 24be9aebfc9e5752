package monetj.xla.pjrt;

import java.util.LinkedHashMap;
import java.util.Map;
import monetj.xla.stablehlo.StableHloModule;

/**
 * What {@code PJRT_Client_Compile} is told besides the program: an {@code xla.CompileOptionsProto}, encoded by
 * hand. {@code deviceAssignment[r][p]} is the global device id of replica r, partition p (null: the client's
 * default). XLA flags go in {@code overrides} ({@code env_option_overrides}, applied on top of XLA's defaults),
 * never in a partial {@code debug_options}, which would reset every other flag. {@code useShardyPartitioner} tells
 * XLA that the module's shardings are written in the Shardy dialect (with SPMD partitioning on).
 */
public record CompileOptions(int numReplicas, int numPartitions, boolean useSpmdPartitioning, boolean useShardyPartitioner, int[][] deviceAssignment,
        Map<String, Object> overrides) {
    /** Options for a module without Shardy shardings. */
    public CompileOptions(int numReplicas, int numPartitions, boolean useSpmdPartitioning, int[][] deviceAssignment, Map<String, Object> overrides) {
        this(numReplicas, numPartitions, useSpmdPartitioning, false, deviceAssignment, overrides);
    }

    public CompileOptions {
        if (numReplicas < 1 || numPartitions < 1) throw new IllegalArgumentException("replicas and partitions must be at least 1, got " + numReplicas + " and " + numPartitions);
        if (deviceAssignment != null) {
            if (deviceAssignment.length != numReplicas) throw new IllegalArgumentException("device assignment has " + deviceAssignment.length + " replicas, expected " + numReplicas);
            for (int[] row : deviceAssignment) {
                if (row.length != numPartitions) throw new IllegalArgumentException("device assignment row has " + row.length + " partitions, expected " + numPartitions);
            }
        }
        overrides = Map.copyOf(overrides);
        for (Map.Entry<String, Object> e : overrides.entrySet()) {
            Object v = e.getValue();
            if (!(v instanceof String || v instanceof Boolean || v instanceof Long || v instanceof Integer || v instanceof Double)) {
                throw new IllegalArgumentException("XLA option '" + e.getKey() + "' must be a String, Boolean, Long, Integer or Double, got " + v.getClass().getSimpleName());
            }
        }
    }

    /** One device, one partition: the device is the client's first addressable device (id {@code deviceId}). */
    public static CompileOptions singleDevice(int deviceId) {
        return new CompileOptions(1, 1, false, new int[][] {{deviceId}}, Map.of());
    }

    /** Partitions, the SPMD flag and the partitioner as the module's mesh requires, on devices {@code 0..n-1} in mesh order. */
    public static CompileOptions forModule(StableHloModule module, int[] deviceIds) {
        int n = module.numPartitions();
        if (deviceIds.length != n) throw new IllegalArgumentException("module needs " + n + " devices, got " + deviceIds.length);
        return new CompileOptions(1, n, module.useSpmdPartitioning(), module.useShardyPartitioner(), new int[][] {deviceIds.clone()}, Map.of());
    }

    public CompileOptions withOverride(String xlaOption, Object value) {
        Map<String, Object> m = new LinkedHashMap<>(overrides);
        m.put(xlaOption, value);
        return new CompileOptions(numReplicas, numPartitions, useSpmdPartitioning, useShardyPartitioner, deviceAssignment, m);
    }

    /** The serialized {@code xla.CompileOptionsProto}. Field numbers are from xla/pjrt/proto/compile_options.proto. */
    public byte[] encode() {
        ProtoWriter build = new ProtoWriter()
                .int64(1, -1) // device_ordinal: -1 = unset (proto3's default 0 would mean "device 0")
                .int64(4, numReplicas)
                .int64(5, numPartitions);
        if (useSpmdPartitioning) build.bool(6, true);
        if (deviceAssignment != null) {
            ProtoWriter da = new ProtoWriter().int64(1, numReplicas).int64(2, numPartitions);
            for (int p = 0; p < numPartitions; p++) { // one ComputationDevice per partition, listing each replica's device
                long[] ids = new long[numReplicas];
                for (int r = 0; r < numReplicas; r++) ids[r] = deviceAssignment[r][p];
                da.message(3, new ProtoWriter().packedInt64(1, ids));
            }
            build.message(9, da);
        }
        if (useShardyPartitioner) build.bool(19, true);
        ProtoWriter options = new ProtoWriter().message(3, build);
        for (Map.Entry<String, Object> e : new java.util.TreeMap<>(overrides).entrySet()) {
            ProtoWriter value = switch (e.getValue()) {
                case String s -> new ProtoWriter().string(1, s);
                case Boolean b -> new ProtoWriter().bool(2, b);
                case Long l -> new ProtoWriter().int64(3, l);
                case Integer i -> new ProtoWriter().int64(3, i);
                case Double d -> new ProtoWriter().double64(4, d);
                default -> throw new AssertionError(e.getValue());
            };
            options.message(7, new ProtoWriter().string(1, e.getKey()).message(2, value)); // map entry {key, OptionOverrideProto}
        }
        return options.toByteArray();
    }
}
