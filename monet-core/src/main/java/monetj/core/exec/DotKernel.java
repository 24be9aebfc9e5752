package monetj.core.exec;

import java.util.Arrays;
import java.util.List;
import monetj.core.ir.DotGeneral;
import monetj.core.ir.Transpose;
import monetj.core.tensor.ArrayPool;
import monetj.core.tensor.DType;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Shape;
import monetj.core.tensor.TensorType;

/**
 * The executor's dot_general as batched matrix products: the lhs is read as [batch, M, K] and the rhs as
 * [batch, K, N], where M groups the lhs free dimensions, N the rhs free ones and K the contracting ones.
 * When each group can be walked with a single stride (true for plain, transposed and most attention-style
 * layouts, whatever the batch dimensions) the operand is read in place; otherwise it is first transposed into
 * that order. f32, bf16 and f16 compute in f32 (bf16 read as bf16 and widened inside the product), f64 (or an
 * f64 result) and integers in f64.
 */
public final class DotKernel {
    /** Elements of a product's result rounded per parallel chunk: below a few of these (1 MiB of f32) one thread is quicker. */
    private static final int ROUNDING_GRAIN = 1 << 18;

    private DotKernel() {}

    public static HostTensor dotGeneral(DotGeneral op, HostTensor lhs, HostTensor rhs, TensorType out) {
        return profiled(op, lhs, rhs, out, false, false);
    }

    /** {@link RoundedOperandDot}: the marked f32 operands rounded to bf16 as the product packs them. */
    static HostTensor roundedOperandDot(RoundedOperandDot op, HostTensor lhs, HostTensor rhs, TensorType out) {
        return profiled(op.dot(), lhs, rhs, out, op.roundsLhs(), op.roundsRhs());
    }

    /**
     * {@link RoundedResultDot}: the product, then its f32 result rounded to bf16 in place (kept as f32 for the round
     * trip) or narrowed into a bf16 array, while it is still in cache; the f32 array then goes back to the pool.
     */
    static HostTensor roundedResultDot(RoundedResultDot op, HostTensor lhs, HostTensor rhs, TensorType out) {
        TensorType f32 = new TensorType(DType.F32, out.shape());
        HostTensor product = op.product() instanceof RoundedOperandDot r ? roundedOperandDot(r, lhs, rhs, f32) : dotGeneral((DotGeneral) op.product(), lhs, rhs, f32);
        float[] c = product.floats();
        if (out.dtype() == DType.F32) {
            Parallel.forRange(c.length, ROUNDING_GRAIN, (lo, hi) -> Bf16Lanes.round(c, lo, hi - lo));
            return product;
        }
        short[] bits = (short[]) ArrayPool.forOverwrite(DType.BF16, c.length);
        Parallel.forRange(c.length, ROUNDING_GRAIN, (lo, hi) -> Bf16Lanes.narrow(c, lo, bits, lo, hi - lo));
        ArrayPool.giveBack(c);
        return HostTensor.ofShorts(DType.BF16, out.shape(), bits);
    }

    private static HostTensor profiled(DotGeneral op, HostTensor lhs, HostTensor rhs, TensorType out, boolean roundsLhs, boolean roundsRhs) {
        if (!OpProfile.ENABLED) return evaluate(op, lhs, rhs, out, roundsLhs, roundsRhs);
        long started = System.nanoTime(), gcBefore = DotProfile.gcMillis();
        HostTensor r = evaluate(op, lhs, rhs, out, roundsLhs, roundsRhs);
        DotProfile.record(op, lhs, rhs, r.shape().size() * product(lhs.shape(), op.lhsContract()), System.nanoTime() - started,
                DotProfile.gcMillis() - gcBefore);
        return r;
    }

