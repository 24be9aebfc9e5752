package monetj.core.model;

import java.util.Map;
import monetj.core.dsl.Tensor;
import monetj.core.tensor.DType;

/**
 * Product-key routing with BatchNorm quantile thresholds (spec §3). For each routing head and each of the two
 * expert axes: logits {@code a = z W^T} in f32, normalised by {@link RouterBatchNorm}; expert i is selected when
 * {@code n_i >= min(max_i n_i, σ*)} with {@code σ* = Φ⁻¹(1 - k/E)}, so at least the best expert always is; the
 * routing probabilities are a softmax of the raw logits over the selected experts (exactly zero elsewhere).
 */
final class Router {
    private Router() {}

    static RoutingProbabilities forward(MonetConfig c, Weights w, Tensor z, boolean training, Map<String, Tensor> updates, String prefix) {
        double threshold = c.routingThreshold();
        Tensor g1 = axis(c, w, z, "w1", "norm1", threshold, training, updates, prefix);
        Tensor g2 = axis(c, w, z, "w2", "norm2", threshold, training, updates, prefix);
        return new RoutingProbabilities(g1, g2);
    }

    private static Tensor axis(MonetConfig c, Weights w, Tensor z, String proj, String norm, double threshold, boolean training,
            Map<String, Tensor> updates, String prefix) {
        int b = z.dim(0), t = z.dim(1);
        Tensor a = Linear.apply(z, w.get(proj + ".weight")).reshape(b, t, c.moeHeads(), c.moeExperts()).convert(DType.F32);
        Tensor n = RouterBatchNorm.normalise(a, w.scope(norm), training, updates, prefix + norm + ".");
        Tensor cut = n.max(-1).keepDims(n.shape(), -1).minimum(threshold);
        Tensor selected = n.ge(cut);
        return selected.where(a, a.scalar(-1e10)).softmax(-1);
    }
}
