package monetj.core.model;

import java.util.Map;
import monetj.core.dsl.Tensor;
import monetj.core.nn.Module;
import monetj.core.nn.ParamTree;
import monetj.core.nn.Precision;

/**
 * One decoder layer (spec §2): {@code h = x + Attn(RMSNorm(x))}, {@code z = RMSNorm(h)}, the router (on layers
 * {@code l % moe_groups == 0}; later layers of the group reuse its routing), then {@code h + MoE(z, g1, g2)}.
 * Registration order follows the Hugging Face module tree, so variables list in checkpoint order.
 */
final class DecoderLayer extends Module {
    private final Attention attention;
    private final ExpertLayer experts;
    private final Router router;
    private final RmsNorm inputNorm, postAttentionNorm;

    DecoderLayer(MonetConfig c, int index, Precision precision) {
        this.attention = child("self_attn", new Attention(c, precision));
        this.experts = child("moe", ExpertLayer.of(c, precision));
        this.router = c.hasRouter(index) ? child("router", new Router(c, precision)) : null;
        this.inputNorm = child("input_layernorm", new RmsNorm(c.hiddenSize(), c.rmsNormEps()));
        this.postAttentionNorm = child("post_attention_layernorm", new RmsNorm(c.hiddenSize(), c.rmsNormEps()));
    }

    /** Computes this layer's attention given its normalised input (full causal, or against a cache). */
    @FunctionalInterface
    interface AttentionCall {
        Tensor apply(Attention attention, Tensor normalisedInput);
    }

    /**
     * The layer's output, the routing now in force (its own router's, else the group's {@code routing}) and its
     * router's BatchNorm buffers after the call (empty without a router).
     */
    record Output(Tensor hidden, RoutingProbabilities routing, Map<String, Tensor> buffers) {}

    boolean hasRouter() { return router != null; }

    /** {@code removed}: the group's expert mask [E, E] (1 = removed), or null for none. */
    Output forward(ParamTree<Tensor> p, Tensor x, RoutingProbabilities routing, Tensor removed, boolean training, AttentionCall attend) {
        Tensor h = x.add(attend.apply(attention, inputNorm.forward(p, x)));
        Tensor z = postAttentionNorm.forward(p, h);
        Router.Routed routed = router != null ? router.forward(p, z, training) : null;
        RoutingProbabilities r = routed != null ? routed.probabilities() : routing;
        Tensor out = h.add(experts.forward(p, z, r.g1(), r.g2(), removed));
        return new Output(out, r, routed != null ? routed.buffers() : Map.of());
    }
}
