package monetj.train.optim;

import monetj.core.dsl.Tensor;
import monetj.train.config.RunConfig;

/**
 * Linear warmup to the peak rate, then cosine or linear decay to {@code minRatio * peak} at the last step.
 * Step {@code s} counts the updates made before this one (0-based); warmup gives {@code peak * (s+1)/warmup}.
 * The same formula is traced into the train step (from its step counter) and evaluated on the host for metrics.
 */
public record LearningRateSchedule(double peak, int warmupSteps, int totalSteps, String decay, double minRatio) {
    public static LearningRateSchedule of(RunConfig rc) {
        int horizon = rc.schedule().totalSteps() != null ? rc.schedule().totalSteps() : rc.train().steps();
        return new LearningRateSchedule(rc.optimizer().lr(), rc.schedule().warmupSteps(), horizon, rc.schedule().decay(),
                rc.schedule().minLrRatio());
    }

    public double at(long step) {
        if (step < warmupSteps) return peak * (step + 1) / warmupSteps;
        double p = Math.min(1.0, (double) (step - warmupSteps) / Math.max(1, totalSteps - warmupSteps - 1));
        double floor = peak * minRatio;
        return switch (decay) {
            case "cosine" -> floor + (peak - floor) * 0.5 * (1 + Math.cos(Math.PI * p));
            case "linear" -> peak - (peak - floor) * p;
            default -> peak;
        };
    }

    /** The same schedule on a traced f32 scalar step. */
    public Tensor at(Tensor step) {
        Tensor warm = step.add(1.0).mul(peak / Math.max(1, warmupSteps));
        Tensor p = step.sub(warmupSteps).div(Math.max(1, totalSteps - warmupSteps - 1)).clamp(0, 1);
        double floor = peak * minRatio;
        Tensor decayed = switch (decay) {
            case "cosine" -> p.mul(Math.PI).cos().add(1.0).mul(0.5 * (peak - floor)).add(floor);
            case "linear" -> p.mul(-(peak - floor)).add(peak);
            default -> step.zerosLike().add(peak);
        };
        return step.lt((double) warmupSteps).where(warm, decayed);
    }
}
