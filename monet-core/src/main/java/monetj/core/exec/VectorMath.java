package monetj.core.exec;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * exp and log of f32 lanes with the Vector API. Both reduce the argument exactly (Cody-Waite with a two-part
 * ln 2) and evaluate a short polynomial with fused multiply-adds; both are within 2 ulp of the correctly rounded
 * result over the whole f32 range, subnormals included (VectorMathTest checks this against Math.exp/Math.log on
 * every 251st bit pattern; the worst seen is 1 ulp),
 * and give the IEEE special values: exp(-inf) = 0, exp(inf) = inf, log(0) = -inf, log(x < 0) = NaN, NaN stays NaN.
 * Each has a one-element form with the same operations, so the result never depends on which one ran.
 */
final class VectorMath {
    private VectorMath() {}

    static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;

    private static final float LOG2E = 1.44269504088896341f;
    private static final float LN2_HI = 0.693359375f;      // few significant bits, so k * LN2_HI is exact
    private static final float LN2_LO = -2.12194440e-4f;   // ln 2 - LN2_HI
    private static final float ROUNDER = 12582912f;        // 1.5 * 2^23: adding it rounds to an integer in the low bits
    private static final float SQRT2 = 1.41421356f;

    /** e^x lane by lane: x = k ln2 + r with |r| <= ln2/2, e^r by its Taylor series to r^7, times 2^k in two steps (for subnormal results). */
    static FloatVector exp(FloatVector x) {
        FloatVector c = x.max(-104f).min(88.8f);                 // beyond these the result is 0 or inf anyway
        FloatVector t = c.fma(v(LOG2E), v(ROUNDER));
        FloatVector kf = t.sub(ROUNDER);
        IntVector k = t.reinterpretAsInts().sub(Float.floatToRawIntBits(ROUNDER));
        FloatVector r = kf.fma(v(-LN2_HI), c).add(kf.mul(-LN2_LO));
        FloatVector p = FloatVector.broadcast(SPECIES, 1f / 5040);
        p = p.fma(r, v(1f / 720)).fma(r, v(1f / 120)).fma(r, v(1f / 24)).fma(r, v(1f / 6)).fma(r, v(0.5f)).fma(r, v(1f)).fma(r, v(1f));
        IntVector k1 = k.lanewise(VectorOperators.ASHR, 1), k2 = k.sub(k1);
        FloatVector s1 = k1.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        FloatVector s2 = k2.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        return p.mul(s1).mul(s2).blend(x, x.test(VectorOperators.IS_NAN));
    }

    /** ln x lane by lane: x = 2^e m with m in [sqrt(1/2), sqrt(2)), ln m = f - (f^2/2 - s (f^2/2 + R(s^2))) with f = m - 1, s = f / (2 + f). */
    static FloatVector log(FloatVector x) {
        VectorMask<Float> subnormal = x.compare(VectorOperators.LT, Float.MIN_NORMAL);
        FloatVector xs = x.blend(x.mul(8388608f), subnormal);     // 2^23: subnormals become normal
        IntVector bits = xs.reinterpretAsInts();
        FloatVector ef = (FloatVector) bits.lanewise(VectorOperators.LSHR, 23).sub(127).convert(VectorOperators.I2F, 0);
        ef = ef.blend(ef.sub(23f), subnormal);
        FloatVector m = bits.and(0x007FFFFF).or(0x3F800000).reinterpretAsFloats();
        VectorMask<Float> high = m.compare(VectorOperators.GT, SQRT2);
        m = m.blend(m.mul(0.5f), high);
        ef = ef.blend(ef.add(1f), high);
        FloatVector y = ef.fma(v(LN2_HI), ef.fma(v(LN2_LO), lnOfMantissa(m)));
        y = y.blend(Float.NEGATIVE_INFINITY, x.compare(VectorOperators.EQ, 0f));
        y = y.blend(Float.POSITIVE_INFINITY, x.compare(VectorOperators.EQ, Float.POSITIVE_INFINITY));
        return y.blend(Float.NaN, x.compare(VectorOperators.LT, 0f).or(x.test(VectorOperators.IS_NAN)));
    }

    /**
     * ln m for m in [sqrt(1/2), sqrt(2)), a method of its own so that each half of {@link #log(FloatVector)} stays
     * under the JIT's size limit for inlining a hot method (325 bytes of bytecode): a lane function that is not
     * inlined passes its vectors boxed.
     */
    private static FloatVector lnOfMantissa(FloatVector m) {
        FloatVector f = m.sub(1f);
        FloatVector s = f.div(f.add(2f));
        FloatVector z = s.mul(s);
        FloatVector rz = v(2f / 13).fma(z, v(2f / 11)).fma(z, v(2f / 9)).fma(z, v(2f / 7)).fma(z, v(2f / 5)).fma(z, v(2f / 3)).mul(z);
        FloatVector hfsq = f.mul(f).mul(0.5f);
        return f.sub(hfsq.sub(s.mul(hfsq.add(rz))));
    }

    private static FloatVector v(float f) { return FloatVector.broadcast(SPECIES, f); }

