package monetj.core.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import monetj.core.dsl.Tensor;
import monetj.core.nn.Initializer;
import monetj.core.nn.Linear;
import monetj.core.nn.Module;
import monetj.core.nn.ParamTree;
import monetj.core.nn.Precision;
import monetj.core.tensor.DType;
import monetj.core.tensor.Shape;

/**
 * The Monet causal language model (spec §2): {@code model} (embedding, decoder layers with attention, routers
 * and HD or VD experts, final norm) and an untied {@code lm_head}, with f32 logits. Its variables are the
 * Hugging Face checkpoint's tensors under the same names: parameters initialised as the HF code does (matrices
 * N(0, initializer_range), biases and expert biases zero, norms one) and the routers' BatchNorm buffers.
 */
public final class MonetModel extends Module {
    private final MonetConfig config;
    private final Precision precision;
    private final MonetBackbone model;
    private final Linear lmHead;

    /** The model traced in f32 throughout. */
    public MonetModel(MonetConfig config) { this(config, Precision.F32); }

    /** The model traced under a mixed-precision policy (its variables are always the policy's f32 masters). */
    public MonetModel(MonetConfig config, Precision precision) {
        this.config = config;
        this.precision = precision;
        this.model = child("model", new MonetBackbone(config, precision));
        this.lmHead = config.tieWordEmbeddings() ? null
                : child("lm_head", new Linear(config.hiddenSize(), config.vocabSize(), false, precision, Initializer.normal(config.initializerRange())).axes("vocab", "embed"));
    }

    public MonetConfig config() { return config; }

    /** What one forward pass gives: logits, routing by router layer, and every buffer after the pass by path (state out). */
    public record Output(Tensor logits, Map<Integer, RoutingProbabilities> routing, Map<String, Tensor> buffers) {
        /** Routing probabilities of every router, in layer order. */
        public List<RoutingProbabilities> routers() { return new ArrayList<>(routing.values()); }
    }

    /**
     * Runs the model on token ids [B, T] (s32) with full causal attention. {@code weights} holds every parameter and
     * buffer by path. In training mode the routers normalise with batch statistics and {@link Output#buffers()}
     * holds the moved running statistics; in eval mode the stored running statistics are used and returned as they were.
     */
    public Output forward(ParamTree<Tensor> weights, Tensor ids, boolean training) { return forward(weights, ids, training, Map.of(), Remat.NONE); }

    /** As {@link #forward(ParamTree, Tensor, boolean)} with expert masks [E, E] (1 = removed) by router layer (spec §11.2). */
    public Output forward(ParamTree<Tensor> weights, Tensor ids, boolean training, Map<Integer, Tensor> masks) {
        return forward(weights, ids, training, masks, Remat.NONE);
    }

    /** As {@link #forward(ParamTree, Tensor, boolean)}, each layer's activations kept for the backward pass or recomputed as {@code remat} says. */
    public Output forward(ParamTree<Tensor> weights, Tensor ids, boolean training, Remat remat) { return forward(weights, ids, training, Map.of(), remat); }

    /** The forward pass with expert masks by router layer and the rematerialisation policy of training. */
    public Output forward(ParamTree<Tensor> weights, Tensor ids, boolean training, Map<Integer, Tensor> masks, Remat remat) {
        int t = ids.dim(1);
        Tensor[] rope = RotaryEmbedding.constants(ids.graph(), 0, t, config.headDim(), config.ropeTheta());
        Tensor causal = Tensor.iota(ids.graph(), DType.S32, Shape.of(t, t), 0).ge(Tensor.iota(ids.graph(), DType.S32, Shape.of(t, t), 1));
        MonetBackbone.Output out = model.forward(weights, ids, training, masks, remat, (l, attn, x) -> {
            Attention.Projected p = attn.project(weights, x, rope[0], rope[1]);
            return attn.attend(weights, p.q(), new Attention.Context(p.k(), p.v(), causal));
        });
        return new Output(logits(weights, out.hidden()), out.routing(), out.buffers());
    }

    /**
     * Incremental inference with a key/value cache: ids [B, S] at positions {@code start .. start+S-1} (s32 scalar),
     * caches [B, kvHeads, maxLen, hd] per layer. The new keys and values are written at {@code start}; each query
     * attends to the cached positions up to its own. Eval-mode routing is per token, so cached decoding gives the
     * same logits as a full forward pass.
     */
    public CachedOutput forwardCached(ParamTree<Tensor> weights, Tensor ids, Tensor start, List<Tensor> keyCaches, List<Tensor> valueCaches) {
        return forwardCached(weights, ids, start, keyCaches, valueCaches, Map.of());
    }

    /** As {@link #forwardCached(ParamTree, Tensor, Tensor, List, List)} with expert masks by router layer. */
    public CachedOutput forwardCached(ParamTree<Tensor> weights, Tensor ids, Tensor start, List<Tensor> keyCaches, List<Tensor> valueCaches,
            Map<Integer, Tensor> masks) {
        int s = ids.dim(1), maxLen = keyCaches.get(0).dim(2);
        Tensor[] rope = RotaryEmbedding.constants(ids.graph(), 0, maxLen, config.headDim(), config.ropeTheta());
        Tensor cos = rope[0].dynamicSlice(0, start, s), sin = rope[1].dynamicSlice(0, start, s);
        Tensor queryPos = Tensor.iota(ids.graph(), DType.S32, Shape.of(s, maxLen), 0).add(start);
        Tensor visible = Tensor.iota(ids.graph(), DType.S32, Shape.of(s, maxLen), 1).le(queryPos);
        List<Tensor> newKeys = new ArrayList<>(), newValues = new ArrayList<>();
        MonetBackbone.Output out = model.forward(weights, ids, false, masks, Remat.NONE, (l, attn, x) -> {
            Attention.Projected p = attn.project(weights, x, cos, sin);
            Tensor k = keyCaches.get(l).dynamicUpdateSlice(2, start, p.k().convert(keyCaches.get(l).dtype()));
            Tensor v = valueCaches.get(l).dynamicUpdateSlice(2, start, p.v().convert(valueCaches.get(l).dtype()));
            newKeys.add(k);
            newValues.add(v);
            return attn.attend(weights, p.q(), new Attention.Context(k.convert(p.q().dtype()), v.convert(p.q().dtype()), visible));
        });
        return new CachedOutput(logits(weights, out.hidden()), newKeys, newValues);
    }

    /** Logits [B, S, V] and the updated caches. */
    public record CachedOutput(Tensor logits, List<Tensor> keyCaches, List<Tensor> valueCaches) {}

    /** The LM head: compute-dtype operands, f32 logits. */
    private Tensor logits(ParamTree<Tensor> weights, Tensor hidden) {
        Tensor head = lmHead != null ? lmHead.logits(weights, hidden) : precision.dotF32("...d,vd->...v", hidden, weights.get(model.embedTokens().weight()));
        return head.convert(DType.F32);
    }

    /** Next-token cross-entropy: logits at positions 0..T-2 predict the ids at 1..T-1; mean over those positions. */
    public static Tensor languageModelLoss(Tensor logits, Tensor labels) {
        int t = logits.dim(1);
        return logits.slice(1, 0, t - 1).crossEntropy(labels.slice(1, 1, t));
    }
}
