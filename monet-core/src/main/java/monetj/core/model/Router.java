package monetj.core.model;

import java.util.LinkedHashMap;
import java.util.Map;
import monetj.core.dsl.Tensor;
import monetj.core.nn.Initializer;
import monetj.core.nn.Linear;
import monetj.core.nn.Module;
import monetj.core.nn.ParamTree;
import monetj.core.nn.Precision;
import monetj.core.tensor.DType;

/**
 * Product-key routing with BatchNorm quantile thresholds (spec §3). For each routing head and each of the two
 * expert axes: logits {@code a = z W^T} in f32, normalised by {@link RouterBatchNorm}; expert i is selected when
 * {@code n_i >= min(max_i n_i, σ*)} with {@code σ* = Φ⁻¹(1 - k/E)}, so at least the best expert always is; the
 * routing probabilities are a softmax of the raw logits over the selected experts (exactly zero elsewhere).
 */
final class Router extends Module {
    private final MonetConfig c;
    private final Linear w1, w2;
    private final RouterBatchNorm norm1, norm2;

    Router(MonetConfig c, Precision precision) {
        this.c = c;
        Initializer init = Initializer.normal(c.initializerRange());
        this.w1 = child("w1", new Linear(c.hiddenSize(), c.moeHeads() * c.moeExperts(), false, precision, init).axes("router", "embed"));
        this.w2 = child("w2", new Linear(c.hiddenSize(), c.moeHeads() * c.moeExperts(), false, precision, init).axes("router", "embed"));
        this.norm1 = child("norm1", new RouterBatchNorm(c.moeHeads()));
        this.norm2 = child("norm2", new RouterBatchNorm(c.moeHeads()));
    }

    /** The routing, and the BatchNorm buffers after this call by path (state out: moved in training). */
    record Routed(RoutingProbabilities probabilities, Map<String, Tensor> buffers) {}

    Routed forward(ParamTree<Tensor> p, Tensor z, boolean training) {
        double threshold = c.routingThreshold();
        Map<String, Tensor> buffers = new LinkedHashMap<>();
        Tensor[] first = axis(p, w1, norm1, z, threshold, training, buffers), second = axis(p, w2, norm2, z, threshold, training, buffers);
        return new Routed(new RoutingProbabilities(first[0], second[0], first[1], second[1]), buffers);
    }

    /** [routing probabilities, selection margin n - cut]. */
    private Tensor[] axis(ParamTree<Tensor> p, Linear proj, RouterBatchNorm norm, Tensor z, double threshold, boolean training, Map<String, Tensor> buffers) {
        int b = z.dim(0), t = z.dim(1);
        Tensor a = proj.logits(p, z).reshape(b, t, c.moeHeads(), c.moeExperts()).convert(DType.F32);
        RouterBatchNorm.Normalised normalised = norm.normalise(p, a, training);
        buffers.putAll(normalised.buffers());
        Tensor n = normalised.values();
        Tensor cut = n.max(-1).keepDims(n.shape(), -1).minimum(threshold);
        Tensor selected = n.ge(cut);
        return new Tensor[] {selected.where(a, a.scalar(-1e10)).softmax(-1), n.sub(cut)};
    }
}
