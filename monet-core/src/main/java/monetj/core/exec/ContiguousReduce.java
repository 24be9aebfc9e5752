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
                    case MAX -> acc = Math.max(acc, extremum(x, base, len, VectorOperators.MAX));
                    case MIN -> acc = Math.min(acc, extremum(x, base, len, VectorOperators.MIN));
                }
                out[r] = (float) acc;
            }
        });
        return out;
    }

    /**
     * The maximum or minimum of x[base, base + len) (as Math.max / Math.min, NaN absorbing), a vector of lanes at a
     * time: both are associative and commutative, so unlike a sum this is exactly the one-by-one result.
     */
    static float extremum(float[] x, int base, int len, VectorOperators.Associative op) {
        float acc = op == VectorOperators.MAX ? Float.NEGATIVE_INFINITY : Float.POSITIVE_INFINITY;
        int i = 0;
        if (len >= SPECIES.length()) {
            FloatVector v = FloatVector.broadcast(SPECIES, acc);
            for (int bound = SPECIES.loopBound(len); i < bound; i += SPECIES.length()) v = v.lanewise(op, FloatVector.fromArray(SPECIES, x, base + i));
            acc = v.reduceLanes(op);
        }
        for (; i < len; i++) acc = op == VectorOperators.MAX ? Math.max(acc, x[base + i]) : Math.min(acc, x[base + i]);
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
