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
}
