package monetj.core.ir;

import java.util.List;
import monetj.core.dsl.Tensor;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.TensorType;

/**
 * A primitive operation with StableHLO semantics. Every fact about an op family lives in its class: the
 * type rule, a short reference evaluation and the gradient rule; the StableHLO spelling is {@link #name()}
 * plus the record's attributes, which the emitter in monet-xla writes out. The Java executor's optimised
 * kernels live in its own kernel table and are tested against the reference evaluation.
 */
public interface Op {
    /** The StableHLO op name without the dialect prefix, e.g. {@code "dot_general"}. */
    String name();

    /** Result types for the given operand types; throws {@link ShapeException} naming this op and the shapes. */
    List<TensorType> inferTypes(List<TensorType> inputs);

    /**
     * The reference evaluation: plain, serial, written for clarity (the oracle of the executor's kernels, and what
     * the executor runs for ops without one). Inputs must not be modified; results are fresh tensors (or inputs unchanged).
     */
    List<HostTensor> evaluate(List<HostTensor> inputs);

    /**
     * Reverse-mode rule: given the node's operands and results as traced tensors and the cotangent of each
     * result (null where a result has none), returns the cotangent of each operand (null for no gradient).
     */
    default List<Tensor> vjp(VjpArgs args) {
        throw new UnsupportedOperationException("op '" + name() + "' has no gradient rule");
    }
}
