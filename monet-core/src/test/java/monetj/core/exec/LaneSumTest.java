package monetj.core.exec;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** Row sums in eight lanes are, bit for bit, their definition: element k to lane k mod 8 in order, lanes added pairwise. */
class LaneSumTest {
    private static double definition(float[] x, int from, int len, double init) {
        double[] lane = new double[LaneSum.LANES];
        java.util.Arrays.fill(lane, -0.0);
        lane[0] = init;
        for (int k = 0; k < len; k++) lane[k % LaneSum.LANES] += x[from + k];
        return ((lane[0] + lane[1]) + (lane[2] + lane[3])) + ((lane[4] + lane[5]) + (lane[6] + lane[7]));
    }

    @Test
    void rowsAddedInPiecesEqualTheDefinitionBitForBit() {
        Random random = new Random(11);
        float[] edges = {0f, -0f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MIN_VALUE, 1e30f, -1e30f, 3e-39f};
        LaneSum sum = new LaneSum();
        for (int trial = 0; trial < 400; trial++) {
            int len = trial < 40 ? trial : 1 + random.nextInt(3000), from = random.nextInt(5);
            float[] x = new float[from + len];
            for (int i = 0; i < x.length; i++) x[i] = random.nextInt(50) == 0 ? edges[random.nextInt(edges.length)] : (float) (random.nextGaussian() * Math.pow(10, random.nextInt(8)));
            double init = trial % 3 == 0 ? -0.0 : random.nextGaussian();
            sum.start(init);
            for (int at = 0; at < len; ) { // in pieces of any length, as a fused loop's blocks cut a row
                int piece = Math.min(len - at, random.nextInt(4) == 0 ? random.nextInt(9) : random.nextInt(600));
                sum.add(x, from + at, piece, at);
                at += piece;
            }
            assertEquals(Double.doubleToLongBits(definition(x, from, len, init)), Double.doubleToLongBits(sum.total()), "row of " + len + " from " + from);
            assertEquals(Double.doubleToLongBits(definition(x, from, len, init)), Double.doubleToLongBits(LaneSum.of(x, from, len, init, sum)));
        }
    }
}
