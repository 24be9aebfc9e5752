package monetj.core.exec;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Contiguous f32 copies a vector at a time, the last partial vector under a mask: for the short runs of Monet's
 * transposes, slices and concatenations (16 to 64 floats: rotary halves, attention heads) one
 * {@link System#arraycopy} call costs more than the copy, and a plain loop pays its set-up per run.
 */
final class FloatRuns {
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    private static final int LANES = SPECIES.length();
    /** From this many floats on the bulk copy's call is worth it. */
    private static final int BULK = 256;

    private FloatRuns() {}

    /** dst[d, d + n) = src[s, s + n). */
    static void copy(float[] src, int s, float[] dst, int d, int n) {
        if (n >= BULK) {
            System.arraycopy(src, s, dst, d, n);
            return;
        }
        int j = 0;
        for (; j + LANES <= n; j += LANES) FloatVector.fromArray(SPECIES, src, s + j).intoArray(dst, d + j);
        if (j < n) {
            var tail = SPECIES.indexInRange(j, n);
            FloatVector.fromArray(SPECIES, src, s + j, tail).intoArray(dst, d + j, tail);
        }
    }
}
