package monetj.core.ir;

import java.util.List;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.TensorType;

/**
 * stablehlo.custom_call, emitted verbatim for backends that know the target (fused kernels). Result types
 * are declared by the caller. The Java executor refuses it by name.
 */
public record CustomCall(String target, String backendConfig, List<TensorType> resultTypes) implements Op {
    @Override public String name() { return "custom_call"; }

    @Override
    public List<TensorType> inferTypes(List<TensorType> inputs) { return resultTypes; }

    @Override
    public List<HostTensor> evaluate(List<HostTensor> inputs) {
        throw new UnsupportedOperationException("the Java executor cannot run custom_call '" + target + "'");
    }
}
