package monetj.core.model;

import java.util.LinkedHashMap;
import java.util.Map;
import monetj.core.dsl.Tensor;
import monetj.core.nn.Embedding;
import monetj.core.nn.Initializer;
import monetj.core.nn.Module;
import monetj.core.nn.ModuleList;
import monetj.core.nn.ParamTree;
import monetj.core.nn.Precision;
import monetj.core.tensor.DType;

/**
 * The Hugging Face {@code model} part of Monet: token embedding, the decoder layers (routing passed from each
 * router layer to the rest of its group), and the final norm.
 */
final class MonetBackbone extends Module {
    private final Embedding embedTokens;
    private final ModuleList<DecoderLayer> layers;
    private final RmsNorm norm;

    private final Precision precision;

    MonetBackbone(MonetConfig c, Precision precision) {
        this.precision = precision;
        this.embedTokens = child("embed_tokens", new Embedding(c.vocabSize(), c.hiddenSize(), DType.F32, Initializer.normal(c.initializerRange())));
        this.layers = child("layers", new ModuleList<>());
        for (int l = 0; l < c.numHiddenLayers(); l++) layers.add(new DecoderLayer(c, l, precision));
        this.norm = child("norm", new RmsNorm(c.hiddenSize(), c.rmsNormEps()));
    }

    Embedding embedTokens() { return embedTokens; }

    /** Attention of layer {@code l}, given the layer's attention module and normalised input. */
    @FunctionalInterface
    interface LayerAttention {
        Tensor apply(int layer, Attention attention, Tensor normalisedInput);
    }

    /** Normalised final hidden states, routing of every router layer, and every BatchNorm buffer after the pass, by path. */
    record Output(Tensor hidden, Map<Integer, RoutingProbabilities> routing, Map<String, Tensor> buffers) {}

    Output forward(ParamTree<Tensor> p, Tensor ids, boolean training, LayerAttention attention) {
        Tensor h = precision.cast(embedTokens.forward(p, ids));
        Map<Integer, RoutingProbabilities> routing = new LinkedHashMap<>();
        Map<String, Tensor> buffers = new LinkedHashMap<>();
        RoutingProbabilities current = null;
        for (int l = 0; l < layers.size(); l++) {
            int layer = l;
            DecoderLayer.Output out = layers.get(l).forward(p, h, current, training, (attn, x) -> attention.apply(layer, attn, x));
            h = out.hidden();
            current = out.routing();
            buffers.putAll(out.buffers());
            if (layers.get(l).hasRouter()) routing.put(l, current);
        }
        return new Output(norm.forward(p, h), routing, buffers);
    }
}
