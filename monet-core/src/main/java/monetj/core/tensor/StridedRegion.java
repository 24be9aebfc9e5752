package monetj.core.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Data movement between rectangular regions of two tensors: a region is a base offset, a stride per
 * dimension and a count per dimension (all in elements). Slice, pad, concatenate, the dynamic slices and
 * gather/scatter each describe their windows this way. Dimensions that are contiguous in both tensors are
 * merged first, so the work is a few long runs (copied with one bulk copy each) rather than per-element
 * index arithmetic.
 */
public final class StridedRegion {
    private StridedRegion() {}

    /** Visits one run of {@code length} elements: source and destination start offsets and steps. */
    @FunctionalInterface
    public interface RunBody {
        void run(long src, long dst, int length, long srcStep, long dstStep);
    }

    /** Calls {@code body} for every innermost run of the region, after merging dimensions that nest in both tensors. */
    public static void forEachRun(int[] counts, long srcBase, long[] srcStrides, long dstBase, long[] dstStrides, RunBody body) {
        int rank = counts.length;
        int[] n = new int[rank];
        long[] ss = new long[rank], ds = new long[rank];
        int r = 0;
        for (int d = 0; d < rank; d++) {
            if (counts[d] == 0) return;
            if (counts[d] == 1) continue; // a dimension of one element moves nothing
            if (r > 0 && ss[r - 1] == counts[d] * srcStrides[d] && ds[r - 1] == counts[d] * dstStrides[d]) {
                n[r - 1] *= counts[d]; // outer dim nests exactly around this one in both tensors: one longer dim
                ss[r - 1] = srcStrides[d];
                ds[r - 1] = dstStrides[d];
                continue;
            }
            n[r] = counts[d];
            ss[r] = srcStrides[d];
            ds[r] = dstStrides[d];
            r++;
        }
        if (r == 0) {
            body.run(srcBase, dstBase, 1, 1, 1);
            return;
        }
        int inner = n[r - 1];
        long innerSrc = ss[r - 1], innerDst = ds[r - 1];
        int[] counter = new int[r - 1];
        long s = srcBase, t = dstBase;
        while (true) {
            body.run(s, t, inner, innerSrc, innerDst);
            int d = r - 2;
            for (; d >= 0; d--) { // odometer over the outer dimensions
                counter[d]++;
                s += ss[d];
                t += ds[d];
                if (counter[d] < n[d]) break;
                s -= (long) counter[d] * ss[d];
                t -= (long) counter[d] * ds[d];
                counter[d] = 0;
            }
            if (d < 0) return;
        }
    }

    /** Copies a region of {@code src} into a region of {@code dst} (same dtype; {@code dst} must be writable). */
    public static void copy(HostTensor src, long srcBase, long[] srcStrides, HostTensor dst, long dstBase, long[] dstStrides, int[] counts) {
        if (src.dtype() != dst.dtype()) throw new IllegalArgumentException("copy between " + src.type() + " and " + dst.type());
        MemorySegment from = src.data(), to = dst.data();
        int w = src.dtype().byteSize();
        forEachRun(counts, srcBase, srcStrides, dstBase, dstStrides, (s, t, len, sStep, tStep) -> {
            if (len == 1 || (sStep == 1 && tStep == 1)) {
                MemorySegment.copy(from, s * w, to, t * w, (long) len * w);
                return;
            }
            for (int i = 0; i < len; i++, s += sStep, t += tStep) copyElement(from, s, to, t, w);
        });
    }

    private static void copyElement(MemorySegment from, long s, MemorySegment to, long t, int w) {
        switch (w) {
            case 1 -> to.set(ValueLayout.JAVA_BYTE, t, from.get(ValueLayout.JAVA_BYTE, s));
            case 2 -> to.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, t, from.getAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, s));
            case 4 -> to.setAtIndex(ValueLayout.JAVA_INT_UNALIGNED, t, from.getAtIndex(ValueLayout.JAVA_INT_UNALIGNED, s));
            case 8 -> to.setAtIndex(ValueLayout.JAVA_LONG_UNALIGNED, t, from.getAtIndex(ValueLayout.JAVA_LONG_UNALIGNED, s));
            default -> throw new AssertionError("element size " + w);
        }
    }

    /** A fresh tensor of the given type with every element equal to the scalar {@code value}. */
    public static HostTensor filled(HostTensor value, Shape shape) {
        HostTensor out = HostTensor.zeros(value.dtype(), shape);
        long total = out.data().byteSize(), w = value.dtype().byteSize();
        if (total == 0) return out;
        MemorySegment.copy(value.data(), 0, out.data(), 0, w);
        for (long done = w; done < total; done *= 2) { // doubling copies: log(n) bulk copies
            MemorySegment.copy(out.data(), 0, out.data(), done, Math.min(done, total - done));
        }
        return out;
    }
}
