package monetj.core.model;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import monetj.core.dsl.Tensor;
import monetj.core.nn.Initializer;
import monetj.core.nn.Module;
import monetj.core.nn.Param;
import monetj.core.nn.ParamTree;
import monetj.core.tensor.DType;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Shape;

/**
 * The router's BatchNorm1d(heads, affine=False): one mean and variance per routing head, pooled over all
 * tokens and all experts of that head. Training uses the batch's statistics (biased variance) and moves the
 * running statistics (momentum 0.1, unbiased variance, as PyTorch); inference uses the running statistics.
 * Its output only decides which experts are selected, so nothing here carries a gradient.
 */
final class RouterBatchNorm extends Module {
    static final double EPS = 1e-5, MOMENTUM = 0.1;
    private final Param runningMean, runningVar, batchesTracked;

    RouterBatchNorm(int heads) {
        this.runningMean = buffer("running_mean", DType.F32, Shape.of(heads), Initializer.zeros()).axes("moe_heads");
        this.runningVar = buffer("running_var", DType.F32, Shape.of(heads), Initializer.ones()).axes("moe_heads");
        this.batchesTracked = buffer("num_batches_tracked", DType.S64, Shape.SCALAR, Initializer.zeros());
    }

    /** Normalised logits and this norm's buffers after the call, by path (moved in training, as they were in eval). */
    record Normalised(Tensor values, Map<String, Tensor> buffers) {}

    /** Normalised logits [B, T, H, E] (no gradient): state in ({@code p}'s buffers), state out ({@link Normalised#buffers()}). */
    Normalised normalise(ParamTree<Tensor> p, Tensor logits, boolean training) {
        Tensor a = logits.stopGradient();
        int h = a.dim(2);
        Tensor mean, var;
        Map<String, Tensor> buffers = new LinkedHashMap<>();
        if (training) {
            long n = a.shape().size() / h;
            mean = a.mean(0, 1, 3);
            var = a.sub(mean.reshape(1, 1, h, 1)).square().mean(0, 1, 3);
            Tensor unbiased = var.mul((double) n / Math.max(1, n - 1));
            Tensor rm = p.get(runningMean), rv = p.get(runningVar), steps = p.get(batchesTracked);
            buffers.put(runningMean.path(), rm.mul(1 - MOMENTUM).add(mean.convert(rm.dtype()).mul(MOMENTUM)));
            buffers.put(runningVar.path(), rv.mul(1 - MOMENTUM).add(unbiased.convert(rv.dtype()).mul(MOMENTUM)));
            buffers.put(batchesTracked.path(), steps.add(steps.onesLike()));
        } else {
            mean = p.get(runningMean).convert(a.dtype());
            var = p.get(runningVar).convert(a.dtype());
            for (Param b : List.of(runningMean, runningVar, batchesTracked)) buffers.put(b.path(), p.get(b));
        }
        return new Normalised(a.sub(mean.reshape(1, 1, h, 1)).mul(var.add(EPS).rsqrt().reshape(1, 1, h, 1)), buffers);
    }
}
