package monetj.core.ir;

import java.util.ArrayList;
import java.util.List;
import monetj.core.dsl.Tensor;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Shape;
import monetj.core.tensor.TensorType;

/** Row-major reshape to a shape with the same element count. */
public record Reshape(Shape shape) implements Op {
    @Override public String name() { return "reshape"; }

    @Override
    public List<TensorType> inferTypes(List<TensorType> in) {
        ShapeException.arity(name(), in, 1);
        ShapeException.check(in.get(0).shape().size() == shape.size(), name(), in, "cannot reshape to " + shape + " (element counts differ)");
        return List.of(new TensorType(in.get(0).dtype(), shape));
    }

    @Override
    public List<HostTensor> evaluate(List<HostTensor> inputs) { return List.of(inputs.get(0).reshape(shape)); }

    @Override
    public List<Tensor> vjp(VjpArgs args) {
        List<Tensor> out = new ArrayList<>();
        Tensor x = args.input(0);
        out.add(x.dtype().isFloating() ? args.cotangent().reshape(x.shape()) : null);
        return out;
    }
}
