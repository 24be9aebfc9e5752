package monetj.core.tensor;


/**
 * Data movement for the layout ops (transpose, broadcast, slice, ...): an op describes where each result
 * element comes from as a flat source offset, and {@link #take} copies those elements for any dtype.
 */
public final class IndexMaps {
    private IndexMaps() {}

    /** Source offsets {@code base + sum(index[d] * srcStrides[d])} for every index of {@code out}, row-major. */
    public static int[] strided(Shape out, long[] srcStrides, long base) {
        int n = out.intSize();
        int[] idx = new int[n];
        int rank = out.rank();
        if (n == 0) return idx;
        if (rank == 0) {
            idx[0] = (int) base;
            return idx;
        }
        int[] dims = out.dims();
        int[] counter = new int[rank];
        int inner = dims[rank - 1];
        long innerStride = srcStrides[rank - 1];
        long offset = base;
        for (int i = 0; i < n; i += inner) {
            long o = offset;
            for (int j = 0; j < inner; j++, o += innerStride) idx[i + j] = (int) o;
            // advance the odometer over the outer dimensions
            for (int d = rank - 2; d >= 0; d--) {
                counter[d]++;
                offset += srcStrides[d];
                if (counter[d] < dims[d]) break;
                offset -= (long) counter[d] * srcStrides[d];
                counter[d] = 0;
            }
        }
        return idx;
    }

    /** A tensor of shape {@code out} whose element i is {@code src[idx[i]]}. */
    public static HostTensor take(HostTensor src, int[] idx, Shape out) {
        int n = idx.length;
        DType t = src.dtype();
        switch (t) {
            case F32: {
                float[] s = src.floats(), r = new float[n];
                for (int i = 0; i < n; i++) r[i] = s[idx[i]];
                return HostTensor.of(out, r);
            }
            case F64: {
                double[] s = src.doubles(), r = new double[n];
                for (int i = 0; i < n; i++) r[i] = s[idx[i]];
                return HostTensor.of(out, r);
            }
            case BF16, F16: {
                short[] s = src.shorts(), r = new short[n];
                for (int i = 0; i < n; i++) r[i] = s[idx[i]];
                return HostTensor.ofShorts(t, out, r);
            }
            case S32: {
                int[] s = src.ints(), r = new int[n];
                for (int i = 0; i < n; i++) r[i] = s[idx[i]];
                return HostTensor.of(out, r);
            }
            case S64: {
                long[] s = src.longs(), r = new long[n];
                for (int i = 0; i < n; i++) r[i] = s[idx[i]];
                return HostTensor.of(out, r);
            }
            case PRED: {
                byte[] s = src.preds(), r = new byte[n];
                for (int i = 0; i < n; i++) r[i] = s[idx[i]];
                return HostTensor.ofPred(out, r);
            }
            default:
                throw new AssertionError(t);
        }
    }
}
