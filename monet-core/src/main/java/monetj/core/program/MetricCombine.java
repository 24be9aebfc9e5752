package monetj.core.program;

import java.util.List;

/** How one metric of a step combines over its micro-batches (each micro-batch's program reports it once). */
public enum MetricCombine {
    /** The mean over the micro-batches that report it (losses, routing health). */
    MEAN,
    /** The total over the micro-batches (counts). */
    SUM,
    /** The value of the last micro-batch that reports it (gradient norm and learning rate: the update's). */
    LAST;

    /** The combined value of the reports, in micro-batch order. */
    public double combine(List<Double> values) {
        if (values.isEmpty()) throw new IllegalArgumentException("no micro-batch reported this metric");
        return switch (this) {
            case MEAN -> values.stream().mapToDouble(Double::doubleValue).sum() / values.size();
            case SUM -> values.stream().mapToDouble(Double::doubleValue).sum();
            case LAST -> values.get(values.size() - 1);
        };
    }
}
