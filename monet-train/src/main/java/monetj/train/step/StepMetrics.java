package monetj.train.step;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import monetj.core.backend.Backend;
import monetj.core.backend.DeviceBuffer;
import monetj.core.program.Leaf;
import monetj.core.program.MetricCombine;
import monetj.core.program.Signature;

/**
 * The named scalars one step reports: the {@code metrics} results of its programs, combined over the
 * micro-batches by each metric's declared rule. The names are the metrics.jsonl keys. Routing health
 * ({@code unused_experts}, {@code selected_per_head}): the fraction of (head, expert) pairs that no token of
 * the step selected, and the mean number of experts selected per token and head, over all routers and both
 * expert axes.
 */
public record StepMetrics(Map<String, Double> values) {
    public StepMetrics {
        values = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }

    public double get(String name) {
        Double v = values.get(name);
        if (v == null) throw new IllegalArgumentException("the step reported no metric '" + name + "' (it has " + values.keySet() + ")");
        return v;
    }

    /** One micro-batch's report: its metric values by name and how each combines. */
    public record Report(Map<String, Double> values, Map<String, MetricCombine> rules) {}

    /** Reads a program's metric results back (and releases them); the other results are left in {@code results}. */
    public static Report read(Backend backend, Signature signature, Map<String, DeviceBuffer> results) {
        Map<String, Double> values = new LinkedHashMap<>();
        Map<String, MetricCombine> rules = new LinkedHashMap<>();
        for (Leaf l : signature.outputs("metrics")) {
            DeviceBuffer b = results.remove(l.name());
            values.put(l.name(), backend.get(b).getDouble(0));
            b.close();
            rules.put(l.name(), l.combine());
        }
        return new Report(values, rules);
    }

    /** Combines the micro-batches' reports, in order; a metric is combined over the reports that have it. */
    public static StepMetrics combine(List<Report> micro) {
        Map<String, List<Double>> seen = new LinkedHashMap<>();
        Map<String, MetricCombine> rules = new LinkedHashMap<>();
        for (Report r : micro) {
            r.values().forEach((name, v) -> seen.computeIfAbsent(name, k -> new ArrayList<>()).add(v));
            r.rules().forEach((name, rule) -> {
                MetricCombine before = rules.putIfAbsent(name, rule);
                if (before != null && before != rule) throw new IllegalStateException("metric '" + name + "' combines by " + before + " in one program and by " + rule + " in another");
            });
        }
        Map<String, Double> out = new LinkedHashMap<>();
        seen.forEach((name, vs) -> out.put(name, rules.get(name).combine(vs)));
        return new StepMetrics(out);
    }
}
