package monetj.core.model;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import monetj.core.dsl.Tensor;
import monetj.core.tensor.DType;
import monetj.core.tensor.Shape;

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
        int t = inputIds.dim(1);
        Tensor[] rope = RotaryEmbedding.constants(inputIds.graph(), 0, t, config.headDim(), config.ropeTheta());
        Tensor rows = Tensor.iota(inputIds.graph(), DType.S32, Shape.of(t, t), 0), cols = Tensor.iota(inputIds.graph(), DType.S32, Shape.of(t, t), 1);
        Tensor causal = rows.ge(cols);
        return decoder(Weights.of(weights), inputIds, training, (l, attn, x) -> {
            Attention.Projected p = Attention.project(config, attn, x, rope[0], rope[1]);
            return Attention.attend(config, attn, p.q(), new Attention.Context(p.k(), p.v(), causal));
        });
    }

    /** Attention of one layer given its weights and normalised input [B, T, d]. */
    @FunctionalInterface
    private interface LayerAttention {
        Tensor apply(int layer, Weights attention, Tensor x);
    }

    private Output decoder(Weights w, Tensor inputIds, boolean training, LayerAttention attention) {
        Tensor h = w.get("model.embed_tokens.weight").take(inputIds, 0);
        Map<Integer, RoutingProbabilities> routing = new LinkedHashMap<>();
        Map<String, Tensor> updates = RouterBatchNorm.newUpdates();
        RoutingProbabilities current = null;
        for (int l = 0; l < config.numHiddenLayers(); l++) {
            String prefix = "model.layers." + l + ".";
            Weights layer = w.scope("model.layers." + l);
            h = h.add(attention.apply(l, layer.scope("self_attn"), RmsNorm.apply(h, layer.get("input_layernorm.weight"), config.rmsNormEps())));
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

    /**
     * Incremental inference with a key/value cache: ids [B, S] at positions {@code start .. start+S-1} (s32 scalar),
     * caches [B, kvHeads, maxLen, hd] per layer (keys then values). The new keys and values are written at
     * {@code start}; each query attends to the cached positions up to its own. Eval-mode routing is per token,
     * so cached decoding gives the same logits as a full forward pass.
     */
    public CachedOutput forwardCached(Map<String, Tensor> weights, Tensor ids, Tensor start, List<Tensor> keyCaches, List<Tensor> valueCaches) {
        int s = ids.dim(1), maxLen = keyCaches.get(0).dim(2);
        Tensor[] rope = RotaryEmbedding.constants(ids.graph(), 0, maxLen, config.headDim(), config.ropeTheta());
        Tensor cos = rope[0].dynamicSlice(0, start, s), sin = rope[1].dynamicSlice(0, start, s);
        Tensor queryPos = Tensor.iota(ids.graph(), DType.S32, Shape.of(s, maxLen), 0).add(start);
        Tensor keyPos = Tensor.iota(ids.graph(), DType.S32, Shape.of(s, maxLen), 1);
        Tensor visible = keyPos.le(queryPos);
        List<Tensor> newKeys = new ArrayList<>(), newValues = new ArrayList<>();
        Output out = decoder(Weights.of(weights), ids, false, (l, attn, x) -> {
            Attention.Projected p = Attention.project(config, attn, x, cos, sin);
            Tensor k = keyCaches.get(l).dynamicUpdateSlice(2, start, p.k().convert(keyCaches.get(l).dtype()));
            Tensor v = valueCaches.get(l).dynamicUpdateSlice(2, start, p.v().convert(valueCaches.get(l).dtype()));
            newKeys.add(k);
            newValues.add(v);
            return Attention.attend(config, attn, p.q(), new Attention.Context(k.convert(p.q().dtype()), v.convert(p.q().dtype()), visible));
        });
        return new CachedOutput(out.logits(), newKeys, newValues);
    }

    /** Logits [B, S, V] and the updated caches. */
    public record CachedOutput(Tensor logits, List<Tensor> keyCaches, List<Tensor> valueCaches) {}

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
