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
        FloatVector f = m.sub(1f);
        FloatVector s = f.div(f.add(2f));
        FloatVector z = s.mul(s);
        FloatVector rz = v(2f / 13).fma(z, v(2f / 11)).fma(z, v(2f / 9)).fma(z, v(2f / 7)).fma(z, v(2f / 5)).fma(z, v(2f / 3)).mul(z);
        FloatVector hfsq = f.mul(f).mul(0.5f);
        FloatVector lnm = f.sub(hfsq.sub(s.mul(hfsq.add(rz))));
        FloatVector y = ef.fma(v(LN2_HI), ef.fma(v(LN2_LO), lnm));
        y = y.blend(Float.NEGATIVE_INFINITY, x.compare(VectorOperators.EQ, 0f));
        y = y.blend(Float.POSITIVE_INFINITY, x.compare(VectorOperators.EQ, Float.POSITIVE_INFINITY));
        return y.blend(Float.NaN, x.compare(VectorOperators.LT, 0f).or(x.test(VectorOperators.IS_NAN)));
    }

    private static FloatVector v(float f) { return FloatVector.broadcast(SPECIES, f); }

    /** r[to + i] = e^a[from + i] for i < len. */
    static void exp(float[] a, int from, float[] r, int to, int len) {
        int i = 0;
        for (int bound = SPECIES.loopBound(len); i < bound; i += SPECIES.length()) exp(FloatVector.fromArray(SPECIES, a, from + i)).intoArray(r, to + i);
        if (i < len) { // the tail through a full vector of scratch (masked loads and stores can leave the loop uncompiled)
            float[] lanes = new float[SPECIES.length()];
            System.arraycopy(a, from + i, lanes, 0, len - i);
            exp(FloatVector.fromArray(SPECIES, lanes, 0)).intoArray(lanes, 0);
            System.arraycopy(lanes, 0, r, to + i, len - i);
        }
    }

    /** r[to + i] = ln a[from + i] for i < len. */
    static void log(float[] a, int from, float[] r, int to, int len) {
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
