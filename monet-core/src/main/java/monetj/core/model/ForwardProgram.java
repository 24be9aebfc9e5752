package monetj.core.model;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import monetj.core.autodiff.Autodiff;
import monetj.core.backend.Backend;
import monetj.core.dsl.Tensor;
import monetj.core.ir.Graph;
import monetj.core.nn.ParamTree;
import monetj.core.tensor.DType;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.TensorType;

/**
 * One forward pass of a model as a program, for inspection and checking ({@code monet forward}): named results
 * {@code logits}, {@code loss} (next-token cross-entropy, labels = the inputs), {@code layer<L>.g1/g2} per router,
 * in training mode {@code after.<buffer>} for the moved BatchNorm statistics, and optionally
 * {@code grad.<parameter>} for the gradient of the language-model loss.
 */
public final class ForwardProgram {
    private final Graph graph;
    private final List<String> argumentNames;
    private final List<String> resultNames;

    private ForwardProgram(Graph graph, List<String> argumentNames, List<String> resultNames) {
        this.graph = graph;
        this.argumentNames = argumentNames;
        this.resultNames = resultNames;
    }

    public Graph graph() { return graph; }

    /**
     * Builds the program for weights of the given types (every parameter and buffer of the config's layout) and
     * ids [batch, seq]. Arguments: the weights in layout order, then {@code input_ids}.
     */
    public static ForwardProgram build(MonetConfig config, Map<String, TensorType> weightTypes, int batch, int seq, boolean training, boolean grads) {
        return build(config, weightTypes, batch, seq, training, grads, false);
    }

    /** With {@code masked}, the program also takes the {@link ExpertMaskInputs} (by name, with the weights) after the ids. */
    public static ForwardProgram build(MonetConfig config, Map<String, TensorType> weightTypes, int batch, int seq, boolean training, boolean grads,
            boolean masked) {
        Graph g = new Graph(training ? "monet_forward_train" : "monet_forward_eval");
        Map<String, Tensor> weights = new LinkedHashMap<>();
        List<String> args = new ArrayList<>();
        for (String name : MonetParameters.layout(config).keySet()) {
            TensorType t = weightTypes.get(name);
            if (t == null) throw new IllegalArgumentException("no type given for model weight '" + name + "'");
            weights.put(name, new Tensor(g, g.parameter(name, t)));
            args.add(name);
        }
        Tensor ids = new Tensor(g, g.parameter("input_ids", TensorType.of(DType.S32, batch, seq)));
        args.add("input_ids");
        Map<Integer, Tensor> masks = masked ? ExpertMaskInputs.declare(g, config) : Map.of();
        if (masked) args.addAll(ExpertMaskInputs.types(config).keySet());
        MonetModel.Output out = new MonetModel(config).forward(ParamTree.of(weights), ids, training, masks);
        Tensor loss = MonetModel.languageModelLoss(out.logits(), ids);
        Map<String, Tensor> results = new LinkedHashMap<>();
        results.put("logits", out.logits());
        results.put("loss", loss.reshape(1));
        for (var e : out.routing().entrySet()) {
            results.put("layer" + e.getKey() + ".g1", e.getValue().g1());
            results.put("layer" + e.getKey() + ".g2", e.getValue().g2());
        }
        if (training) out.bufferUpdates().forEach((k, v) -> results.put("after." + k, v));
        if (grads) {
            List<String> trainable = MonetParameters.layout(config).entrySet().stream().filter(e -> e.getValue().trainable()).map(Map.Entry::getKey).toList();
            List<Tensor> gs = Autodiff.grad(loss, trainable.stream().map(weights::get).toList());
            for (int i = 0; i < trainable.size(); i++) results.put("grad." + trainable.get(i), gs.get(i));
        }
        g.setOutputs(results.values().stream().map(Tensor::value).toList());
        return new ForwardProgram(g, args, List.copyOf(results.keySet()));
    }

    /** Runs on a backend with the model's tensors (and masks, when built masked) and the ids; returns results by name. */
    public Map<String, HostTensor> run(Backend backend, Map<String, HostTensor> tensors, HostTensor inputIds) {
        List<HostTensor> in = new ArrayList<>();
        for (String name : argumentNames) {
            HostTensor t = name.equals("input_ids") ? inputIds : tensors.get(name);
            if (t == null) throw new IllegalArgumentException("no tensor given for program input '" + name + "'");
            in.add(t);
        }
        List<HostTensor> out = backend.run(graph, in);
        Map<String, HostTensor> named = new LinkedHashMap<>();
        for (int i = 0; i < resultNames.size(); i++) named.put(resultNames.get(i), out.get(i));
        return named;
    }

    /** Convenience: types of a map of host tensors. */
    public static Map<String, TensorType> typesOf(Map<String, HostTensor> tensors) {
        Map<String, TensorType> t = new LinkedHashMap<>();
        tensors.forEach((k, v) -> t.put(k, v.type()));
        return t;
    }

    /** The ids tensor shape check shared by callers. */
    public static void checkIds(HostTensor ids, MonetConfig config) {
        if (ids.dtype() != DType.S32 || ids.shape().rank() != 2) {
            throw new IllegalArgumentException("input_ids must be int32 [batch, seq], got " + ids.type());
        }
        int[] v = ids.ints();
        for (int i = 0; i < v.length; i++) {
            if (v[i] < 0 || v[i] >= config.vocabSize()) {
                throw new IllegalArgumentException("input_ids element " + i + " is " + v[i] + ", outside the vocabulary [0, " + config.vocabSize() + ")");
            }
        }
        if (ids.shape().dim(1) > config.maxPositionEmbeddings()) {
            throw new IllegalArgumentException("sequence length " + ids.shape().dim(1) + " exceeds max_position_embeddings " + config.maxPositionEmbeddings());
        }
    }
}
