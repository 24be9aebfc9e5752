package monetj.core.ir;

import java.util.List;
import monetj.core.dsl.Tensor;

/** What a gradient rule sees: the node, its operands and results as tensors, and the results' cotangents. */
public record VjpArgs(Node node, List<Tensor> inputs, List<Tensor> outputs, List<Tensor> cotangents) {
    public Tensor input(int i) { return inputs.get(i); }

    public Tensor output() { return outputs.get(0); }

    /** The cotangent of the single result (never null when the rule is called for a single-result op). */
    public Tensor cotangent() { return cotangents.get(0); }
}
