package monetj.data.source;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Documents left out on purpose (empty text, invalid UTF-8, a row without text), counted by reason with
 * the first few places kept, so a run's report says exactly what was skipped and where. Thread-safe.
 */
public final class SkipLog {
    private static final int EXAMPLES_PER_REASON = 5;

    /** Count and first places for one reason. */
    public record Entry(String reason, long count, List<String> examples) {}

    private final Map<String, Long> counts = new LinkedHashMap<>();
    private final Map<String, List<String>> examples = new LinkedHashMap<>();

    public synchronized void skip(String reason, String file, long row) {
        counts.merge(reason, 1L, Long::sum);
        List<String> places = examples.computeIfAbsent(reason, r -> new ArrayList<>());
        if (places.size() < EXAMPLES_PER_REASON) places.add(file + " row " + row);
    }

    public synchronized long total() {
        return counts.values().stream().mapToLong(Long::longValue).sum();
    }

    public synchronized List<Entry> entries() {
        List<Entry> out = new ArrayList<>();
        counts.forEach((reason, n) -> out.add(new Entry(reason, n, List.copyOf(examples.get(reason)))));
        return out;
    }
}
