package monetj.core.ir;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import monetj.core.tensor.Float16;
import monetj.core.tensor.HostTensor;

/**
 * A stable argsort on primitive keys (bottom-up merge sort, no boxing), and the conversion of any dtype's
 * elements to keys whose signed order is the total order StableHLO's TOTALORDER comparison uses for floats:
 * -NaN < -inf < ... < -0 < +0 < ... < inf < +NaN.
 */
final class StableArgsort {
    private StableArgsort() {}

    /**
     * Orders {@code perm[0..n)} (initially any permutation, usually the identity) so that keys ascend (or
     * descend); equal keys keep their relative order. {@code scratch} needs at least n entries.
     */
    static void sort(long[] keys, boolean descending, int[] perm, int[] scratch, int n) {
        int[] from = perm, to = scratch;
        for (int width = 1; width < n; width *= 2) {
            for (int lo = 0; lo < n; lo += 2 * width) {
                int mid = Math.min(lo + width, n), hi = Math.min(lo + 2 * width, n);
                int i = lo, j = mid, k = lo;
                while (i < mid && j < hi) {
                    long a = keys[from[i]], b = keys[from[j]];
                    boolean rightFirst = descending ? b > a : b < a; // only a strictly earlier key jumps ahead: stability
                    to[k++] = rightFirst ? from[j++] : from[i++];
                }
                while (i < mid) to[k++] = from[i++];
                while (j < hi) to[k++] = from[j++];
            }
            int[] t = from;
            from = to;
            to = t;
        }
        if (from != perm) System.arraycopy(from, 0, perm, 0, n);
    }

    /** Sort key of flat element {@code i} of {@code t}, read from the raw bits so that NaN signs survive. */
    static long key(HostTensor t, long i) {
        MemorySegment m = t.data();
        return switch (t.dtype()) {
            case F64 -> {
                long bits = m.getAtIndex(ValueLayout.JAVA_LONG_UNALIGNED, i);
                yield bits ^ ((bits >> 63) & Long.MAX_VALUE);
            }
            case F32, BF16, F16 -> {
                int bits = switch (t.dtype()) {
                    case F32 -> m.getAtIndex(ValueLayout.JAVA_INT_UNALIGNED, i);
                    case BF16 -> (m.getAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i) & 0xFFFF) << 16; // bf16 is the top half of f32
                    default -> Float.floatToRawIntBits(Float16.f16ToFloat(m.getAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i)));
                };
                yield bits ^ ((bits >> 31) & Integer.MAX_VALUE);
            }
            case S64, S32, PRED -> t.getLong(i);
        };
    }
}
