package monetj.core.exec;

import monetj.core.ir.Reduce;

/**
 * f32 reductions over contiguous runs, the common layouts: over the trailing dimensions (softmax,
 * normalisation: each output is one row) or over the leading ones (bias gradients: each output is one column).
 * Sums accumulate in f64, as the general kernel does, so the result does not depend on the path taken.
 */
public final class ContiguousReduce {
    private ContiguousReduce() {}

    /** out[r] = reduce(x[r*len .. r*len+len)). */
    public static float[] rows(float[] x, int rows, int len, Reduce.Kind kind, double init) {
        float[] out = new float[rows];
        Parallel.forRange(rows, Math.max(1, (1 << 16) / Math.max(1, len)), (lo, hi) -> {
            for (int r = lo; r < hi; r++) {
                int base = r * len;
                double acc = init;
                switch (kind) {
                    case SUM -> { for (int i = 0; i < len; i++) acc += x[base + i]; }
                    case MAX -> { for (int i = 0; i < len; i++) acc = Math.max(acc, x[base + i]); }
                    case MIN -> { for (int i = 0; i < len; i++) acc = Math.min(acc, x[base + i]); }
                }
                out[r] = (float) acc;
            }
        });
        return out;
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
