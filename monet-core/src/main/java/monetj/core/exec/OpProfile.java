package monetj.core.exec;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import monetj.core.tensor.HostTensor;

/**
 * Where the Java executor spends its time, per graph and op name, fused loops by their root's op (set {@code MONET_PROFILE=1}); the
 * tables go to stderr when the JVM exits, with the peak live bytes of one execution of each graph. Off by default: the check is one static final boolean.
 */
final class OpProfile {
    static final boolean ENABLED = System.getenv("MONET_PROFILE") != null;
    /** {@code MONET_PROFILE=shapes}: each op's row split by its operands' types, to find which transpose or slice costs. */
    private static final boolean BY_SHAPE = "shapes".equals(System.getenv("MONET_PROFILE"));
    private static final Map<String, Map<String, LongAdder[]>> TOTALS = new ConcurrentHashMap<>(); // graph -> op -> {nanos, calls}
    private static final Map<String, Long> PEAK_LIVE_BYTES = new ConcurrentHashMap<>();
    private static final Map<String, Long> POOLED_BYTES = new ConcurrentHashMap<>();

    static {
        if (ENABLED) Runtime.getRuntime().addShutdownHook(new Thread(OpProfile::print));
    }

    private OpProfile() {}

    static void record(String graph, String name, long nanos) {
        LongAdder[] t = TOTALS.computeIfAbsent(graph, k -> new ConcurrentHashMap<>()).computeIfAbsent(name, k -> new LongAdder[] {new LongAdder(), new LongAdder()});
        t[0].add(nanos);
        t[1].increment();
    }

    /** The row a node's time goes to: its op name (fused loops by their root's), with its operand types under {@code MONET_PROFILE=shapes}. */
    static String label(String op, List<HostTensor> operands) {
        if (!BY_SHAPE) return op;
        StringBuilder s = new StringBuilder(op);
        for (HostTensor t : operands) s.append(' ').append(t.dtype().name().toLowerCase()).append(t.shape());
        return s.toString();
    }

    /** The largest peak live bytes seen for one execution of the named graph. */
    static void recordPeakLiveBytes(String graph, long bytes) { PEAK_LIVE_BYTES.merge(graph, bytes, Math::max); }

    /** The most bytes of dead arrays the named graph's pool kept after one of its executions. */
    static void recordPooledBytes(String graph, long bytes) { POOLED_BYTES.merge(graph, bytes, Math::max); }

    private static void print() {
        TOTALS.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(g -> print(g.getKey(), g.getValue()));
        System.err.printf("Java executor peak live bytes of one execution, per graph (and the most its pool kept for reuse after one):%n");
        PEAK_LIVE_BYTES.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e ->
                System.err.printf("  %-24s %,15d bytes (%.1f MiB)   pooled %.1f MiB%n", e.getKey(), e.getValue(), e.getValue() / 1048576.0,
                        POOLED_BYTES.getOrDefault(e.getKey(), 0L) / 1048576.0));
    }

    private static void print(String graph, Map<String, LongAdder[]> totals) {
        double total = totals.values().stream().mapToLong(t -> t[0].sum()).sum() / 1e9;
        System.err.printf("%nJava executor time by op in %s (%.2f s in all):%n", graph, total);
        totals.entrySet().stream().sorted((a, b) -> Long.compare(b.getValue()[0].sum(), a.getValue()[0].sum())).forEach(e ->
                System.err.printf("  %-24s %9.3f s %6.1f%% %9d calls%n", e.getKey(), e.getValue()[0].sum() / 1e9,
                        100 * e.getValue()[0].sum() / 1e9 / total, e.getValue()[1].sum()));
    }
}
