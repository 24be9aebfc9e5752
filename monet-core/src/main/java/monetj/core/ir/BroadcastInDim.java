package monetj.core.ir;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import monetj.core.dsl.Tensor;
import monetj.core.tensor.IndexMaps;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Shape;
import monetj.core.tensor.TensorType;

/** broadcast_in_dim: operand dimension i becomes result dimension {@code dims[i]}; size-1 dims stretch. */
public record BroadcastInDim(Shape shape, int[] dims) implements Op {
    @Override public String name() { return "broadcast_in_dim"; }

    @Override
    public List<TensorType> inferTypes(List<TensorType> in) {
        ShapeException.arity(name(), in, 1);
        Shape s = in.get(0).shape();
        ShapeException.check(dims.length == s.rank(), name(), in,
                "broadcast_dimensions " + Arrays.toString(dims) + " must have one entry per operand dimension");
        for (int i = 0; i < dims.length; i++) {
            ShapeException.check(dims[i] >= 0 && dims[i] < shape.rank(), name(), in,
                    "broadcast dimension " + dims[i] + " out of range for result shape " + shape);
            ShapeException.check(i == 0 || dims[i] > dims[i - 1], name(), in, "broadcast_dimensions " + Arrays.toString(dims) + " must increase");
            ShapeException.check(s.dim(i) == 1 || s.dim(i) == shape.dim(dims[i]), name(), in,
                    "operand dimension " + i + " (size " + s.dim(i) + ") cannot broadcast to result dimension " + dims[i] + " of " + shape);
        }
        return List.of(new TensorType(in.get(0).dtype(), shape));
    }

    @Override
    public List<HostTensor> evaluate(List<HostTensor> inputs) {
        HostTensor x = inputs.get(0);
        Shape in = x.shape();
        long[] src = in.strides();
        long[] strides = new long[shape.rank()];
        for (int i = 0; i < dims.length; i++) strides[dims[i]] = in.dim(i) == 1 ? 0 : src[i];
        return List.of(IndexMaps.take(x, IndexMaps.strided(shape, strides, 0), shape));
    }

    @Override
    public List<Tensor> vjp(VjpArgs args) {
        Tensor x = args.input(0);
        List<Tensor> out = new ArrayList<>();
        out.add(x.dtype().isFloating() ? args.cotangent().sumTo(x.shape(), dims) : null);
        return out;
    }

    @Override public boolean equals(Object o) { return o instanceof BroadcastInDim b && shape.equals(b.shape) && Arrays.equals(dims, b.dims); }

    @Override public int hashCode() { return shape.hashCode() * 31 + Arrays.hashCode(dims); }

    @Override public String toString() { return "broadcast_in_dim" + shape + Arrays.toString(dims); }
}
