package monetj.core.exec;

import java.lang.foreign.MemorySegment;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Shape;

/** The two broadcasts that are plain memory copies, for any dtype. */
public final class BlockRepeat {
    private BlockRepeat() {}

    /** The operand's bytes repeated back to back until {@code out} is full (operand = trailing dimensions). */
    public static HostTensor wholeOperand(HostTensor x, Shape out) {
        HostTensor r = HostTensor.forOverwrite(x.dtype(), out);
        fillByDoubling(x.data(), r.data());
        return r;
    }

    /** Each operand element repeated {@code out.size() / x.size()} times in a row (operand = leading dimensions). */
    public static HostTensor eachElement(HostTensor x, Shape out) {
        HostTensor r = HostTensor.forOverwrite(x.dtype(), out);
        long n = x.size();
        if (n == 0 || r.size() == 0) return r;
        long w = x.dtype().byteSize(), run = r.size() / n * w;
        for (long i = 0; i < n; i++) fillByDoubling(x.data().asSlice(i * w, w), r.data().asSlice(i * run, run));
        return r;
    }

    /** Fills {@code dst} with copies of {@code pattern}: one copy, then the filled prefix doubled each time. */
    private static void fillByDoubling(MemorySegment pattern, MemorySegment dst) {
        long len = pattern.byteSize(), total = dst.byteSize();
        if (len == 0 || total == 0) return;
        MemorySegment.copy(pattern, 0, dst, 0, Math.min(len, total));
        for (long filled = len; filled < total; filled *= 2) MemorySegment.copy(dst, 0, dst, filled, Math.min(filled, total - filled));
    }
}
