package monetj.train.step;

import java.util.List;

/**
 * The scalars one step reports, computed inside the step program and read back as one small vector.
 * Routing health: the fraction of (head, expert) pairs that no token of the step selected, and the mean
 * number of experts selected per token and head, over all routers and both expert axes.
 */
public record StepMetrics(double loss, double lmLoss, double uniformity, double ambiguity, double gradNorm, double lr,
        double unusedExperts, double selectedPerHead) {
    static final List<String> NAMES = List.of("loss", "lm_loss", "uniformity", "ambiguity", "grad_norm", "lr", "unused_experts", "selected_per_head");

    static StepMetrics of(double[] v) { return new StepMetrics(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]); }

    /** The mean of micro-batch metrics (gradient norm and learning rate come from the final program). */
    static StepMetrics average(List<double[]> micro) {
        double[] sum = new double[NAMES.size()];
        for (double[] m : micro) for (int i = 0; i < sum.length; i++) sum[i] += m[i];
        for (int i = 0; i < sum.length; i++) sum[i] /= micro.size();
        double[] last = micro.get(micro.size() - 1);
        sum[4] = last[4];
        sum[5] = last[5];
        return of(sum);
    }
}
