package monetj.core.ir;

import java.util.Arrays;
import java.util.List;
import monetj.core.dsl.Tensor;
import monetj.core.tensor.StridedRegion;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Shape;
import monetj.core.tensor.TensorType;

/**
 * pad(operand, padding_value): puts {@code interiorPadding[d]} padding elements between neighbours of
 * dimension d, then {@code edgePaddingLow[d]} before and {@code edgePaddingHigh[d]} after. Negative edge
 * padding removes elements from that end instead (interior padding must be non-negative).
 */
public record Pad(int[] edgePaddingLow, int[] edgePaddingHigh, int[] interiorPadding) implements Op {
    @Override public String name() { return "pad"; }

    @Override
    public List<TensorType> inferTypes(List<TensorType> in) {
        ShapeException.arity(name(), in, 2);
        TensorType x = in.get(0), value = in.get(1);
        ShapeException.check(value.rank() == 0 && value.dtype() == x.dtype(), name(), in, "padding value must be a scalar of the operand's dtype");
        int rank = x.rank();
        ShapeException.check(edgePaddingLow.length == rank && edgePaddingHigh.length == rank && interiorPadding.length == rank, name(), in,
                "edge_padding_low, edge_padding_high and interior_padding need one entry per operand dimension, got " + this);
        int[] out = new int[rank];
        for (int d = 0; d < rank; d++) {
            ShapeException.check(interiorPadding[d] >= 0, name(), in, "dimension " + d + ": interior padding " + interiorPadding[d] + " is negative");
            long size = resultSize(x.shape().dim(d), d);
            ShapeException.check(size >= 0, name(), in, "dimension " + d + ": padding " + this + " removes more elements than there are");
            ShapeException.check(size <= Integer.MAX_VALUE, name(), in, "dimension " + d + ": result size " + size + " is too large");
            out[d] = (int) size;
        }
        return List.of(new TensorType(x.dtype(), Shape.of(out)));
    }

    private long resultSize(int n, int d) {
        return (long) edgePaddingLow[d] + edgePaddingHigh[d] + n + (long) Math.max(n - 1, 0) * interiorPadding[d];
    }

    /**
     * Where the operand's elements land in the result: the box {@code counts} of kept operand elements starts at
     * {@code operandBase} (flat, in the operand's row-major strides) and at {@code resultBase}, stepping {@code
     * resultStrides} in the result, for executors' own pad kernels.
     */
    public record Placement(long operandBase, long resultBase, long[] resultStrides, int[] counts) {}

    /** The placement of an operand shaped {@code operand} in the result shaped {@code result}. */
    public Placement placement(Shape operand, Shape result) {
        int rank = operand.rank();
        long[] src = operand.strides(), dst = result.strides(), dstStrides = new long[rank];
        int[] counts = new int[rank];
        long srcBase = 0, dstBase = 0;
        for (int d = 0; d < rank; d++) {
            // Operand element i lands at low + i * step; keep the i whose position falls inside the result.
            long step = interiorPadding[d] + 1L, low = edgePaddingLow[d];
            long first = low >= 0 ? 0 : Math.ceilDiv(-low, step);
            long last = Math.min(operand.dim(d) - 1L, Math.floorDiv(result.dim(d) - 1L - low, step));
            counts[d] = (int) Math.max(0, last - first + 1);
            srcBase += first * src[d];
            dstBase += (low + first * step) * dst[d];
            dstStrides[d] = step * dst[d];
        }
        return new Placement(srcBase, dstBase, dstStrides, counts);
    }

    @Override
    public List<HostTensor> evaluate(List<HostTensor> inputs) {
        HostTensor x = inputs.get(0);
        Shape outShape = inferTypes(List.of(x.type(), inputs.get(1).type())).get(0).shape();
        HostTensor out = StridedRegion.filled(inputs.get(1), outShape);
        Placement at = placement(x.shape(), outShape);
        StridedRegion.copy(x, at.operandBase(), x.shape().strides(), out, at.resultBase(), at.resultStrides(), at.counts());
        return List.of(out);
    }

    /**
     * The operand's cotangent is the cotangent at the positions its elements landed: undo negative edge padding
     * with zeros, then take a strided slice. The padding value receives everything else.
     */
    @Override
    public List<Tensor> vjp(VjpArgs args) {
        Tensor x = args.input(0), g = args.cotangent();
        if (!x.dtype().isFloating()) return Arrays.asList(null, null);
        int rank = x.rank();
        int[] restoreLow = new int[rank], restoreHigh = new int[rank];
        int[] start = new int[rank], limit = new int[rank], stride = new int[rank];
        for (int d = 0; d < rank; d++) {
            restoreLow[d] = Math.max(-edgePaddingLow[d], 0);
            restoreHigh[d] = Math.max(-edgePaddingHigh[d], 0);
            start[d] = Math.max(edgePaddingLow[d], 0);
            limit[d] = g.dim(d) + restoreLow[d] + restoreHigh[d] - Math.max(edgePaddingHigh[d], 0);
            stride[d] = interiorPadding[d] + 1;
        }
        Tensor dx = g.pad(0.0, restoreLow, restoreHigh, new int[rank]).slice(start, limit, stride);
        Tensor dValue = g.sum().sub(dx.sum());
        return List.of(dx, dValue);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Pad p && Arrays.equals(edgePaddingLow, p.edgePaddingLow) && Arrays.equals(edgePaddingHigh, p.edgePaddingHigh)
                && Arrays.equals(interiorPadding, p.interiorPadding);
    }

    @Override
    public int hashCode() { return (Arrays.hashCode(edgePaddingLow) * 31 + Arrays.hashCode(edgePaddingHigh)) * 31 + Arrays.hashCode(interiorPadding); }

    @Override
    public String toString() {
        return "pad(low " + Arrays.toString(edgePaddingLow) + ", high " + Arrays.toString(edgePaddingHigh) + ", interior "
                + Arrays.toString(interiorPadding) + ")";
    }
}
