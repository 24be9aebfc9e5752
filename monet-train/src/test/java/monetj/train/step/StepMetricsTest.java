package monetj.train.step;

import static org.junit.jupiter.api.Assertions.*;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import monetj.core.program.MetricCombine;
import org.junit.jupiter.api.Test;

/** Micro-batch metrics combine by each metric's declared rule, over the micro-batches that report it. */
class StepMetricsTest {
    private static StepMetrics.Report report(Object... nameValueRule) {
        Map<String, Double> values = new LinkedHashMap<>();
        Map<String, MetricCombine> rules = new LinkedHashMap<>();
        for (int i = 0; i < nameValueRule.length; i += 3) {
            values.put((String) nameValueRule[i], (Double) nameValueRule[i + 1]);
            rules.put((String) nameValueRule[i], (MetricCombine) nameValueRule[i + 2]);
        }
        return new StepMetrics.Report(values, rules);
    }

    @Test
    void meanSumAndLast() {
        StepMetrics m = StepMetrics.combine(List.of(
                report("loss", 2.0, MetricCombine.MEAN, "tokens", 10.0, MetricCombine.SUM),
                report("loss", 4.0, MetricCombine.MEAN, "tokens", 12.0, MetricCombine.SUM, "grad_norm", 0.5, MetricCombine.LAST)));
        assertEquals(3.0, m.get("loss"));
        assertEquals(22.0, m.get("tokens"));
        assertEquals(0.5, m.get("grad_norm"), "only the updating micro-batch reports it");
        assertEquals(List.of("loss", "tokens", "grad_norm"), List.copyOf(m.values().keySet()), "metrics.jsonl key order");
        var e = assertThrows(IllegalArgumentException.class, () -> m.get("lr"));
        assertTrue(e.getMessage().contains("'lr'"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> StepMetrics.combine(List.of(report("loss", 1.0, MetricCombine.MEAN), report("loss", 1.0, MetricCombine.SUM))));
    }
}
