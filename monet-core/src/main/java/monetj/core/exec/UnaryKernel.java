package monetj.core.exec;

import java.util.List;
import monetj.core.ir.Unary;
import monetj.core.tensor.ArrayPool;
import monetj.core.tensor.DType;
import monetj.core.tensor.HostTensor;

/**
 * f32 unary ops as parallel loops, exp and log vectorised (within 2 ulp, see {@link VectorMath}; bf16 exp and log are those
 * f32 results rounded to bf16); other dtypes run the reference evaluation.
 */
final class UnaryKernel {
    private UnaryKernel() {}

    static HostTensor run(Unary op, HostTensor x) {
        boolean vectorised = op.kind() == Unary.Kind.EXP || op.kind() == Unary.Kind.LOG;
        if (x.dtype() == DType.BF16 && vectorised) return HostTensor.fromFloats(DType.BF16, x.shape(), run(op, x.to(DType.F32)).floats());
        if (x.dtype() != DType.F32) return op.evaluate(List.of(x)).get(0);
        int n = x.shape().intSize();
        float[] a = x.floats(), r = ArrayPool.floatsForOverwrite(n);
        Unary.Kind kind = op.kind();
        Parallel.forRange(n, 1 << 15, (lo, hi) -> {
            switch (kind) {
                case EXP -> VectorMath.exp(a, lo, r, lo, hi - lo);
                case LOG -> VectorMath.log(a, lo, r, lo, hi - lo);
                default -> { for (int i = lo; i < hi; i++) r[i] = (float) kind.apply(a[i]); }
            }
        });
        return HostTensor.of(x.shape(), r);
    }
}
