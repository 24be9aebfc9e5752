package monetj.core.interp;

/**
 * Streaming Pearson correlation between each composed expert's score and a per-token score (such as toxicity,
 * spec §11.5), over every token seen: sums of S, S² and S·t per expert and of t, t² overall. An expert's score is
 * zero on the tokens that do not route to it, so only the nonzero pairs of a token need visiting.
 */
public final class ScoreCorrelation {
    private final double[] sumS, sumS2, sumST;
    private long n;
    private double sumT, sumT2;

    public ScoreCorrelation(int experts) {
        sumS = new double[experts];
        sumS2 = new double[experts];
        sumST = new double[experts];
    }

    public void add(int[] ids, float[] scores, int count, double tokenScore) {
        n++;
        sumT += tokenScore;
        sumT2 += tokenScore * tokenScore;
        for (int k = 0; k < count; k++) {
            int e = ids[k];
            double s = scores[k];
            sumS[e] += s;
            sumS2[e] += s * s;
            sumST[e] += s * tokenScore;
        }
    }

    public int experts() { return sumS.length; }

    public long tokens() { return n; }

    /** Pearson r of expert {@code e}; 0 when either side is constant. */
    public double r(int e) {
        double cov = n * sumST[e] - sumS[e] * sumT;
        double vs = n * sumS2[e] - sumS[e] * sumS[e], vt = n * sumT2 - sumT * sumT;
        return vs <= 0 || vt <= 0 ? 0 : cov / Math.sqrt(vs * vt);
    }
}
