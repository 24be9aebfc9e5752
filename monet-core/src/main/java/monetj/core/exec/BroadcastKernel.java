package monetj.core.exec;

import java.util.List;
import monetj.core.ir.BroadcastInDim;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Shape;

/**
 * broadcast_in_dim as block copies in the common layouts: the operand repeated as a whole (it fills the trailing
 * dimensions) or each element repeated (it fills the leading ones: a scalar, per-row statistics). Other layouts run
 * the reference evaluation.
 */
final class BroadcastKernel {
    private BroadcastKernel() {}

    static HostTensor run(BroadcastInDim op, HostTensor x) {
        Shape in = x.shape(), out = op.shape();
        if (sameSizes(op, in, out.rank() - in.rank())) return BlockRepeat.wholeOperand(x, out);
        if (sameSizes(op, in, 0)) return BlockRepeat.eachElement(x, out);
        return op.evaluate(List.of(x)).get(0);
    }

    /** Whether operand dimension i is result dimension {@code first + i}, with the same size. */
    private static boolean sameSizes(BroadcastInDim op, Shape in, int first) {
        int[] dims = op.dims();
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] != first + i || in.dim(i) != op.shape().dim(first + i)) return false;
        }
        return true;
    }
}
