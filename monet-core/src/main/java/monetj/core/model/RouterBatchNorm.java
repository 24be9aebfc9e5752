package monetj.core.model;

import java.util.LinkedHashMap;
import java.util.Map;
import monetj.core.dsl.Tensor;

/**
 * The router's BatchNorm1d(heads, affine=False): one mean and variance per routing head, pooled over all
 * tokens and all experts of that head. Training uses the batch's statistics (biased variance) and moves the
 * running statistics (momentum 0.1, unbiased variance, as PyTorch); inference uses the running statistics.
 * Its output only decides which experts are selected, so nothing here carries a gradient.
 */
final class RouterBatchNorm {
    static final double EPS = 1e-5, MOMENTUM = 0.1;

    private RouterBatchNorm() {}

    /** Normalised logits [B, T, H, E] (no gradient); in training, the updated buffers go into {@code updates}. */
    static Tensor normalise(Tensor logits, Weights buffers, boolean training, Map<String, Tensor> updates, String prefix) {
        Tensor a = logits.stopGradient();
        int h = a.dim(2);
        Tensor mean, var;
        if (training) {
            long n = a.shape().size() / h;
            mean = a.mean(0, 1, 3);
            var = a.sub(mean.reshape(1, 1, h, 1)).square().mean(0, 1, 3);
            Tensor unbiased = var.mul((double) n / Math.max(1, n - 1));
            Tensor rm = buffers.get("running_mean"), rv = buffers.get("running_var");
            updates.put(prefix + "running_mean", rm.mul(1 - MOMENTUM).add(mean.convert(rm.dtype()).mul(MOMENTUM)));
            updates.put(prefix + "running_var", rv.mul(1 - MOMENTUM).add(unbiased.convert(rv.dtype()).mul(MOMENTUM)));
            Tensor steps = buffers.get("num_batches_tracked");
            updates.put(prefix + "num_batches_tracked", steps.add(steps.onesLike()));
        } else {
            mean = buffers.get("running_mean").convert(a.dtype());
            var = buffers.get("running_var").convert(a.dtype());
        }
        return a.sub(mean.reshape(1, 1, h, 1)).mul(var.add(EPS).rsqrt().reshape(1, 1, h, 1));
    }

    static Map<String, Tensor> newUpdates() { return new LinkedHashMap<>(); }
}
