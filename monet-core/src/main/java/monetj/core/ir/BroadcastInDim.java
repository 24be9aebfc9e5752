package monetj.core.ir;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import monetj.core.dsl.Tensor;
import monetj.core.exec.BlockRepeat;
import monetj.core.exec.IndexMaps;
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
        // Common layouts are block copies: the operand repeated as a whole (it fills the trailing dimensions),
        // or each element repeated (it fills the leading dimensions, e.g. a scalar or per-row statistics).
        int lead = shape.rank() - in.rank();
        if (sameSizes(in, lead)) return List.of(BlockRepeat.wholeOperand(x, shape));
        if (sameSizes(in, 0)) return List.of(BlockRepeat.eachElement(x, shape));
        long[] src = in.strides();
        long[] strides = new long[shape.rank()];
        for (int i = 0; i < dims.length; i++) strides[dims[i]] = in.dim(i) == 1 ? 0 : src[i];
        return List.of(IndexMaps.take(x, IndexMaps.strided(shape, strides, 0), shape));
    }

    /** Whether operand dimension i is result dimension {@code first + i}, with the same size. */
    private boolean sameSizes(Shape in, int first) {
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] != first + i || in.dim(i) != shape.dim(first + i)) return false;
        }
        return true;
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
