package monetj.core.exec;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Random;
import monetj.core.tensor.Float16;
import org.junit.jupiter.api.Test;

/** The vectorised bf16 rounding against the scalar conversion, bit for bit, over bit patterns that cover every exponent. */
class Bf16LanesTest {
    @Test
    void roundingEqualsTheScalarConversionBitForBit() {
        float[] x = samples();
        short[] narrowed = new short[x.length + 3];
        float[] rounded = new float[x.length];
        Bf16Lanes.narrow(x, 0, narrowed, 3, x.length);
        Bf16Lanes.round(x, rounded, x.length);
        for (int i = 0; i < x.length; i++) {
            short expected = Float16.bf16FromFloat(x[i]);
            String bits = "bits ";
            if (expected != narrowed[3 + i] || Float.floatToRawIntBits(Float16.bf16ToFloat(expected)) != Float.floatToRawIntBits(rounded[i])) {
                bits += Integer.toHexString(Float.floatToRawIntBits(x[i]));
            }
            assertEquals(expected, narrowed[3 + i], bits);
            assertEquals(Float.floatToRawIntBits(Float16.bf16ToFloat(expected)), Float.floatToRawIntBits(rounded[i]), bits);
        }
    }

    @Test
    void raggedLengthsAndOffsetsLeaveTheRestAlone() {
        float[] x = samples();
        for (int len : new int[] {0, 1, 7, 15, 16, 17, 33}) {
            short[] dst = new short[len + 10];
            java.util.Arrays.fill(dst, (short) 0x1234);
            Bf16Lanes.narrow(x, 5, dst, 2, len);
            for (int i = 0; i < dst.length; i++) {
                short expected = i >= 2 && i < 2 + len ? Float16.bf16FromFloat(x[5 + i - 2]) : 0x1234;
                assertEquals(expected, dst[i], "length " + len + ", element " + i);
            }
        }
    }

    /** Every exponent with many mantissas, the halfway cases of both parities, infinities, NaNs (signalling and quiet) and zeros. */
    private static float[] samples() {
        Random rnd = new Random(5);
        int n = 1 << 20;
        float[] x = new float[n];
        int i = 0;
        int[] specials = {0, 0x80000000, 0x7F800000, 0xFF800000, 0x7FC00000, 0x7F800001, 0xFF800001, 0x7FBFFFFF, 0x7F7FFFFF, 0xFF7FFFFF,
                0x00000001, 0x007FFFFF, 0x3F808000, 0x3F818000, 0x3F807FFF, 0x3F808001, 0x7F7F8000, 0xFF7F8000};
        for (int s : specials) x[i++] = Float.intBitsToFloat(s);
        for (; i < n / 2; i++) x[i] = Float.intBitsToFloat((int) ((long) i * 8191 * 1031));
        for (; i < n; i++) {
            int bits = rnd.nextInt();
            if (rnd.nextBoolean()) bits = (bits & 0xFFFF0000) | (rnd.nextBoolean() ? 0x8000 : 0x7FFF); // at or next to a halfway point
            x[i] = Float.intBitsToFloat(bits);
        }
        return x;
    }
}
