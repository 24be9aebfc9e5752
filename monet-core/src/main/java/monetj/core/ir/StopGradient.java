package monetj.core.ir;

import java.util.ArrayList;
import java.util.List;
import monetj.core.dsl.Tensor;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.TensorType;

/**
 * Identity whose gradient is zero. Not a StableHLO op: the emitter forwards its operand, as JAX's lowering
 * of stop_gradient does.
 */
public record StopGradient() implements Op {
    @Override public String name() { return "stop_gradient"; }

    @Override
    public List<TensorType> inferTypes(List<TensorType> in) {
        ShapeException.arity(name(), in, 1);
        return List.of(in.get(0));
    }

    @Override
    public List<HostTensor> evaluate(List<HostTensor> inputs) { return List.of(inputs.get(0)); }

    @Override
    public List<Tensor> vjp(VjpArgs args) {
        List<Tensor> none = new ArrayList<>();
        none.add(null);
        return none;
    }
}
