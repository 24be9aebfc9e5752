package monetj.core.model;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import monetj.core.autodiff.Autodiff;
import monetj.core.backend.Backend;
import monetj.core.dsl.Tensor;
import monetj.core.nn.Param;
import monetj.core.nn.ParamTree;
import monetj.core.program.Program;
import monetj.core.program.ProgramBuilder;
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
    private final Program program;

    private ForwardProgram(Program program) { this.program = program; }

    /** The traced program with its signature. */
    public Program program() { return program; }

    /**
     * Builds the program for weights of the given types (every parameter and buffer of the model, as stored) and
     * ids [batch, seq]. Arguments: the weights by path (groups {@code params} and {@code buffers}), then {@code input_ids}
     * (group {@code batch}).
     */
    public static ForwardProgram build(MonetConfig config, Map<String, TensorType> weightTypes, int batch, int seq, boolean training, boolean grads) {
        return build(config, weightTypes, batch, seq, training, grads, false);
    }

    /** With {@code masked}, the program also takes the {@link ExpertMaskInputs} (by name, with the weights) after the ids. */
    public static ForwardProgram build(MonetConfig config, Map<String, TensorType> weightTypes, int batch, int seq, boolean training, boolean grads,
            boolean masked) {
        MonetModel model = new MonetModel(config);
        for (Param p : model.variables()) if (!weightTypes.containsKey(p.path())) throw new IllegalArgumentException("no type given for model weight '" + p.path() + "'");
        ProgramBuilder b = new ProgramBuilder(training ? "monet_forward_train" : "monet_forward_eval");
        ParamTree<Tensor> weights = b.variables(model, weightTypes, false, false);
        Tensor ids = b.input("batch", "input_ids", TensorType.of(DType.S32, batch, seq));
        Map<Integer, Tensor> masks = masked ? ExpertMaskInputs.declare(b, config) : Map.of();
        MonetModel.Output out = model.forward(weights, ids, training, masks);
        Tensor loss = MonetModel.languageModelLoss(out.logits(), ids);
        b.output("logits", "logits", out.logits());
        b.output("loss", "loss", loss.reshape(1));
        for (var e : out.routing().entrySet()) {
            b.output("routing", "layer" + e.getKey() + ".g1", e.getValue().g1());
            b.output("routing", "layer" + e.getKey() + ".g2", e.getValue().g2());
        }
        if (training) out.buffers().forEach((k, v) -> b.output("buffers", "after." + k, v));
        if (grads) {
            List<Param> trainable = model.parameters();
            List<Tensor> gs = Autodiff.grad(loss, trainable.stream().map(weights::get).toList());
            for (int i = 0; i < trainable.size(); i++) b.output("grads", "grad." + trainable.get(i).path(), gs.get(i));
        }
        return new ForwardProgram(b.build());
    }

    /** Runs on a backend with the model's tensors (and masks, when built masked) and the ids; returns results by name. */
    public Map<String, HostTensor> run(Backend backend, Map<String, HostTensor> tensors, HostTensor inputIds) {
        Map<String, HostTensor> args = new LinkedHashMap<>();
        for (var leaf : program.signature().inputs()) {
            HostTensor t = leaf.name().equals("input_ids") ? inputIds : tensors.get(leaf.name());
            if (t == null) throw new IllegalArgumentException("no tensor given for program input '" + leaf.name() + "'");
            args.put(leaf.name(), t);
        }
        return backend.run(program, args);
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
