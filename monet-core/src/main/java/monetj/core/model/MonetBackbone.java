package monetj.core.model;

import java.util.LinkedHashMap;
import java.util.Map;
import monetj.core.dsl.Tensor;
import monetj.core.nn.Embedding;
import monetj.core.nn.Initializer;
import monetj.core.nn.Module;
import monetj.core.nn.ModuleList;
import monetj.core.nn.ParamTree;
import monetj.core.tensor.DType;

/**
 * The Hugging Face {@code model} part of Monet: token embedding, the decoder layers (routing passed from each
 * router layer to the rest of its group), and the final norm.
 */
final class MonetBackbone extends Module {
    private final Embedding embedTokens;
    private final ModuleList<DecoderLayer> layers;
    private final RmsNorm norm;

    MonetBackbone(MonetConfig c) {
        this.embedTokens = child("embed_tokens", new Embedding(c.vocabSize(), c.hiddenSize(), DType.F32, Initializer.normal(c.initializerRange())));
        this.layers = child("layers", new ModuleList<>());
        for (int l = 0; l < c.numHiddenLayers(); l++) layers.add(new DecoderLayer(c, l));
        this.norm = child("norm", new RmsNorm(c.hiddenSize(), c.rmsNormEps()));
    }

    Embedding embedTokens() { return embedTokens; }

    /** Attention of layer {@code l}, given the layer's attention module and normalised input. */
    @FunctionalInterface
    interface LayerAttention {
        Tensor apply(int layer, Attention attention, Tensor normalisedInput);
    }

    /** Normalised final hidden states, routing of every router layer, and (training) moved BatchNorm buffers by path. */
    record Output(Tensor hidden, Map<Integer, RoutingProbabilities> routing, Map<String, Tensor> bufferUpdates) {}

    /** {@code masks}: expert masks [E, E] (1 = removed) by router layer, applied to every layer of that group. */
    Output forward(ParamTree<Tensor> p, Tensor ids, boolean training, Map<Integer, Tensor> masks, LayerAttention attention) {
        Tensor h = embedTokens.forward(p, ids);
        Map<Integer, RoutingProbabilities> routing = new LinkedHashMap<>();
        Map<String, Tensor> updates = new LinkedHashMap<>();
        RoutingProbabilities current = null;
        int routerLayer = 0;
        for (int l = 0; l < layers.size(); l++) {
            int layer = l;
            if (layers.get(l).hasRouter()) routerLayer = l;
            DecoderLayer.Output out = layers.get(l).forward(p, h, current, masks.get(routerLayer), training, updates,
                    (attn, x) -> attention.apply(layer, attn, x));
            h = out.hidden();
            current = out.routing();
            if (layers.get(l).hasRouter()) routing.put(l, current);
        }
        return new Output(norm.forward(p, h), routing, updates);
    }
}
