package monetj.core.exec;

import java.util.List;
import monetj.core.ir.Reduce;
import monetj.core.tensor.DType;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Shape;
import monetj.core.tensor.TensorType;

/** f32 and bf16 reductions over contiguous leading or trailing dimensions; other reductions run the reference evaluation. */
final class ReduceKernel {
    private ReduceKernel() {}

    static HostTensor run(Reduce op, HostTensor x, HostTensor init, TensorType result) {
        Shape s = x.shape(), outShape = result.shape();
        int[] dims = op.dims();
        if ((x.dtype() == DType.F32 || x.dtype() == DType.BF16) && dims.length > 0) { // bf16: f32 values exactly, the f64 sum rounded via f32 as the reference does
            int outer = outShape.intSize(), inner = (int) (s.size() / Math.max(1, outer));
            double init0 = init.getDouble(0);
            ReduceLayout layout = ReduceLayout.of(dims, s.rank());
            if (outer > 0 && layout == ReduceLayout.ROWS) return HostTensor.fromFloats(x.dtype(), outShape, ContiguousReduce.rows(x.floats(), outer, inner, op.kind(), init0));
            if (outer > 0 && layout == ReduceLayout.COLUMNS) return HostTensor.fromFloats(x.dtype(), outShape, ContiguousReduce.columns(x.floats(), inner, outer, op.kind(), init0));
        }
        return op.evaluate(List.of(x, init)).get(0);
    }
}
