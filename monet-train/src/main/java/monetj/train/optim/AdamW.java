package monetj.train.optim;

import java.util.ArrayList;
import java.util.List;
import monetj.core.dsl.Tensor;

/**
 * AdamW (Loshchilov and Hutter) traced into the train step, as PyTorch's {@code torch.optim.AdamW}: decoupled
 * weight decay {@code p ← p (1 - lr·wd)} on decayed parameters, then the bias-corrected Adam step
 * {@code p ← p - lr · m̂ / (sqrt(v̂) + eps)}. Moments are f32, like the master weights.
 */
public record AdamW(double beta1, double beta2, double eps, double weightDecay) {
    /** One parameter's new value and moments. */
    public record Update(Tensor param, Tensor m, Tensor v) {}

    /** @param step the 1-based update count (f32 scalar) used for bias correction */
    public Update apply(Tensor p, Tensor g, Tensor m, Tensor v, Tensor lr, Tensor step, boolean decay) {
        Tensor m1 = m.mul(beta1).add(g.mul(1 - beta1));
        Tensor v1 = v.mul(beta2).add(g.square().mul(1 - beta2));
        Tensor correction1 = step.zerosLike().add(beta1).pow(step).neg().add(1.0);
        Tensor correction2 = step.zerosLike().add(beta2).pow(step).neg().add(1.0);
        Tensor mHat = m1.div(correction1), vHat = v1.div(correction2);
        Tensor decayed = decay ? p.mul(lr.mul(-weightDecay).add(1.0)) : p;
        Tensor p1 = decayed.sub(mHat.div(vHat.sqrt().add(eps)).mul(lr));
        return new Update(p1, m1, v1);
    }

    /** The global L2 norm of all gradients, in f32. */
    public static Tensor globalNorm(List<Tensor> grads) {
        Tensor sum = null;
        for (Tensor g : grads) {
            Tensor s = g.square().sum();
            sum = sum == null ? s : sum.add(s);
        }
        return sum.sqrt();
    }

    /** Gradients scaled so their global norm is at most {@code maxNorm} (unchanged when 0: clipping off). */
    public static List<Tensor> clip(List<Tensor> grads, Tensor norm, double maxNorm) {
        if (maxNorm <= 0) return grads;
        Tensor scale = norm.scalar(maxNorm).div(norm.add(1e-6)).minimum(1.0);
        List<Tensor> out = new ArrayList<>();
        for (Tensor g : grads) out.add(g.mul(scale));
        return out;
    }
}
