package monetj.core.exec;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;
import monetj.core.tensor.Float16;

/**
 * f32 to bf16 rounding a machine vector at a time, bit for bit what {@link Float16#bf16FromFloat} does element by
 * element (round to nearest even; a NaN stays a quiet NaN). The scalar conversion has a branch per element and
 * made every cast of a vocabulary table a slow pass of its own.
 */
final class Bf16Lanes {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    /** As many short lanes as F has float lanes: half the width. */
    private static final VectorSpecies<Short> S = VectorSpecies.of(short.class, VectorShape.forBitSize(F.vectorBitSize() / 2));
    private static final int LANES = F.length();

    private Bf16Lanes() {}

    /**
     * Each lane rounded to bf16 in its upper half (the lower half is left over). The NaN test is an int compare on
     * the bits, not a float test whose mask is then cast: fewer nodes for C2 to inline, so a generated fused loop
     * holds three roundings under C2's inlining cutoff instead of two (a chain of bf16 ops: 2.0 -> 0.8 ns/element).
     */
    private static IntVector roundedHigh(FloatVector x) {
        IntVector bits = x.reinterpretAsInts();
        IntVector rounded = bits.add(bits.lanewise(VectorOperators.LSHR, 16).and(1)).add(0x7FFF);
        return rounded.blend(bits.or(0x400000), bits.and(0x7FFFFFFF).compare(VectorOperators.GT, 0x7F800000));
    }

    /** x (of any species) rounded to bf16 and widened back to f32, lane by lane. */
    static FloatVector round(FloatVector x) { return roundedHigh(x).and(0xFFFF0000).reinterpretAsFloats(); }

    /** x rounded to bf16: the bit patterns, one short lane per float lane. */
    static ShortVector narrow(FloatVector x) { return (ShortVector) roundedHigh(x).lanewise(VectorOperators.LSHR, 16).convertShape(VectorOperators.I2S, S, 0); }

    /** The f32 values of bf16 bit patterns (exact: a bf16 is the upper half of its f32). Sign extension fills the upper half, which the shift pushes out. */
    static FloatVector widen(ShortVector bits) {
        return ((IntVector) bits.convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    /** The short species of as many lanes as the preferred float species. */
    static VectorSpecies<Short> shortSpecies() { return S; }

    /** r[0, len) = x[0, len) rounded to bf16 and widened back to f32. */
    static void round(float[] x, float[] r, int len) { round(x, 0, r, 0, len); }

    /** r[at, at + len) = x[from, from + len) rounded to bf16 and widened back to f32. */
    static void round(float[] x, int from, float[] r, int at, int len) {
        int i = 0;
        for (int bound = F.loopBound(len); i < bound; i += LANES) {
            round(FloatVector.fromArray(F, x, from + i)).intoArray(r, at + i);
        }
        for (; i < len; i++) r[at + i] = Float16.roundToBf16(x[from + i]);
    }

    /** x[from, from + len) rounded to bf16 and widened back to f32, in place. */
    static void round(float[] x, int from, int len) { round(x, from, x, from, len); }

    /** dst[at, at + len) = src[from, from + len) rounded to bf16. */
    static void narrow(float[] src, int from, short[] dst, int at, int len) {
        int i = 0;
        for (int bound = F.loopBound(len); i < bound; i += LANES) {
            narrow(FloatVector.fromArray(F, src, from + i)).intoArray(dst, at + i);
        }
        for (; i < len; i++) dst[at + i] = Float16.bf16FromFloat(src[from + i]);
    }
}
