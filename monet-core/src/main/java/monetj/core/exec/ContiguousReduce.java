package monetj.core.exec;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import monetj.core.ir.Reduce;

/**
 * f32 reductions over contiguous runs, the common layouts: over the trailing dimensions (softmax,
 * normalisation: each output is one row) or over the leading ones (bias gradients: each output is one column).
 * Sums accumulate in f64, as the general kernel does; a row's in eight interleaved lanes ({@link LaneSum}: within a
 * stated bound of the reference's one chain), a column's in order. Maxima and minima of rows are taken a vector at a
 * time (exact in any order).
 */
public final class ContiguousReduce {
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;

    private ContiguousReduce() {}

    /** out[r] = reduce(x[r*len .. r*len+len)). */
    public static float[] rows(float[] x, int rows, int len, Reduce.Kind kind, double init) {
        float[] out = new float[rows];
        Parallel.forRange(rows, Math.max(1, (1 << 16) / Math.max(1, len)), (lo, hi) -> {
            LaneSum lanes = new LaneSum();
            for (int r = lo; r < hi; r++) {
                int base = r * len;
                double acc = init;
                switch (kind) {
                    case SUM -> acc = LaneSum.of(x, base, len, init, lanes);
                    case MAX -> acc = Math.max(acc, maximum(x, base, len));
                    case MIN -> acc = Math.min(acc, minimum(x, base, len));
                }
                out[r] = (float) acc;
            }
        });
        return out;
    }

    /**
     * The maximum of x[base, base + len) (as Math.max, NaN absorbing; {@link #minimum} likewise), four vectors of
     * lanes at a time in four accumulators (one would wait out each max's latency): max and min are associative and
     * commutative, so unlike a sum this is exactly the one-by-one result. One method per operator, so that it is a
     * constant wherever the JIT compiles the loop.
     */
    static float maximum(float[] x, int base, int len) {
        int i = 0, lanes = SPECIES.length();
        FloatVector v0 = FloatVector.broadcast(SPECIES, Float.NEGATIVE_INFINITY), v1 = v0, v2 = v0, v3 = v0;
        for (int bound = len - 4 * lanes; i <= bound; i += 4 * lanes) {
            v0 = v0.lanewise(VectorOperators.MAX, FloatVector.fromArray(SPECIES, x, base + i));
            v1 = v1.lanewise(VectorOperators.MAX, FloatVector.fromArray(SPECIES, x, base + i + lanes));
            v2 = v2.lanewise(VectorOperators.MAX, FloatVector.fromArray(SPECIES, x, base + i + 2 * lanes));
            v3 = v3.lanewise(VectorOperators.MAX, FloatVector.fromArray(SPECIES, x, base + i + 3 * lanes));
        }
        for (int bound = SPECIES.loopBound(len); i < bound; i += lanes) v0 = v0.lanewise(VectorOperators.MAX, FloatVector.fromArray(SPECIES, x, base + i));
        float acc = v0.lanewise(VectorOperators.MAX, v1).lanewise(VectorOperators.MAX, v2.lanewise(VectorOperators.MAX, v3)).reduceLanes(VectorOperators.MAX);
        for (; i < len; i++) acc = Math.max(acc, x[base + i]);
        return acc;
    }

    static float minimum(float[] x, int base, int len) {
        int i = 0, lanes = SPECIES.length();
        FloatVector v0 = FloatVector.broadcast(SPECIES, Float.POSITIVE_INFINITY), v1 = v0, v2 = v0, v3 = v0;
        for (int bound = len - 4 * lanes; i <= bound; i += 4 * lanes) {
            v0 = v0.lanewise(VectorOperators.MIN, FloatVector.fromArray(SPECIES, x, base + i));
            v1 = v1.lanewise(VectorOperators.MIN, FloatVector.fromArray(SPECIES, x, base + i + lanes));
            v2 = v2.lanewise(VectorOperators.MIN, FloatVector.fromArray(SPECIES, x, base + i + 2 * lanes));
            v3 = v3.lanewise(VectorOperators.MIN, FloatVector.fromArray(SPECIES, x, base + i + 3 * lanes));
        }
        for (int bound = SPECIES.loopBound(len); i < bound; i += lanes) v0 = v0.lanewise(VectorOperators.MIN, FloatVector.fromArray(SPECIES, x, base + i));
        float acc = v0.lanewise(VectorOperators.MIN, v1).lanewise(VectorOperators.MIN, v2.lanewise(VectorOperators.MIN, v3)).reduceLanes(VectorOperators.MIN);
        for (; i < len; i++) acc = Math.min(acc, x[base + i]);
        return acc;
    }

    /** out[c] = reduce over r of x[r*cols + c]. */
    public static float[] columns(float[] x, int rows, int cols, Reduce.Kind kind, double init) {
        double[] acc = new double[cols];
        java.util.Arrays.fill(acc, init);
        for (int r = 0; r < rows; r++) {
            int base = r * cols;
            switch (kind) {
                case SUM -> { for (int c = 0; c < cols; c++) acc[c] += x[base + c]; }
                case MAX -> { for (int c = 0; c < cols; c++) acc[c] = Math.max(acc[c], x[base + c]); }
                case MIN -> { for (int c = 0; c < cols; c++) acc[c] = Math.min(acc[c], x[base + c]); }
            }
        }
        float[] out = new float[cols];
        for (int c = 0; c < cols; c++) out[c] = (float) acc[c];
        return out;
    }
}
