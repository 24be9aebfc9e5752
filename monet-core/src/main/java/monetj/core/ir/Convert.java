package monetj.core.ir;

import java.util.ArrayList;
import java.util.List;
import monetj.core.dsl.Tensor;
import monetj.core.tensor.DType;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.TensorType;

/** Elementwise dtype conversion (float to int truncates toward zero; to bf16/f16 rounds to nearest even). */
public record Convert(DType target) implements Op {
    @Override public String name() { return "convert"; }

    @Override
    public List<TensorType> inferTypes(List<TensorType> in) {
        ShapeException.arity(name(), in, 1);
        return List.of(new TensorType(target, in.get(0).shape()));
    }

    @Override
    public List<HostTensor> evaluate(List<HostTensor> inputs) { return List.of(inputs.get(0).to(target)); }

    @Override
    public List<Tensor> vjp(VjpArgs args) {
        Tensor x = args.input(0);
        List<Tensor> out = new ArrayList<>();
        out.add(x.dtype().isFloating() && target.isFloating() ? args.cotangent().convert(x.dtype()) : null);
        return out;
    }
}
