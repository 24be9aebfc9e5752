package monetj.core.exec;

import java.util.List;
import monetj.core.tensor.HostTensor;

/**
 * What the executor runs for one node: its op bound to the node's types. Operands must not be modified; results
 * are fresh tensors (or operands unchanged). An optimised kernel gives the op's reference evaluation's results.
 */
@FunctionalInterface
public interface ExecutorKernel {
    List<HostTensor> run(List<HostTensor> inputs);

    /**
     * The same, where {@code overwritable[i]} says that nothing reads operand i after this node and its storage is
     * the execution's own: a kernel may write its result there instead of allocating.
     */
    default List<HostTensor> run(List<HostTensor> inputs, boolean[] overwritable) { return run(inputs); }
}
