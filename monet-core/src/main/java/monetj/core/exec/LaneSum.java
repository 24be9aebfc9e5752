package monetj.core.exec;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The f64 sum of one row of f32 values in eight interleaved lanes (element k of the row goes to lane k mod 8, lane 0
 * starting from the init value, the others from -0, the identity of addition), the lanes then added pairwise. One
 * f64 add after another waits for the last; eight independent chains keep the adder busy, so a row sum runs at
 * memory speed instead of at the add's latency. The order is fixed by the row alone (not by blocks or threads), so
 * the unfused kernel and a fused loop that reduces as it computes give the same bits. Against the reference (one
 * chain from the init value) the f64 sums differ by at most 2 (n - 1) 2^-53 (|init| + sum |x|) before rounding to
 * f32; rows of up to three elements are summed in the reference's order exactly. Where the machine adds eight
 * doubles at once (AVX-512) the eight lanes are one vector register: the same adds, so the same bits.
 */
final class LaneSum {
    static final int LANES = 8;
    private final double[] lane = new double[LANES];
    private static final boolean ONE_REGISTER = DoubleVector.SPECIES_PREFERRED.length() >= LANES;
    private static final VectorSpecies<Double> DOUBLES = DoubleVector.SPECIES_512;
    private static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_256;

    /** Starts a row. */
    void start(double init) {
        lane[0] = init;
        for (int j = 1; j < LANES; j++) lane[j] = -0.0;
    }

    /** Adds v[from, from + len), the row's elements from {@code position} on. */
    void add(float[] v, int from, int len, int position) {
        int i = 0;
        for (; i < len && ((position + i) & (LANES - 1)) != 0; i++) lane[(position + i) & (LANES - 1)] += v[from + i];
        if (len - i >= LANES && ONE_REGISTER) {
            DoubleVector acc = DoubleVector.fromArray(DOUBLES, lane, 0);
            for (; i + LANES <= len; i += LANES) acc = acc.add(FloatVector.fromArray(FLOATS, v, from + i).convertShape(VectorOperators.F2D, DOUBLES, 0));
            acc.intoArray(lane, 0);
        } else if (len - i >= LANES) {
            double a0 = lane[0], a1 = lane[1], a2 = lane[2], a3 = lane[3], a4 = lane[4], a5 = lane[5], a6 = lane[6], a7 = lane[7];
            for (; i + LANES <= len; i += LANES) {
                int k = from + i;
                a0 += v[k];
                a1 += v[k + 1];
                a2 += v[k + 2];
                a3 += v[k + 3];
                a4 += v[k + 4];
                a5 += v[k + 5];
                a6 += v[k + 6];
                a7 += v[k + 7];
            }
            lane[0] = a0; lane[1] = a1; lane[2] = a2; lane[3] = a3; lane[4] = a4; lane[5] = a5; lane[6] = a6; lane[7] = a7;
        }
        for (; i < len; i++) lane[(position + i) & (LANES - 1)] += v[from + i];
    }

    /** The row's sum. */
    double total() { return ((lane[0] + lane[1]) + (lane[2] + lane[3])) + ((lane[4] + lane[5]) + (lane[6] + lane[7])); }

    /** The sum of x[from, from + len) from {@code init}, in this order. */
    static double of(float[] x, int from, int len, double init, LaneSum scratch) {
        scratch.start(init);
        scratch.add(x, from, len, 0);
        return scratch.total();
    }
}
