package monetj.core.exec;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/** bf16 bit patterns widened to f32 a machine vector at a time (exact: a bf16 is the upper half of its f32). */
final class Bf16Widen {
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Short> S = VectorSpecies.of(short.class, VectorShape.forBitSize(I.vectorBitSize() / 2));
    private static final int LANES = I.length();

    private Bf16Widen() {}

    /** dst[at, at + len) = the f32 values of the bf16 bits src[from, from + len). */
    static void widen(short[] src, int from, float[] dst, int at, int len) {
        int i = 0;
        for (int bound = I.loopBound(len); i < bound; i += LANES) {
            // Sign extension fills the upper half, which the shift pushes out.
            ((IntVector) ShortVector.fromArray(S, src, from + i).convertShape(VectorOperators.S2I, I, 0))
                    .lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().intoArray(dst, at + i);
        }
        for (; i < len; i++) dst[at + i] = Float.intBitsToFloat(src[from + i] << 16);
    }
}