    private static HostTensor evaluate(DotGeneral op, HostTensor lhs, HostTensor rhs, TensorType out, boolean roundsLhs, boolean roundsRhs) {
        int[] lf = DotGeneral.freeDims(lhs.shape().rank(), op.lhsBatch(), op.lhsContract());
        int[] rf = DotGeneral.freeDims(rhs.shape().rank(), op.rhsBatch(), op.rhsContract());
        int m = product(lhs.shape(), lf), k = product(lhs.shape(), op.lhsContract()), n = product(rhs.shape(), rf);
        Operand a = operand(lhs, op.lhsBatch(), lf, op.lhsContract());
        Operand b = operand(rhs, op.rhsBatch(), op.rhsContract(), rf);
        if (lhs.dtype() == DType.F64 || out.dtype() == DType.F64 || !lhs.dtype().isFloating()) {
            double[] r = MatMul.matmulF64(a.tensor.doubles(), a.layout, b.tensor.doubles(), b.layout, m, k, n);
            return out.dtype() == DType.F64 ? HostTensor.of(out.shape(), r) : HostTensor.fromDoubles(out.dtype(), out.shape(), r);
        }
        float[] r;
        if (roundsLhs || roundsRhs) {
            r = MatMul.matmulBf16(roundsLhs ? a.tensor.floats() : null, roundsLhs ? null : a.tensor.shorts(), a.layout,
                    roundsRhs ? b.tensor.floats() : null, roundsRhs ? null : b.tensor.shorts(), b.layout, m, k, n);
        } else if (lhs.dtype() == DType.BF16) {
            r = MatMul.matmulBf16(a.tensor.shorts(), a.layout, b.tensor.shorts(), b.layout, m, k, n);
        } else {
            r = MatMul.matmulF32(a.tensor.floats(), a.layout, b.tensor.floats(), b.layout, m, k, n);
        }
        HostTensor f = HostTensor.of(out.shape(), r);
        return out.dtype() == DType.F32 ? f : f.to(out.dtype());
    }

    /** An operand's elements and how to read them as a batch of matrices. */
    private record Operand(HostTensor tensor, MatrixLayout layout) {}

    /** The operand as matrices with rows from {@code rowDims} and columns from {@code colDims}, batched over {@code batchDims}. */
    private static Operand operand(HostTensor t, int[] batchDims, int[] rowDims, int[] colDims) {
        Shape s = t.shape();
        long[] strides = s.strides();
        long rowStride = groupStride(s, strides, rowDims), colStride = groupStride(s, strides, colDims);
        if (rowStride >= 0 && colStride >= 0) {
            return new Operand(t, new MatrixLayout(batchOffsets(s, strides, batchDims), (int) rowStride, (int) colStride));
        }
        int[] perm = concat(batchDims, rowDims, colDims);
        HostTensor arranged = new Transpose(perm).evaluate(List.of(t)).get(0);
        return new Operand(arranged, MatrixLayout.rowMajor(product(s, batchDims), product(s, rowDims), product(s, colDims)));
    }

    /**
     * The single stride that walks the dimensions {@code dims} (in that order, the last fastest) as one flat
     * index, or -1 when there is none. Dimensions of size 1 never move and so do not constrain it.
     */
    static long groupStride(Shape s, long[] strides, int[] dims) {
        long stride = 0, expectedOuter = -1;
        for (int i = dims.length - 1; i >= 0; i--) {
            int d = dims[i];
            if (s.dim(d) == 1) continue;
            if (expectedOuter < 0) stride = strides[d];
            else if (strides[d] != expectedOuter) return -1;
            expectedOuter = strides[d] * s.dim(d);
        }
        return stride;
    }

    /** Start of each matrix, batch indices enumerated row-major over {@code batchDims} in the given order. */
    static int[] batchOffsets(Shape s, long[] strides, int[] batchDims) {
        int[] offsets = new int[product(s, batchDims)];
        long single = groupStride(s, strides, batchDims);
        if (single >= 0) { // one stride walks them all (the common case): no odometer per matrix
            for (int b = 0; b < offsets.length; b++) offsets[b] = (int) (b * single);
            return offsets;
        }
        int[] index = new int[batchDims.length];
        long offset = 0;
        for (int b = 0; b < offsets.length; b++) {
            offsets[b] = (int) offset;
            for (int i = batchDims.length - 1; i >= 0; i--) {
                int d = batchDims[i];
                offset += strides[d];
                if (++index[i] < s.dim(d)) break;
                offset -= strides[d] * s.dim(d);
                index[i] = 0;
            }
        }
        return offsets;
    }

    static int product(Shape s, int[] dims) {
        long p = 1;
        for (int d : dims) p *= s.dim(d);
        return Math.toIntExact(p);
    }

    private static int[] concat(int[]... parts) {
        return Arrays.stream(parts).flatMapToInt(Arrays::stream).toArray();
    }
}