    /** The same e^x one element at a time: the same operations and roundings as a lane of {@link #exp(FloatVector)}. */
    static float exp(float x) {
        float c = Math.min(Math.max(x, -104f), 88.8f);
        float t = Math.fma(c, LOG2E, ROUNDER);
        float kf = t - ROUNDER;
        int k = Float.floatToRawIntBits(t) - Float.floatToRawIntBits(ROUNDER);
        float r = Math.fma(kf, -LN2_HI, c) + kf * -LN2_LO;
        float p = 1f / 5040;
        p = Math.fma(p, r, 1f / 720);
        p = Math.fma(p, r, 1f / 120);
        p = Math.fma(p, r, 1f / 24);
        p = Math.fma(p, r, 1f / 6);
        p = Math.fma(p, r, 0.5f);
        p = Math.fma(p, r, 1f);
        p = Math.fma(p, r, 1f);
        int k1 = k >> 1, k2 = k - k1;
        float y = p * Float.intBitsToFloat((k1 + 127) << 23) * Float.intBitsToFloat((k2 + 127) << 23);
        return Float.isNaN(x) ? x : y;
    }

    /** The same ln x one element at a time: the same operations and roundings as a lane of {@link #log(FloatVector)}. */
    static float log(float x) {
        boolean subnormal = x < Float.MIN_NORMAL;
        float xs = subnormal ? x * 8388608f : x;
        int bits = Float.floatToRawIntBits(xs);
        float ef = (float) ((bits >>> 23) - 127);
        if (subnormal) ef = ef - 23f;
        float m = Float.intBitsToFloat((bits & 0x007FFFFF) | 0x3F800000);
        if (m > SQRT2) {
            m = m * 0.5f;
            ef = ef + 1f;
        }
        float f = m - 1f;
        float s = f / (f + 2f);
        float z = s * s;
        float rz = Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(2f / 13, z, 2f / 11), z, 2f / 9), z, 2f / 7), z, 2f / 5), z, 2f / 3) * z;
        float hfsq = f * f * 0.5f;
        float lnm = f - (hfsq - s * (hfsq + rz));
        float y = Math.fma(ef, LN2_HI, Math.fma(ef, LN2_LO, lnm));
        if (x == 0f) y = Float.NEGATIVE_INFINITY;
        if (x == Float.POSITIVE_INFINITY) y = Float.POSITIVE_INFINITY;
        return x < 0f || Float.isNaN(x) ? Float.NaN : y;
    }

    /**
     * Whether the lane functions run compiled. Interpreted, each lane operation costs tens to hundreds of
     * nanoseconds (the first large exp would take seconds), so until a background thread has seen them run at
     * compiled speed the array functions use the one-element forms, which give the same bits.
     */
    private static volatile boolean lanesCompiled;

    static {
        Thread warmUp = new Thread(VectorMath::warmUp, "monet-vector-math-warm-up");
        warmUp.setDaemon(true);
        warmUp.start();
    }

    /** Starts the warm-up (class initialisation does), so that the lane functions are compiled before large work arrives. */
    static void prepare() {}

    private static void warmUp() {
        float[] x = new float[SPECIES.length()], r = new float[x.length];
        long deadline = System.nanoTime() + 60_000_000_000L;
        for (int round = 0; System.nanoTime() < deadline; round++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < 1000; i++) {
                x[i % x.length] = i * 0.01f - 5;
                expLanes(x, 0, r, 0, x.length);
                logLanes(r, 0, x, 0, x.length);
            }
            if (round > 20 && (System.nanoTime() - t0) / 1000 < 10L * x.length) break; // under 5 ns per element and function
        }
        lanesCompiled = true;
    }

    /** r[to + i] = e^a[from + i] for i < len. */
    static void exp(float[] a, int from, float[] r, int to, int len) {
        if (lanesCompiled) {
            expLanes(a, from, r, to, len);
        } else {
            for (int i = 0; i < len; i++) r[to + i] = exp(a[from + i]);
        }
    }

    /** r[to + i] = ln a[from + i] for i < len. */
    static void log(float[] a, int from, float[] r, int to, int len) {
        if (lanesCompiled) {
            logLanes(a, from, r, to, len);
        } else {
            for (int i = 0; i < len; i++) r[to + i] = log(a[from + i]);
        }
    }

    /** The array exp in vector lanes. */
    static void expLanes(float[] a, int from, float[] r, int to, int len) {
        int i = 0;
        for (int bound = SPECIES.loopBound(len); i < bound; i += SPECIES.length()) exp(FloatVector.fromArray(SPECIES, a, from + i)).intoArray(r, to + i);
        if (i < len) { // the tail through a full vector of scratch (masked loads and stores can leave the loop uncompiled)
            float[] lanes = new float[SPECIES.length()];
            System.arraycopy(a, from + i, lanes, 0, len - i);
            exp(FloatVector.fromArray(SPECIES, lanes, 0)).intoArray(lanes, 0);
            System.arraycopy(lanes, 0, r, to + i, len - i);
        }
    }

    /** The array log in vector lanes. */
    static void logLanes(float[] a, int from, float[] r, int to, int len) {
        int i = 0;
        for (int bound = SPECIES.loopBound(len); i < bound; i += SPECIES.length()) log(FloatVector.fromArray(SPECIES, a, from + i)).intoArray(r, to + i);
        if (i < len) {
            float[] lanes = new float[SPECIES.length()];
            System.arraycopy(a, from + i, lanes, 0, len - i);
            log(FloatVector.fromArray(SPECIES, lanes, 0)).intoArray(lanes, 0);
            System.arraycopy(lanes, 0, r, to + i, len - i);
        }
    }
}
