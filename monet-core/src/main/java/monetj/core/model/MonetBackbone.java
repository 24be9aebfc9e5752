package monetj.core.model;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.function.Supplier;
import monetj.core.autodiff.GradientRegion;
import monetj.core.ir.Graph;
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

    /**
     * {@code masks}: expert masks [E, E] (1 = removed) by router layer, applied to every layer of that group. In training
     * each layer is a gradient region whose backward pass keeps or recomputes its activations as {@code remat} says.
     */
    Output forward(ParamTree<Tensor> p, Tensor ids, boolean training, Map<Integer, Tensor> masks, Remat remat, LayerAttention attention) {
        Tensor h = precision.cast(embedTokens.forward(p, ids));
        Map<Integer, RoutingProbabilities> routing = new LinkedHashMap<>();
        Map<String, Tensor> buffers = new LinkedHashMap<>();
        RoutingProbabilities current = null;
        int routerLayer = 0;
        for (int l = 0; l < layers.size(); l++) {
            int layer = l;
            if (layers.get(l).hasRouter()) routerLayer = l;
            Tensor input = h, removed = masks.get(routerLayer);
            RoutingProbabilities routingIn = current;
            Supplier<DecoderLayer.Output> call = () -> layers.get(layer).forward(p, input, routingIn, removed, training, (attn, x) -> attention.apply(layer, attn, x));
            DecoderLayer.Output out = training ? region(ids.graph(), "layer" + l, remat, call) : call.get();
            h = out.hidden();
            current = out.routing();
            buffers.putAll(out.buffers());
            if (layers.get(l).hasRouter()) routing.put(l, current);
        }
        return new Output(norm.forward(p, h), routing, buffers);
    }

    /** One decoder layer traced as a gradient region: its hidden output, routing and buffers are the region's results. */
    private static DecoderLayer.Output region(Graph g, String name, Remat remat, Supplier<DecoderLayer.Output> layer) {
        DecoderLayer.Output[] traced = new DecoderLayer.Output[1];
        List<Tensor> results = GradientRegion.trace(g, name, remat.policy(), () -> {
            traced[0] = layer.get();
            RoutingProbabilities r = traced[0].routing();
            List<Tensor> flat = new ArrayList<>(List.of(traced[0].hidden(), r.g1(), r.g2(), r.margin1(), r.margin2()));
            flat.addAll(traced[0].buffers().values());
            return flat;
        });
        Map<String, Tensor> buffers = new LinkedHashMap<>();
        int k = 5;
        for (String path : traced[0].buffers().keySet()) buffers.put(path, results.get(k++));
        return new DecoderLayer.Output(results.get(0), new RoutingProbabilities(results.get(1), results.get(2), results.get(3), results.get(4)), buffers);
    }
}
