package monetj.core.ir;

import java.util.ArrayList;
import java.util.List;
import monetj.core.dsl.Tensor;
import monetj.core.tensor.StridedRegion;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Shape;
import monetj.core.tensor.TensorType;

/** concatenate: joins one or more operands of equal dtype and equal shape outside {@code dimension}, in order. */
public record Concatenate(int dimension) implements Op {
    @Override public String name() { return "concatenate"; }

    @Override
    public List<TensorType> inferTypes(List<TensorType> in) {
        ShapeException.check(!in.isEmpty(), name(), in, "needs at least one operand");
        TensorType first = in.get(0);
        ShapeException.check(dimension >= 0 && dimension < first.rank(), name(), in, "dimension " + dimension + " out of range for rank " + first.rank());
        long total = 0;
        for (TensorType t : in) {
            ShapeException.check(t.dtype() == first.dtype(), name(), in, "operands must have the same dtype");
            ShapeException.check(t.rank() == first.rank(), name(), in, "operands must have the same rank");
            for (int d = 0; d < t.rank(); d++) {
                ShapeException.check(d == dimension || t.shape().dim(d) == first.shape().dim(d), name(), in,
                        "operands differ in dimension " + d + ", which is not the concatenated dimension " + dimension);
            }
            total += t.shape().dim(dimension);
        }
        ShapeException.check(total <= Integer.MAX_VALUE, name(), in, "result dimension " + dimension + " is too large");
        return List.of(new TensorType(first.dtype(), first.shape().with(dimension, (int) total)));
    }

    @Override
    public List<HostTensor> evaluate(List<HostTensor> inputs) {
        Shape outShape = inferTypes(inputs.stream().map(HostTensor::type).toList()).get(0).shape();
        HostTensor out = HostTensor.zeros(inputs.get(0).dtype(), outShape);
        long[] dst = outShape.strides();
        long offset = 0;
        for (HostTensor x : inputs) {
            StridedRegion.copy(x, 0, x.shape().strides(), out, offset * dst[dimension], dst, x.shape().dims());
            offset += x.shape().dim(dimension);
        }
        return List.of(out);
    }

    /** Each operand's cotangent is its own slab of the result's cotangent. */
    @Override
    public List<Tensor> vjp(VjpArgs args) {
        Tensor g = args.cotangent();
        List<Tensor> out = new ArrayList<>();
        int offset = 0;
        for (Tensor x : args.inputs()) {
            int n = x.dim(dimension);
            out.add(x.dtype().isFloating() ? g.slice(dimension, offset, offset + n) : null);
            offset += n;
        }
        return out;
    }
}
