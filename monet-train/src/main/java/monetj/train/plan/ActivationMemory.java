package monetj.train.plan;

import java.util.List;
import monetj.core.ir.LogicalAxisRules;
import monetj.core.model.MonetConfig;
import monetj.core.model.Remat;
import monetj.core.nn.Precision;
import monetj.core.tensor.Shape;

/**
 * Activation bytes one device holds for the backward pass of one micro-batch, counted from the tensors the step
 * program's gradient rules read, op by op (the program as written: broadcasts and the causal mask, which XLA fuses or
 * folds, are not counted, and XLA may fuse a convert away and hold a little less). {@code a} is the compute dtype's
 * width (2 under bf16-mixed, 4 under f32), and every count is of one device's part: tokens split over the mesh axes of
 * {@code batch}, attention heads over those of {@code heads} and {@code kv_heads}, the experts of the [B, T, E, m]
 * activations over those of {@code experts}, logits over {@code vocab}.
 *
 * <p>Per token and layer (no remat), what the backward reads. Each RMSNorm: its input in f32 (4·d: the square and the
 * scaling read it), its rsqrt statistic (4), the normalised value before the weight (d·a), and its output (d·a, read by
 * the projections after it). Attention: q and k after RoPE and v (hd·a·(heads + 2·kv_heads); RoPE itself is linear in
 * constants), the softmax's exponentials in f32 and their sums (heads·T·4 + heads·4: the softmax is e / Σe, and the
 * division reads both), the probabilities as the value product's compute-dtype operand (heads·T·a), the attention
 * output before o_proj (heads·hd·a). Experts (relu² is maximum(x, 0) squared: maximum reads its input and output, the
 * square its input): VD per half u before relu, after it, squared, scaled by the head sums (x11, x22) and routed across
 * (x12, x21), five [E, m/2] tensors, so 5·E·m·a; HD u before relu, after it, squared, and y: 4·E·m·a; the per-head
 * contractions (H·m·a), the head-summed weights (VD s1, s2: 2·E·a; HD s2: E·a) and, when mixed, g1, g2 cast to the
 * compute dtype (2·H·E·a). A router layer adds its selection masks (2·H·E bytes) and its softmax's exponentials and sums
 * (2·H·E·4 + 2·H·4); each routing group keeps g1, g2 in f32 (2·H·E·4) for its layers. After the layers: the final norm
 * (4·d + 4 + 2·d·a), the f32 logits and their gradient (2·V·4).
 *
 * <p>{@code train.remat: none} keeps every layer's tensors: saved = L·S + routers·(router extras + g1, g2) + final
 * norm, and the backward of a layer adds the gradients of its activations (at most one more S). {@code train.remat:
 * layer} keeps only each layer's input (d·a per token) and the groups' g1, g2; the layer being differentiated is
 * recomputed (S) and its gradients added (S again). The working set is the larger of that layer phase and the LM-head
 * phase (logits and their gradient).
 */
public final class ActivationMemory {
    private ActivationMemory() {}

    /** The bytes per device: held between layers, and the larger working set of one layer's and the head's backward. */
    public record Estimate(Remat remat, long savedBetweenLayers, long layerBackward, long headBackward) {}

    /** {@code rules} null: one device, nothing split. */
    public static Estimate of(MonetConfig c, Precision precision, LogicalAxisRules rules, int microBatch, int seqLen, Remat remat) {
        Local local = new Local(rules);
        int b = microBatch, t = seqLen, d = c.hiddenSize(), hd = c.headDim(), e = c.moeExperts(), m = c.moeDim(), h = c.moeHeads();
        long a = precision.compute().byteSize();
        boolean mixed = precision.mixed();
        long tok = local.elements(List.of("batch", "length"), b, t);
        long qTok = local.elements(List.of("batch", "heads", "length"), b, c.numAttentionHeads(), t);
        long kvTok = local.elements(List.of("batch", "kv_heads", "length"), b, c.numKeyValueHeads(), t);
        long expertTok = local.elements(List.of("batch", "length", "experts"), b, t, e);
        long routingTok = local.elements(List.of("batch", "length", "moe_heads"), b, t, h);
        long vocabTok = local.elements(List.of("batch", "length", "vocab"), b, t, c.vocabSize());

        long norm = tok * d * 4 + tok * 4 + tok * d * a + tok * d * a; // f32 input, statistic, before the weight, output
        long attention = norm + (qTok + 2 * kvTok) * hd * a + qTok * ((long) t * 4 + 4) + qTok * (long) t * a + qTok * hd * a;
        boolean vertical = c.moeDecompose() == MonetConfig.Decompose.VERTICAL;
        long experts = norm + (vertical ? 5 : 4) * expertTok * m * a + tok * h * m * a
                + (vertical ? 2 : 1) * tok * e * a + (mixed ? 2 * routingTok * e * a : 0);
        long layer = attention + experts;
        long routerExtra = 2 * routingTok * e + 2 * routingTok * ((long) e * 4 + 4); // selection masks, softmax exponentials and sums
        long routing = 2 * routingTok * e * 4;
        long finalNorm = norm;
        long head = 2 * vocabTok * 4;
        int layers = c.numHiddenLayers(), routers = c.routerLayers().size();
        // the largest layer is a router layer (its router's tensors on top)
        return switch (remat) {
            case NONE -> new Estimate(remat, layers * layer + routers * (routerExtra + routing) + finalNorm, layer + routerExtra, head);
            case LAYER -> new Estimate(remat, layers * tok * d * a + routers * routing + finalNorm, 2 * (layer + routerExtra), head);
        };
    }

    /** Elements of one device's part of a tensor whose named dimensions are split by the rules (the rest whole). */
    private record Local(LogicalAxisRules rules) {
        long elements(List<String> axes, int... dims) {
            Shape shape = Shape.of(dims);
            return rules == null ? shape.size() : rules.sharding("activations", axes, shape).shardShape(shape).size();
        }
    }
}
