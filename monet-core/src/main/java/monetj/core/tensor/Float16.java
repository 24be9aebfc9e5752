package monetj.core.tensor;

/** bfloat16 and IEEE half conversions. Rounding is to nearest, ties to even, as XLA and PyTorch do. */
public final class Float16 {
    private Float16() {}

    public static short bf16FromFloat(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) return (short) ((bits >>> 16) | 0x40); // keep it a quiet NaN
        int lsb = (bits >>> 16) & 1;
        bits += 0x7FFF + lsb;
        return (short) (bits >>> 16);
    }

    public static float bf16ToFloat(short h) { return Float.intBitsToFloat((h & 0xFFFF) << 16); }

    public static short f16FromFloat(float f) { return Float.floatToFloat16(f); }

    public static float f16ToFloat(short h) { return Float.float16ToFloat(h); }

    /** Rounds through bf16 and back, as storing a value in bf16 does. */
    public static float roundToBf16(float f) { return bf16ToFloat(bf16FromFloat(f)); }
}
