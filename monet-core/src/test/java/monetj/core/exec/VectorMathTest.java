package monetj.core.exec;

import static org.junit.jupiter.api.Assertions.*;

import java.util.function.DoubleUnaryOperator;
import org.junit.jupiter.api.Test;

/** The vectorised exp and log against Math.exp and Math.log (rounded to f32) across the whole f32 range. */
class VectorMathTest {
    /** Sampling stride through the 2^32 bit patterns (odd, so every exponent and many mantissas are visited). */
    private static final long STRIDE = 251;
    static final int BOUND_ULPS = 2;

    @FunctionalInterface
    private interface ArrayOp {
        void apply(float[] a, int from, float[] r, int to, int len);
    }

    /** Float distance in units in the last place: positions in the ordered list of all floats (the two zeros apart by one). */
    static long ulps(float a, float b) {
        if (Float.isNaN(a) || Float.isNaN(b)) return Float.isNaN(a) && Float.isNaN(b) ? 0 : Long.MAX_VALUE;
        return Math.abs(ordinal(a) - ordinal(b));
    }

    private static long ordinal(float f) {
        int bits = Float.floatToRawIntBits(f);
        return bits >= 0 ? bits : -(long) (bits & 0x7FFFFFFF) - 1;
    }

    /** The largest error, in ulps, over a strided sweep of every bit pattern plus the special values. */
    static long worstError(ArrayOp op, DoubleUnaryOperator reference, long stride) {
        int block = 4096;
        float[] x = new float[block], r = new float[block];
        long worst = 0;
        float[] specials = {0f, -0f, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL, Float.MAX_VALUE, -Float.MAX_VALUE, 1f, -1f,
                Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, 88.72283f, 88.72284f, -87.33654f, -103.97208f, -103.9721f, 1e-45f};
        int n = 0;
        for (long bits = 0; bits < (1L << 32) + specials.length; bits += bits < (1L << 32) ? stride : 1) {
            x[n++] = bits < (1L << 32) ? Float.intBitsToFloat((int) bits) : specials[(int) (bits - (1L << 32))];
            if (n == block || bits + stride >= (1L << 32) + specials.length) {
                op.apply(x, 0, r, 0, n);
                for (int i = 0; i < n; i++) {
                    long e = ulps(r[i], (float) reference.applyAsDouble(x[i]));
                    if (e > worst) worst = e;
                    if (e > BOUND_ULPS) {
                        fail("at " + x[i] + " (bits " + Integer.toHexString(Float.floatToRawIntBits(x[i])) + "): " + r[i] + " vs " + (float) reference.applyAsDouble(x[i]));
                    }
                }
                n = 0;
            }
        }
        return worst;
    }

    @Test
    void expIsWithinTwoUlpsEverywhere() {
        assertTrue(worstError(VectorMath::expLanes, Math::exp, STRIDE) <= BOUND_ULPS);
    }

    @Test
    void logIsWithinTwoUlpsEverywhere() {
        assertTrue(worstError(VectorMath::logLanes, Math::log, STRIDE) <= BOUND_ULPS);
    }

    @Test
    void theOneElementFormsGiveTheLanesBitForBit() {
        float[] x = new float[1 << 16], lanes = new float[x.length];
        for (long start = 0; start < (1L << 32); start += (1L << 32) / 64) { // 64 windows across all bit patterns
            for (int i = 0; i < x.length; i++) x[i] = Float.intBitsToFloat((int) (start + i * 977L));
            VectorMath.expLanes(x, 0, lanes, 0, x.length);
            for (int i = 0; i < x.length; i++) assertEquals(Float.floatToRawIntBits(lanes[i]), Float.floatToRawIntBits(VectorMath.exp(x[i])), "exp " + x[i]);
            VectorMath.logLanes(x, 0, lanes, 0, x.length);
            for (int i = 0; i < x.length; i++) assertEquals(Float.floatToRawIntBits(lanes[i]), Float.floatToRawIntBits(VectorMath.log(x[i])), "log " + x[i]);
        }
    }

    @Test
    void specialValuesAreIeee() {
        float[] x = {Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY, Float.NaN, 0f, -0f, -1f, 100f, -200f}, r = new float[x.length];
        VectorMath.expLanes(x, 0, r, 0, x.length);
        assertArrayEquals(new float[] {0f, Float.POSITIVE_INFINITY, Float.NaN, 1f, 1f, (float) Math.exp(-1), Float.POSITIVE_INFINITY, 0f}, r);
        VectorMath.logLanes(x, 0, r, 0, x.length);
        assertArrayEquals(new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NaN, Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN,
                (float) Math.log(100), Float.NaN}, r);
    }

    @Test
    void shortAndOffsetArraysUseTheSameLanes() {
        float[] x = new float[37], r = new float[40];
        for (int i = 0; i < x.length; i++) x[i] = i * 0.37f - 5;
        VectorMath.expLanes(x, 3, r, 1, 31);
        for (int i = 0; i < 31; i++) assertTrue(ulps(r[1 + i], (float) Math.exp(x[3 + i])) <= BOUND_ULPS, "element " + i);
        assertEquals(0f, r[0]);
        assertEquals(0f, r[32]);
    }
}
