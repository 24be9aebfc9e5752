package monetj.core.exec;

import java.util.List;
import monetj.core.ir.DotGeneral;
import monetj.core.tensor.ArrayPool;
import monetj.core.tensor.DType;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Shape;
import monetj.core.tensor.TensorType;

/**
 * dot_general bound to its node's operand types. A batch of tiny f32 matrices read in place (the per-head and
 * per-expert products) keeps its layouts and {@link F32SmallProduct} plan from compile time: for thousands of
 * matrices the batch offsets and lane maps cost more to build than the product itself. Every other product runs
 * {@link DotKernel#dotGeneral} as before.
 */
final class DotNodeKernel implements ExecutorKernel {
    private final DotGeneral op;
    private final TensorType out;
    private final F32SmallProduct small; // null: not a tiny f32 product read in place
    private final long multiplyAdds;

    DotNodeKernel(DotGeneral op, TensorType lhs, TensorType rhs, TensorType out) {
        this.op = op;
        this.out = out;
        Shape ls = lhs.shape(), rs = rhs.shape();
        int[] lf = DotGeneral.freeDims(ls.rank(), op.lhsBatch(), op.lhsContract());
        int[] rf = DotGeneral.freeDims(rs.rank(), op.rhsBatch(), op.rhsContract());
        int m = DotKernel.product(ls, lf), k = DotKernel.product(ls, op.lhsContract()), n = DotKernel.product(rs, rf);
        this.multiplyAdds = out.shape().size() * k;
        boolean f32 = lhs.dtype() == DType.F32 && rhs.dtype() == DType.F32 && out.dtype() == DType.F32;
        MatrixLayout la = f32 ? inPlace(ls, op.lhsBatch(), lf, op.lhsContract()) : null;
        MatrixLayout lb = f32 ? inPlace(rs, op.rhsBatch(), op.rhsContract(), rf) : null;
        boolean tiny = la != null && lb != null && la.batch() > 0 && m > 0 && k > 0 && n > 0 && F32SmallProduct.suits(m, k, n);
        this.small = tiny ? F32SmallProduct.plan(m, k, n, la, lb) : null;
    }

    /** The operand as matrices read where they lie, or null when a group of its dimensions has no single stride. */
    private static MatrixLayout inPlace(Shape s, int[] batchDims, int[] rowDims, int[] colDims) {
        long[] strides = s.strides();
        long rowStride = DotKernel.groupStride(s, strides, rowDims), colStride = DotKernel.groupStride(s, strides, colDims);
        return rowStride >= 0 && colStride >= 0 ? new MatrixLayout(DotKernel.batchOffsets(s, strides, batchDims), (int) rowStride, (int) colStride) : null;
    }

    @Override
    public List<HostTensor> run(List<HostTensor> in) {
        HostTensor lhs = in.get(0), rhs = in.get(1);
        if (small == null) return List.of(DotKernel.dotGeneral(op, lhs, rhs, out));
        long started = OpProfile.ENABLED ? System.nanoTime() : 0, gcBefore = OpProfile.ENABLED ? DotProfile.gcMillis() : 0;
        float[] c = ArrayPool.floatsForOverwrite(out.shape().intSize()); // every element written once
        small.multiply(lhs.floats(), rhs.floats(), c, Parallel.threads());
        HostTensor r = HostTensor.of(out.shape(), c);
        if (OpProfile.ENABLED) DotProfile.record(op, lhs, rhs, multiplyAdds, System.nanoTime() - started, DotProfile.gcMillis() - gcBefore);
        return List.of(r);
    }
}
