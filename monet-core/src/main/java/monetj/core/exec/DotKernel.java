package monetj.core.exec;

import monetj.core.ir.DotGeneral;
import monetj.core.ir.Transpose;
import monetj.core.tensor.DType;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Shape;
import monetj.core.tensor.TensorType;

/**
 * The executor's dot_general: operands are laid out as [batch, M, K] and [batch, K, N] (a transpose only when
 * the dimension numbers need one), then each batch is a plain matrix product.
 */
public final class DotKernel {
    private DotKernel() {}

    public static HostTensor dotGeneral(DotGeneral op, HostTensor lhs, HostTensor rhs, TensorType out) {
        int[] lf = DotGeneral.freeDims(lhs.shape().rank(), op.lhsBatch(), op.lhsContract());
        int[] rf = DotGeneral.freeDims(rhs.shape().rank(), op.rhsBatch(), op.rhsContract());
        int batch = product(lhs.shape(), op.lhsBatch()), m = product(lhs.shape(), lf), k = product(lhs.shape(), op.lhsContract());
        int n = product(rhs.shape(), rf);
        HostTensor a = arrange(lhs, concat(op.lhsBatch(), lf, op.lhsContract()));
        HostTensor b = arrange(rhs, concat(op.rhsBatch(), op.rhsContract(), rf));
        if (lhs.dtype() == DType.F64) {
            double[] r = MatMul.matmulF64(a.doubles(), b.doubles(), batch, m, k, n);
            return HostTensor.of(out.shape(), r).to(out.dtype());
        }
        if (!lhs.dtype().isFloating()) {
            double[] r = MatMul.matmulF64(a.doubles(), b.doubles(), batch, m, k, n);
            return HostTensor.fromDoubles(out.dtype(), out.shape(), r);
        }
        float[] r = MatMul.matmulF32(a.floats(), b.floats(), batch, m, k, n);
        HostTensor f = HostTensor.of(out.shape(), r);
        return out.dtype() == DType.F32 ? f : f.to(out.dtype());
    }

    private static HostTensor arrange(HostTensor t, int[] perm) {
        boolean identity = true;
        for (int i = 0; i < perm.length; i++) identity &= perm[i] == i;
        return identity ? t : new Transpose(perm).evaluate(java.util.List.of(t)).get(0);
    }

    private static int product(Shape s, int[] dims) {
        long p = 1;
        for (int d : dims) p *= s.dim(d);
        return Math.toIntExact(p);
    }

    private static int[] concat(int[]... parts) {
        return java.util.Arrays.stream(parts).flatMapToInt(java.util.Arrays::stream).toArray();
    }
}
