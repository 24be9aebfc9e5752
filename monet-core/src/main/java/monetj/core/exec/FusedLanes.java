package monetj.core.exec;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import monetj.core.ir.Binary;
import monetj.core.ir.Unary;

/**
 * What a generated fused loop ({@link FusedCodegen}) calls, one static method per load, store and member op, each
 * computing lane by lane exactly what {@link FusedLoop}'s interpreter computes element by element. The generator
 * then only emits calls of one shape; each method is a few bytecodes, so the JIT inlines it and the vectors stay in
 * registers.
 */
final class FusedLanes {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final int LANES = F.length();
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    private static final IntVector ONE = IntVector.broadcast(I, 1), BELOW_HALF = IntVector.broadcast(I, 0x7FFF), QUIET = IntVector.broadcast(I, 0x400000),
            MAGNITUDE = IntVector.broadcast(I, 0x7FFFFFFF), INFINITY = IntVector.broadcast(I, 0x7F800000), UPPER = IntVector.broadcast(I, 0xFFFF0000);

    private FusedLanes() {}

    static FloatVector load(float[] a, int i) { return FloatVector.fromArray(F, a, i); }

    static FloatVector loadBf16(short[] a, int i) { return Bf16Lanes.widen(ShortVector.fromArray(Bf16Lanes.shortSpecies(), a, i)); }

    /** A value read once for the whole loop: the first element of {@code a}, in every lane. */
    static FloatVector uniform(float[] a) { return FloatVector.broadcast(F, a[0]); }

    static void store(FloatVector v, float[] a, int i) { v.intoArray(a, i); }

    static void storeBf16(FloatVector v, short[] a, int i) {
        ((ShortVector) roundedToBf16(v).lanewise(VectorOperators.LSHR, 16).convertShape(VectorOperators.I2S, Bf16Lanes.shortSpecies(), 0)).intoArray(a, i);
    }

    static FloatVector add(FloatVector x, FloatVector y) { return x.add(y); }

    static FloatVector subtract(FloatVector x, FloatVector y) { return x.sub(y); }

    static FloatVector multiply(FloatVector x, FloatVector y) { return x.mul(y); }

    static FloatVector divide(FloatVector x, FloatVector y) { return x.div(y); }

    /** As Math.max: NaN absorbing, +0 above -0. */
    static FloatVector maximum(FloatVector x, FloatVector y) { return x.lanewise(VectorOperators.MAX, y); }

    static FloatVector minimum(FloatVector x, FloatVector y) { return x.lanewise(VectorOperators.MIN, y); }

    static FloatVector negate(FloatVector x) { return x.neg(); }

    static FloatVector abs(FloatVector x) { return x.abs(); }

    static FloatVector sqrt(FloatVector x) { return x.lanewise(VectorOperators.SQRT); }

    static FloatVector exp(FloatVector x) { return VectorMath.exp(x); }

    static FloatVector log(FloatVector x) { return VectorMath.log(x); }

    static FloatVector bf16(FloatVector x) { return roundedToBf16(x).and(UPPER).reinterpretAsFloats(); }

    /**
     * Each lane's bits with the upper half rounded to bf16 (to nearest even; a NaN quieted), as {@link Bf16Lanes}
     * rounds, with constant vectors instead of scalar broadcasts: fewer nodes for C2 to inline, which is what limits
     * a generated body (with the float NaN test and mask cast Bf16Lanes had, two bf16 loads and two roundings already
     * crossed the budget and ran boxed).
     */
    private static IntVector roundedToBf16(FloatVector x) {
        IntVector bits = x.reinterpretAsInts();
        IntVector rounded = bits.add(bits.lanewise(VectorOperators.LSHR, 16).and(ONE)).add(BELOW_HALF);
        return rounded.blend(bits.or(QUIET), bits.and(MAGNITUDE).compare(VectorOperators.GT, INFINITY));
    }

    static FloatVector eq(FloatVector x, FloatVector y) { return bool(x.compare(VectorOperators.EQ, y)); }

    static FloatVector ne(FloatVector x, FloatVector y) { return bool(x.compare(VectorOperators.NE, y)); }

    static FloatVector lt(FloatVector x, FloatVector y) { return bool(x.compare(VectorOperators.LT, y)); }

    static FloatVector le(FloatVector x, FloatVector y) { return bool(x.compare(VectorOperators.LE, y)); }

    static FloatVector gt(FloatVector x, FloatVector y) { return bool(x.compare(VectorOperators.GT, y)); }

    static FloatVector ge(FloatVector x, FloatVector y) { return bool(x.compare(VectorOperators.GE, y)); }

    private static FloatVector bool(VectorMask<Float> m) { return FloatVector.zero(F).blend(FloatVector.broadcast(F, 1f), m); }

    /** p ? t : f, with p a 0/1 boolean in f32. */
    static FloatVector select(FloatVector p, FloatVector t, FloatVector f) { return f.blend(t, p.compare(VectorOperators.NE, 0f)); }

    static FloatVector clamp(FloatVector lo, FloatVector x, FloatVector hi) { return x.lanewise(VectorOperators.MAX, lo).lanewise(VectorOperators.MIN, hi); }

    /** A unary op the interpreter computes in f64 (tanh, logistic, rsqrt, ...): the same, one lane at a time. */
    static FloatVector inDouble(FloatVector x, Unary.Kind kind) {
        float[] v = x.toArray();
        for (int i = 0; i < v.length; i++) v[i] = (float) kind.apply(v[i]);
        return FloatVector.fromArray(F, v, 0);
    }

    /** A binary op the interpreter computes in f64 (power, remainder): the same, one lane at a time. */
    static FloatVector inDouble(FloatVector x, FloatVector y, Binary.Kind kind) {
        float[] v = x.toArray(), w = y.toArray();
        for (int i = 0; i < v.length; i++) v[i] = (float) kind.apply(v[i], w[i]);
        return FloatVector.fromArray(F, v, 0);
    }
}
