package monetj.core.ir;

import java.util.ArrayList;
import java.util.List;
import monetj.core.dsl.Tensor;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.TensorType;

/**
 * optimization_barrier: returns its operands unchanged, but the compiler may not move computation across
 * it (used to pin rematerialisation and to keep scheduling decisions). The cotangents pass straight back.
 */
public record OptimizationBarrier() implements Op {
    @Override public String name() { return "optimization_barrier"; }

    @Override
    public List<TensorType> inferTypes(List<TensorType> in) { return List.copyOf(in); }

    @Override
    public List<HostTensor> evaluate(List<HostTensor> inputs) { return List.copyOf(inputs); }

    @Override
    public List<Tensor> vjp(VjpArgs args) {
        List<Tensor> out = new ArrayList<>();
        for (int k = 0; k < args.inputs().size(); k++) {
            Tensor g = args.cotangents().get(k);
            out.add(args.input(k).dtype().isFloating() ? g : null);
        }
        return out;
    }
}
