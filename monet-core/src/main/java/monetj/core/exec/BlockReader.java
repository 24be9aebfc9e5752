package monetj.core.exec;

import java.util.Arrays;
import monetj.core.ir.BroadcastInDim;
import monetj.core.tensor.DType;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Shape;

/** Reads a block of a fused loop's operand into an f32 register: booleans as 0/1, bf16 and s32 converted exactly as convert does. */
@FunctionalInterface
interface BlockReader {
    /** Elements [from, from + len) of the operand (in the loop's row-major order) into {@code dst[0, len)}. */
    void read(int from, int len, float[] dst);

    /** A tensor of the loop's shape, or a single element (a scalar operand) repeated. */
    static BlockReader of(HostTensor t, int loopSize) {
        if (t.size() == 1 && loopSize != 1) {
            float v = (float) t.getDouble(0);
            return (from, len, dst) -> Arrays.fill(dst, 0, len, v);
        }
        return switch (t.dtype()) {
            case F32 -> {
                float[] a = t.floats();
                yield (from, len, dst) -> System.arraycopy(a, from, dst, 0, len);
            }
            case BF16 -> {
                short[] a = t.shorts();
                yield (from, len, dst) -> { for (int i = 0; i < len; i++) dst[i] = Float.intBitsToFloat((a[from + i] & 0xFFFF) << 16); };
            }
            case PRED -> {
                byte[] a = t.preds();
                yield (from, len, dst) -> { for (int i = 0; i < len; i++) dst[i] = a[from + i] != 0 ? 1 : 0; };
            }
            case S32 -> {
                int[] a = t.ints();
                yield (from, len, dst) -> { for (int i = 0; i < len; i++) dst[i] = a[from + i]; };
            }
            default -> throw new IllegalArgumentException("a fused loop cannot read " + t.dtype());
        };
    }

    /**
     * The broadcast of {@code operand} by {@code op}, read without materialising it: result dimensions are merged
     * where they nest in the operand too, and the index walked like an odometer, so a block is a few runs that
     * each copy, repeat one element, or stride.
     */
    static BlockReader broadcast(HostTensor operand, BroadcastInDim op) {
        float[] src = operand.dtype() == DType.F32 ? operand.floats() : operand.to(DType.F32).floats();
        if (src.length == 1) return (from, len, dst) -> Arrays.fill(dst, 0, len, src[0]);
        Shape out = op.shape(), in = operand.shape();
        long[] inStrides = in.strides();
        long[] stride = new long[out.rank()];
        for (int i = 0; i < op.dims().length; i++) stride[op.dims()[i]] = in.dim(i) == 1 ? 0 : inStrides[i];
        // merge: drop size-1 result dims; fold a dim into the one inside it when the strides nest
        int[] dims = new int[out.rank()];
        long[] strides = new long[out.rank()];
        int rank = 0;
        for (int d = 0; d < out.rank(); d++) {
            if (out.dim(d) == 1) continue;
            if (rank > 0 && strides[rank - 1] == stride[d] * out.dim(d)) {
                dims[rank - 1] *= out.dim(d);
                strides[rank - 1] = stride[d];
            } else {
                dims[rank] = out.dim(d);
                strides[rank] = stride[d];
                rank++;
            }
        }
        int r = rank;
        int[] size = Arrays.copyOf(dims, r);
        int[] step = new int[r];
        for (int d = 0; d < r; d++) step[d] = (int) strides[d];
        return (from, len, dst) -> {
            int[] idx = new int[r];
            int rest = from, offset = 0;
            for (int d = r - 1; d >= 0; d--) {
                idx[d] = rest % size[d];
                rest /= size[d];
                offset += idx[d] * step[d];
            }
            int inner = size[r - 1], innerStep = step[r - 1];
            for (int done = 0; done < len; ) {
                int run = Math.min(inner - idx[r - 1], len - done);
                if (innerStep == 0) Arrays.fill(dst, done, done + run, src[offset]);
                else if (innerStep == 1) System.arraycopy(src, offset, dst, done, run);
                else for (int i = 0; i < run; i++) dst[done + i] = src[offset + i * innerStep];
                done += run;
                offset += run * innerStep;
                idx[r - 1] += run;
                for (int d = r - 1; d > 0 && idx[d] == size[d]; d--) { // carry
                    offset -= size[d] * step[d];
                    idx[d] = 0;
                    idx[d - 1]++;
                    offset += step[d - 1];
                }
            }
        };
    }
}
