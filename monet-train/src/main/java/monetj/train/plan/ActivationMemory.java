package monetj.train.plan;

import java.util.List;
import monetj.core.ir.LogicalAxisRules;
import monetj.core.model.MonetConfig;
import monetj.core.model.Remat;
import monetj.core.nn.Precision;
import monetj.core.tensor.Shape;

/**
 * Activation bytes one device holds for the backward pass of one micro-batch, counted from the tensors the step
 * program's gradient rules read, layer by layer (the program as written; XLA may fuse a convert or two away and hold
 * a little less). {@code a} is the compute dtype's width (2 under bf16-mixed, 4 under f32), and every count is of one
 * device's part: tokens split over the mesh axes of {@code batch}, attention heads over those of {@code heads} and
 * {@code kv_heads}, the experts of the [B, T, E, m] activations over those of {@code experts}, logits over {@code vocab}.
 *
 * <p>Per token and layer, what the backward reads (no remat): the layer input x (d·a) and its RMSNorm statistic (4), the
 * normalised input (d·a), q and k after RoPE and v (heads·hd·a, 2·kv_heads·hd·a), the attention probabilities in f32
 * (heads·T·4) and as the compute-dtype operand of the value product (heads·T·a, the same tensor under f32), the
 * attention output (heads·hd·a); the post-attention residual h (d·a) with its statistic (4) and the normalised z (d·a);
 * the expert activations: VD four [E, m] tensors (u1/u2 before relu², after it, the straight flows x11/x22 and the cross
 * flows x12/x21: 4·E·m·a), HD three (u before relu², after it, y: 3·E·m·a); the per-head contractions (H·m·a); the
 * head-summed weights (VD s1, s2: 2·E·a; HD s2: E·a) and, when mixed, g1/g2 cast to the compute dtype (2·H·E·a). A router
 * layer adds its selection masks (2·H·E bytes), and each routing group keeps g1, g2 in f32 (2·H·E·4) for its layers.
 * After the layers: the final norm's input and output (2·d·a + 4), the f32 logits and their gradient (2·V·4).
 *
 * <p>{@code train.remat: none} keeps every layer's tensors: saved = L·S + routers·(masks + g1, g2) + final norm, and the
 * backward of a layer adds the gradients of its activations (at most one more S). {@code train.remat: layer} keeps only
 * each layer's input (d·a per token) and the groups' g1, g2; the layer being differentiated is recomputed (S) and its
 * gradients added (S again). The working set is the larger of that layer phase and the LM-head phase (logits and
 * their gradient).
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

        long attention = tok * d * a + tok * 4 + tok * d * a + qTok * hd * a + 2 * kvTok * hd * a
                + qTok * (long) t * 4 + (mixed ? qTok * (long) t * a : 0) + qTok * hd * a;
        boolean vertical = c.moeDecompose() == MonetConfig.Decompose.VERTICAL;
        long experts = tok * d * a + tok * 4 + tok * d * a
                + (vertical ? 4 : 3) * expertTok * m * a + tok * h * m * a
                + (vertical ? 2 : 1) * tok * e * a + (mixed ? 2 * routingTok * e * a : 0);
        long layer = attention + experts;
        long masks = 2 * routingTok * e;
        long routing = 2 * routingTok * e * 4;
        long finalNorm = 2 * tok * d * a + tok * 4;
        long head = 2 * vocabTok * 4;
        int layers = c.numHiddenLayers(), routers = c.routerLayers().size();
        // the largest layer is a router layer (its masks on top)
        return switch (remat) {
            case NONE -> new Estimate(remat, layers * layer + routers * (masks + routing) + finalNorm, layer + masks, head);
            case LAYER -> new Estimate(remat, layers * tok * d * a + routers * routing + finalNorm, 2 * (layer + masks), head);
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
