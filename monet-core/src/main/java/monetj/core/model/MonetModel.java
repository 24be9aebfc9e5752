package monetj.core.model;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import monetj.core.dsl.Tensor;
import monetj.core.tensor.DType;

/**
 * The Monet decoder (spec §2): token embedding; per layer, pre-norm attention and a pre-norm mixture of
 * monosemantic experts (HD or VD) whose routing comes from the router of its group (layers {@code l} with
 * {@code l % moe_groups == 0} own one, the following layers reuse it); final norm; untied lm_head; f32 logits.
 */
public final class MonetModel {
    private final MonetConfig config;

    public MonetModel(MonetConfig config) { this.config = config; }

    public MonetConfig config() { return config; }

    /** What one forward pass gives. */
    public record Output(
            Tensor logits,
            Map<Integer, RoutingProbabilities> routing,
            Map<String, Tensor> bufferUpdates) {

        /** Routing probabilities of every router, in layer order. */
        public List<RoutingProbabilities> routers() { return new ArrayList<>(routing.values()); }

        public Tensor g1(int layer) { return routing.get(layer).g1(); }

        public Tensor g2(int layer) { return routing.get(layer).g2(); }
    }

    /**
     * Runs the model on token ids [B, T] (s32). {@code weights} holds every parameter and buffer by HF name.
     * In training mode the routers normalise with batch statistics and {@link Output#bufferUpdates()} holds
     * the moved running statistics; in eval mode the stored running statistics are used.
     */
    public Output forward(Map<String, Tensor> weights, Tensor inputIds, boolean training) {
        Weights w = Weights.of(weights);
        Tensor[] rope = RotaryEmbedding.constants(inputIds.graph(), 0, inputIds.dim(1), config.headDim(), config.ropeTheta());
        Tensor h = w.get("model.embed_tokens.weight").take(inputIds, 0);
        Map<Integer, RoutingProbabilities> routing = new LinkedHashMap<>();
        Map<String, Tensor> updates = RouterBatchNorm.newUpdates();
        RoutingProbabilities current = null;
        for (int l = 0; l < config.numHiddenLayers(); l++) {
            String prefix = "model.layers." + l + ".";
            Weights layer = w.scope("model.layers." + l);
            Tensor attn = Attention.forward(config, layer.scope("self_attn"), RmsNorm.apply(h, layer.get("input_layernorm.weight"), config.rmsNormEps()),
                    rope[0], rope[1]);
            h = h.add(attn);
            Tensor z = RmsNorm.apply(h, layer.get("post_attention_layernorm.weight"), config.rmsNormEps());
            if (config.hasRouter(l)) {
                current = Router.forward(config, layer.scope("router"), z, training, updates, prefix + "router.");
                routing.put(l, current);
            }
            h = h.add(experts(layer.scope("moe"), z, current));
        }
        Tensor normed = RmsNorm.apply(h, w.get("model.norm.weight"), config.rmsNormEps());
        Tensor head = config.tieWordEmbeddings() ? w.get("model.embed_tokens.weight") : w.get("lm_head.weight");
        return new Output(Linear.apply(normed, head).convert(DType.F32), routing, updates);
    }

    private Tensor experts(Weights moe, Tensor z, RoutingProbabilities routing) {
        Tensor g1 = routing.g1().convert(z.dtype()), g2 = routing.g2().convert(z.dtype());
        return config.moeDecompose() == MonetConfig.Decompose.HORIZONTAL
                ? MoHdeLayer.forward(config, moe, z, g1, g2)
                : MoVdeLayer.forward(config, moe, z, g1, g2);
    }

    /** Next-token cross-entropy: logits at positions 0..T-2 predict the ids at 1..T-1; mean over those positions. */
    public static Tensor languageModelLoss(Tensor logits, Tensor labels) {
        int t = logits.dim(1);
        return logits.slice(1, 0, t - 1).crossEntropy(labels.slice(1, 1, t));
    }
}
