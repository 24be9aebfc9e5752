package monetj.core.ir;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import monetj.core.dsl.Tensor;
import monetj.core.tensor.StridedRegion;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Shape;
import monetj.core.tensor.TensorType;

/**
 * dynamic_slice(operand, start_0, ..., start_{r-1}): a block of {@code sliceSizes} starting at run-time
 * scalar indices. As in StableHLO, each start is clamped into [0, size - slice size], so the block always
 * lies inside the operand.
 */
public record DynamicSlice(int[] sliceSizes) implements Op {
    @Override public String name() { return "dynamic_slice"; }

    @Override
    public List<TensorType> inferTypes(List<TensorType> in) {
        ShapeException.check(!in.isEmpty(), name(), in, "needs an operand and its start indices");
        Shape s = in.get(0).shape();
        checkStartIndices(name(), in, 1, s.rank());
        ShapeException.check(sliceSizes.length == s.rank(), name(), in, "slice_sizes " + Arrays.toString(sliceSizes) + " need one entry per operand dimension");
        for (int d = 0; d < s.rank(); d++) {
            ShapeException.check(sliceSizes[d] >= 0 && sliceSizes[d] <= s.dim(d), name(), in,
                    "slice size " + sliceSizes[d] + " of dimension " + d + " must lie in [0, " + s.dim(d) + "]");
        }
        return List.of(new TensorType(in.get(0).dtype(), Shape.of(sliceSizes)));
    }

    /** Operands {@code first .. first+rank-1} must be scalars of one integer type. */
    static void checkStartIndices(String op, List<TensorType> in, int first, int rank) {
        ShapeException.check(in.size() == first + rank, op, in, "needs " + rank + " scalar start indices (one per operand dimension), got " + (in.size() - first));
        for (int i = first; i < in.size(); i++) {
            TensorType t = in.get(i);
            ShapeException.check(t.rank() == 0 && t.dtype().isInteger(), op, in, "start index " + (i - first) + " must be an integer scalar, got " + t);
            ShapeException.check(t.dtype() == in.get(first).dtype(), op, in, "start indices must all have the same dtype");
        }
    }

    /** The flat offset of the clamped block start: start {@code d} is clamped into [0, dim(d) - blockDims[d]]. */
    static long clampedBase(List<HostTensor> starts, Shape operand, int[] blockDims) {
        long[] strides = operand.strides();
        long base = 0;
        for (int d = 0; d < blockDims.length; d++) {
            long start = Math.clamp(starts.get(d).getLong(0), 0, operand.dim(d) - blockDims[d]);
            base += start * strides[d];
        }
        return base;
    }

    @Override
    public List<HostTensor> evaluate(List<HostTensor> inputs) {
        HostTensor x = inputs.get(0);
        Shape outShape = Shape.of(sliceSizes);
        HostTensor out = HostTensor.zeros(x.dtype(), outShape);
        long base = clampedBase(inputs.subList(1, inputs.size()), x.shape(), sliceSizes);
        StridedRegion.copy(x, base, x.shape().strides(), out, 0, outShape.strides(), sliceSizes);
        return List.of(out);
    }

    /** The cotangent goes back into a zero operand at the same (equally clamped) place. */
    @Override
    public List<Tensor> vjp(VjpArgs args) {
        Tensor x = args.input(0);
        List<Tensor> starts = args.inputs().subList(1, args.inputs().size());
        List<Tensor> out = new ArrayList<>();
        out.add(x.dtype().isFloating() ? x.zerosLike().dynamicUpdateSlice(args.cotangent(), starts) : null);
        for (int i = 0; i < starts.size(); i++) out.add(null);
        return out;
    }

    @Override public boolean equals(Object o) { return o instanceof DynamicSlice s && Arrays.equals(sliceSizes, s.sliceSizes); }

    @Override public int hashCode() { return Arrays.hashCode(sliceSizes); }

    @Override public String toString() { return "dynamic_slice" + Arrays.toString(sliceSizes); }
}
