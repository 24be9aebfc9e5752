package monetj.train.mesh;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import monetj.core.ir.Sharding;
import monetj.core.nn.Module;
import monetj.core.nn.Param;

/**
 * What a sharded model puts on each device: one row per variable (layers folded into {@code layers.*} when every
 * layer has the same row) with its type, logical axes, mesh axes per dimension and bytes per device, and the totals
 * of parameters, buffers and AdamW state (m and v, each shaped and sharded like its parameter).
 */
public final class ShardingTable {
    private ShardingTable() {}

    /** Bytes per device of parameters, buffers and optimizer state. */
    public record Totals(long parameterBytes, long bufferBytes, long optimizerBytes) {}

    /** The totals for a module whose variables are sharded (unsharded ones count whole). */
    public static Totals totals(Module model) {
        long params = 0, buffers = 0;
        for (Param p : model.variables()) {
            long b = shardBytes(p);
            if (p.trainable()) params += b;
            else buffers += b;
        }
        return new Totals(params, buffers, 2 * params);
    }

    /** The table as text, rows then totals. */
    public static String format(Module model) {
        Map<String, String[]> rows = new LinkedHashMap<>();
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (Param p : model.variables()) {
            String folded = p.path().replaceAll("\\.layers\\.\\d+\\.", ".layers.*.");
            String[] row = {folded, p.type().toString(), String.valueOf(p.axes()), spec(p.sharding()), String.format("%,d", shardBytes(p))};
            String key = String.join("|", row);
            counts.merge(key, 1, Integer::sum);
            rows.putIfAbsent(key, row);
        }
        StringBuilder sb = new StringBuilder(String.format("%-46s %-22s %-28s %-26s %14s %6s%n", "variable", "type", "logical axes", "mesh axes", "bytes/device", "count"));
        rows.forEach((key, r) -> sb.append(String.format("%-46s %-22s %-28s %-26s %14s %6d%n", r[0], r[1], r[2], r[3], r[4], counts.get(key))));
        Totals t = totals(model);
        sb.append(String.format("per device: parameters %,d bytes (%.1f MiB), buffers %,d bytes, AdamW m+v %,d bytes (%.1f MiB), total %.1f MiB%n",
                t.parameterBytes(), t.parameterBytes() / 1048576.0, t.bufferBytes(), t.optimizerBytes(), t.optimizerBytes() / 1048576.0,
                (t.parameterBytes() + t.bufferBytes() + t.optimizerBytes()) / 1048576.0));
        return sb.toString();
    }

    private static long shardBytes(Param p) {
        Sharding s = p.sharding();
        long elements = s == null ? p.type().shape().size() : s.shardShape(p.type().shape()).size();
        return elements * p.type().dtype().byteSize();
    }

    private static String spec(Sharding s) {
        if (s == null) return "-";
        List<String> dims = s.dims().stream().map(a -> a.isEmpty() ? "." : String.join("+", a)).toList();
        return "[" + String.join(", ", dims) + "]";
    }
}
