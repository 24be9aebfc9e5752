package monetj.core.exec;

import java.util.Arrays;
import java.util.List;
import monetj.core.ir.Concatenate;
import monetj.core.ir.Pad;
import monetj.core.ir.Slice;
import monetj.core.tensor.ArrayPool;
import monetj.core.tensor.DType;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Shape;
import monetj.core.tensor.StridedRegion;

/**
 * slice, pad and concatenate of f32 tensors as copies between Java arrays: the reference evaluations copy each run
 * through memory segments, which costs more than the copy itself for the short runs of Monet's halves and heads
 * (16 or 32 floats: rotary halves, attention heads). Runs are merged as there, then copied a vector at a
 * time ({@link FloatRuns}). Other dtypes run the reference. Only moves values: bit for bit the same.
 */
final class RegionKernel {
    private RegionKernel() {}

    static HostTensor slice(Slice op, HostTensor x) {
        if (x.dtype() != DType.F32) return op.evaluate(List.of(x)).get(0);
        Shape out = op.inferTypes(List.of(x.type())).get(0).shape();
        long[] src = x.shape().strides(), srcStrides = new long[src.length];
        long base = 0;
        for (int d = 0; d < src.length; d++) {
            base += op.startIndices()[d] * src[d];
            srcStrides[d] = op.strides()[d] * src[d];
        }
        float[] dst = ArrayPool.floatsForOverwrite(out.intSize());
        copy(x.floats(), base, srcStrides, dst, 0, out.strides(), out.dims());
        return HostTensor.of(out, dst);
    }

    static HostTensor concatenate(Concatenate op, List<HostTensor> inputs) {
        if (inputs.get(0).dtype() != DType.F32) return op.evaluate(inputs).get(0);
        Shape out = op.inferTypes(inputs.stream().map(HostTensor::type).toList()).get(0).shape();
        float[] dst = ArrayPool.floatsForOverwrite(out.intSize());
        long[] strides = out.strides();
        long offset = 0;
        for (HostTensor x : inputs) {
            copy(x.floats(), 0, x.shape().strides(), dst, offset * strides[op.dimension()], strides, x.shape().dims());
            offset += x.shape().dim(op.dimension());
        }
        return HostTensor.of(out, dst);
    }

    static HostTensor pad(Pad op, HostTensor x, HostTensor value) {
        if (x.dtype() != DType.F32) return op.evaluate(List.of(x, value)).get(0);
        Shape out = op.inferTypes(List.of(x.type(), value.type())).get(0).shape();
        float fill = value.floats()[0];
        float[] dst;
        if (Float.floatToRawIntBits(fill) == 0) dst = ArrayPool.zeroedFloats(out.intSize());
        else Arrays.fill(dst = ArrayPool.floatsForOverwrite(out.intSize()), fill);
        Pad.Placement at = op.placement(x.shape(), out);
        copy(x.floats(), at.operandBase(), x.shape().strides(), dst, at.resultBase(), at.resultStrides(), at.counts());
        return HostTensor.of(out, dst);
    }

    private static void copy(float[] src, long srcBase, long[] srcStrides, float[] dst, long dstBase, long[] dstStrides, int[] counts) {
        StridedRegion.forEachRun(counts, srcBase, srcStrides, dstBase, dstStrides, (s, d, n, ss, ds) -> {
            int si = (int) s, di = (int) d;
            if (ss == 1 && ds == 1) {
                FloatRuns.copy(src, si, dst, di, n);
            } else {
                for (int i = 0; i < n; i++) dst[(int) (di + i * ds)] = src[(int) (si + i * ss)];
            }
        });
    }
}
