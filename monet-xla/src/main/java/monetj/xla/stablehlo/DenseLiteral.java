package monetj.xla.stablehlo;

import java.lang.foreign.ValueLayout;
import java.util.HexFormat;
import monetj.core.tensor.DType;
import monetj.core.tensor.HostTensor;

/**
 * A constant's value as an MLIR dense elements literal. Splats are written once ({@code dense<0.0>}), small
 * tensors element by element, large ones as the raw little-endian bytes in hex ({@code dense<"0x...">}),
 * which keeps big constants compact and exact.
 */
final class DenseLiteral {
    /** Above this many elements a non-splat constant is hex-encoded. */
    static final int HEX_THRESHOLD = 16;

    private DenseLiteral() {}

    static String of(HostTensor t) {
        long n = t.size();
        if (n == 0) return "dense<>"; // MLIR's spelling for every empty shape; nested [] would fix the rank at 1
        if (isSplat(t)) return "dense<" + element(t, 0) + ">";
        if (n > HEX_THRESHOLD && t.dtype() != DType.PRED) {
            // i1 is left out: its packed byte form differs between MLIR versions, element lists do not.
            return "dense<\"0x" + HexFormat.of().withUpperCase().formatHex(t.data().toArray(ValueLayout.JAVA_BYTE)) + "\">";
        }
        StringBuilder sb = new StringBuilder("dense<");
        nested(t, 0, 0, sb);
        return sb.append('>').toString();
    }

    private static boolean isSplat(HostTensor t) {
        int w = t.dtype().byteSize();
        for (long i = 1; i < t.size(); i++) {
            if (t.data().asSlice(0, w).mismatch(t.data().asSlice(i * w, w)) != -1) return false;
        }
        return true;
    }

    /** Writes dimension {@code axis} starting at flat element {@code offset} as nested brackets. */
    private static void nested(HostTensor t, int axis, long offset, StringBuilder sb) {
        if (axis == t.shape().rank()) {
            sb.append(element(t, offset));
            return;
        }
        long stride = t.shape().strides()[axis];
        sb.append('[');
        for (int i = 0; i < t.shape().dim(axis); i++) {
            if (i > 0) sb.append(", ");
            nested(t, axis + 1, offset + i * stride, sb);
        }
        sb.append(']');
    }

    /** One element: decimal for finite numbers, a bit-pattern hex literal for infinities and NaN. */
    static String element(HostTensor t, long i) {
        return switch (t.dtype()) {
            case PRED -> t.getLong(i) != 0 ? "true" : "false";
            case S32, S64 -> Long.toString(t.getLong(i));
            case F64 -> {
                double v = t.getDouble(i);
                yield Double.isFinite(v) ? Double.toString(v) : String.format("0x%016X", Double.doubleToRawLongBits(v));
            }
            case F32 -> {
                float v = t.data().getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i);
                yield Float.isFinite(v) ? Float.toString(v) : String.format("0x%08X", Float.floatToRawIntBits(v));
            }
            case BF16, F16 -> {
                double v = t.getDouble(i); // every bf16/f16 value is exactly a float, so its decimal is exact too
                short bits = t.data().getAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i);
                yield Double.isFinite(v) ? Float.toString((float) v) : String.format("0x%04X", bits & 0xffff);
            }
        };
    }
}
