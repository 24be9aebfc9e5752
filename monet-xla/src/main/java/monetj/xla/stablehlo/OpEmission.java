package monetj.xla.stablehlo;

import monetj.core.ir.Node;
import monetj.core.ir.Op;

/** Writes one node of op family {@code T} as StableHLO, binding the node's results in {@code out}. */
@FunctionalInterface
public interface OpEmission<T extends Op> {
    void emit(T op, Node node, FunctionWriter out);
}
