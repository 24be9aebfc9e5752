package monetj.core.exec;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import monetj.core.ir.DotGeneral;
import monetj.core.tensor.HostTensor;

/**
 * With {@code MONET_PROFILE=1}, the executor's dot_general times per operand shapes and dimension numbers (the
 * per-op table of {@link OpProfile} lumps them all together), printed to stderr when the JVM exits: total, and
 * the median call with its GFLOP/s, which the first calls (interpreted, still compiling) do not distort, and the
 * garbage collection pauses that fell inside its calls (a product that allocates a large result often triggers one).
 */
final class DotProfile {
    private static final Map<String, Calls> CALLS = new ConcurrentHashMap<>();

    static {
        if (OpProfile.ENABLED) Runtime.getRuntime().addShutdownHook(new Thread(DotProfile::print));
    }

    private DotProfile() {}

    /** The calls of one product: their times, the multiply-adds of one, and the collectors' time during them (ms). */
    private record Calls(long multiplyAdds, List<Long> nanos, LongAdder gcMillis) {
        synchronized void add(long n) { nanos.add(n); }

        synchronized long[] sorted() {
            long[] s = nanos.stream().mapToLong(Long::longValue).toArray();
            Arrays.sort(s);
            return s;
        }
    }

    /** Milliseconds all garbage collectors have spent so far. */
    static long gcMillis() {
        long ms = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) ms += Math.max(0, gc.getCollectionTime());
        return ms;
    }

    static void record(DotGeneral op, HostTensor lhs, HostTensor rhs, long multiplyAdds, long nanos, long gcMillis) {
        String key = lhs.dtype().name().toLowerCase() + " " + lhs.shape() + " x " + rhs.shape() + " batch " + Arrays.toString(op.lhsBatch())
                + Arrays.toString(op.rhsBatch()) + " contract " + Arrays.toString(op.lhsContract()) + Arrays.toString(op.rhsContract());
        Calls calls = CALLS.computeIfAbsent(key, k -> new Calls(multiplyAdds, new ArrayList<>(), new LongAdder()));
        calls.add(nanos);
        calls.gcMillis().add(gcMillis);
    }

    private static void print() {
        StringBuilder out = new StringBuilder();
        long all = CALLS.values().stream().mapToLong(c -> Arrays.stream(c.sorted()).sum()).sum();
        out.append(String.format("%ndot_general by shape (%.2f s in all):   total  of it GC     calls   median ms   median GFLOP/s%n", all / 1e9));
        CALLS.entrySet().stream()
                .map(e -> Map.entry(e.getKey(), Map.entry(e.getValue(), e.getValue().sorted())))
                .sorted((a, b) -> Long.compare(Arrays.stream(b.getValue().getValue()).sum(), Arrays.stream(a.getValue().getValue()).sum()))
                .limit(40)
                .forEach(e -> {
                    long[] s = e.getValue().getValue();
                    long median = s[s.length / 2];
                    out.append(String.format("  %9.3f s %7.3f s %7d %10.3f %10.1f   %s%n", Arrays.stream(s).sum() / 1e9,
                            e.getValue().getKey().gcMillis().sum() / 1e3, s.length, median / 1e6, 2.0 * e.getValue().getKey().multiplyAdds() / median,
                            e.getKey()));
                });
        System.err.print(out);
    }
}
