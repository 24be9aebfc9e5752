package monetj.core.interp;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The sparse scores and the streaming statistics against dense, all-at-once computations on random routing. */
class ExpertStatisticsTest {
    private static final int H = 3, E = 6, TOKENS = 400, TOP = 4;
    private static final double THRESHOLD = 0.05;

    @Test
    void sparseScoresAndStreamingStatisticsMatchTheDenseDefinitions() {
        Random rnd = new Random(11);
        float[][] g1 = new float[TOKENS][], g2 = new float[TOKENS][];
        for (int t = 0; t < TOKENS; t++) {
            g1[t] = routing(rnd);
            g2[t] = routing(rnd);
        }
        ComposedScores scores = new ComposedScores(H, E);
        ExpertStatistics stats = new ExpertStatistics(E * E, TOP, THRESHOLD);
        double[][] dense = new double[TOKENS][E * E];
        for (int t = 0; t < TOKENS; t++) {
            for (int h = 0; h < H; h++) for (int i = 0; i < E; i++) for (int j = 0; j < E; j++) dense[t][i * E + j] += (double) g1[t][h * E + i] * g2[t][h * E + j];
            scores.compute(g1[t], 0, g2[t], 0);
            double[] sparse = new double[E * E];
            for (int k = 0; k < scores.size(); k++) {
                assertEquals(0, sparse[scores.ids()[k]], "each expert listed once");
                sparse[scores.ids()[k]] = scores.scores()[k];
            }
            for (int x = 0; x < E * E; x++) assertEquals(dense[t][x], sparse[x], 1e-6, "token " + t + " expert " + x);
            stats.add(scores.ids(), scores.scores(), scores.size(), 1000L + t);
        }
        for (int x = 0; x < E * E; x++) {
            List<double[]> active = new ArrayList<>();
            double all = 0;
            for (int t = 0; t < TOKENS; t++) {
                all += dense[t][x];
                if (dense[t][x] > THRESHOLD) active.add(new double[] {dense[t][x], 1000 + t});
            }
            assertEquals(active.size(), stats.count(x));
            assertEquals(all / TOKENS, stats.corpusMean(x), 1e-6);
            if (active.isEmpty()) continue;
            assertEquals(active.stream().mapToDouble(a -> a[0]).average().orElseThrow(), stats.activeMean(x), 1e-6);
            active.sort(Comparator.comparingDouble((double[] a) -> -a[0]).thenComparingDouble(a -> a[1]));
            ExpertStatistics.Activation[] top = stats.top(x);
            assertEquals(Math.min(TOP, active.size()), top.length);
            assertEquals(active.get(0)[0], stats.max(x), 1e-6);
            for (int r = 0; r < top.length; r++) assertEquals(active.get(r)[0], top[r].score(), 1e-6, "expert " + x + " rank " + r);
        }
    }

    /** Per head a softmax over 1-3 random experts, exactly zero elsewhere. */
    private static float[] routing(Random rnd) {
        float[] g = new float[H * E];
        for (int h = 0; h < H; h++) {
            double[] w = new double[E];
            double sum = 0;
            for (int n = 1 + rnd.nextInt(3); n > 0; n--) {
                int i = rnd.nextInt(E);
                if (w[i] == 0) sum += w[i] = Math.exp(rnd.nextGaussian());
            }
            for (int i = 0; i < E; i++) g[h * E + i] = (float) (w[i] / sum);
        }
        return g;
    }
}
