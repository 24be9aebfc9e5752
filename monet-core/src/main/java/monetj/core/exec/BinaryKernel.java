package monetj.core.exec;

import monetj.core.ir.Binary;
import monetj.core.tensor.ArrayPool;
import monetj.core.tensor.DType;
import monetj.core.tensor.HostTensor;

/** f32 binary ops as parallel loops the JIT vectorises; other dtypes run the reference evaluation. */
final class BinaryKernel {
    private BinaryKernel() {}

    static HostTensor run(Binary op, HostTensor x, HostTensor y) {
        if (x.dtype() != DType.F32) return op.evaluate(java.util.List.of(x, y)).get(0);
        int n = x.shape().intSize();
        float[] a = x.floats(), b = y.floats(), r = ArrayPool.floatsForOverwrite(n);
        Binary.Kind kind = op.kind();
        Parallel.forRange(n, 1 << 15, (lo, hi) -> {
            switch (kind) { // the common cases get their own loops
                case ADD -> { for (int i = lo; i < hi; i++) r[i] = a[i] + b[i]; }
                case SUBTRACT -> { for (int i = lo; i < hi; i++) r[i] = a[i] - b[i]; }
                case MULTIPLY -> { for (int i = lo; i < hi; i++) r[i] = a[i] * b[i]; }
                case DIVIDE -> { for (int i = lo; i < hi; i++) r[i] = a[i] / b[i]; }
                default -> { for (int i = lo; i < hi; i++) r[i] = (float) kind.apply(a[i], b[i]); }
            }
        });
        return HostTensor.of(x.shape(), r);
    }
}
