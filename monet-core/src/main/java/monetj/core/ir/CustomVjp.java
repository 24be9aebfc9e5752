package monetj.core.ir;

import java.util.ArrayList;
import java.util.List;
import monetj.core.dsl.Tensor;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.TensorType;

/**
 * Marks the results of a sub-function whose gradient the user supplies. Operands are the sub-function's
 * inputs followed by its results; the node forwards the results unchanged, and its gradient rule calls the
 * user's backward function instead of differentiating the traced body. Like {@link StopGradient}, the emitter
 * forwards values through it.
 */
public record CustomVjp(String label, int inputCount, Backward backward) implements Op {
    /** Given the sub-function's inputs, results and the results' cotangents (null where none flowed), returns the inputs' cotangents. */
    @FunctionalInterface
    public interface Backward {
        List<Tensor> apply(List<Tensor> inputs, List<Tensor> outputs, List<Tensor> cotangents);
    }

    @Override public String name() { return "custom_vjp"; }

    @Override
    public List<TensorType> inferTypes(List<TensorType> in) {
        ShapeException.check(in.size() > inputCount, name() + "(" + label + ")", in, "needs the sub-function's inputs then at least one result");
        return List.copyOf(in.subList(inputCount, in.size()));
    }

    @Override
    public List<HostTensor> evaluate(List<HostTensor> inputs) { return List.copyOf(inputs.subList(inputCount, inputs.size())); }

    @Override
    public List<Tensor> vjp(VjpArgs args) {
        List<Tensor> ins = args.inputs().subList(0, inputCount);
        List<Tensor> grads = backward.apply(ins, args.outputs(), args.cotangents());
        if (grads.size() != inputCount) {
            throw new IllegalStateException("custom gradient '" + label + "' returned " + grads.size() + " cotangents for " + inputCount + " inputs");
        }
        List<Tensor> out = new ArrayList<>(grads);
        for (int i = inputCount; i < args.inputs().size(); i++) out.add(null); // nothing flows into the traced body
        return out;
    }
}
