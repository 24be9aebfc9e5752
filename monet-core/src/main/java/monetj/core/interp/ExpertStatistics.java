package monetj.core.interp;

import java.util.Arrays;

/**
 * Streaming statistics of the E² composed experts of one routing group: how often each is active (score above
 * the threshold), the sum and maximum of its active scores, the sum of all its nonzero scores (for the mean over
 * every token seen), and its {@code top} highest-scoring token locations. Memory is E² x top, whatever the corpus;
 * a token costs only its nonzero pairs, and a top list is touched only when a score beats its current minimum.
 */
public final class ExpertStatistics {
    private final int experts, top;
    private final double threshold;
    private final int[] count;
    private final double[] activeSum, totalSum;
    private final float[] max;
    private final float[] topScore; // [expert * top + slot]
    private final long[] topLocation;
    private final byte[] filled;
    private final float[] admission; // a score must beat this to enter a full top list
    private long tokens;

    public ExpertStatistics(int experts, int top, double threshold) {
        if (top < 1 || top > 127) throw new IllegalArgumentException("top must be in [1, 127], got " + top);
        this.experts = experts;
        this.top = top;
        this.threshold = threshold;
        this.count = new int[experts];
        this.activeSum = new double[experts];
        this.totalSum = new double[experts];
        this.max = new float[experts];
        this.topScore = new float[experts * top];
        this.topLocation = new long[experts * top];
        this.filled = new byte[experts];
        this.admission = new float[experts];
        Arrays.fill(admission, Float.NEGATIVE_INFINITY);
    }

    /** One token at {@code location} with its nonzero scores (the first {@code n} of {@code ids}, {@code scores}). */
    public void add(int[] ids, float[] scores, int n, long location) {
        tokens++;
        for (int k = 0; k < n; k++) {
            int e = ids[k];
            float s = scores[k];
            totalSum[e] += s;
            if (s <= threshold) continue;
            count[e]++;
            activeSum[e] += s;
            if (s > max[e]) max[e] = s;
            if (s > admission[e]) admit(e, s, location);
        }
    }

    private void admit(int e, float s, long location) {
        int base = e * top;
        if (filled[e] < top) {
            topScore[base + filled[e]] = s;
            topLocation[base + filled[e]] = location;
            if (++filled[e] == top) admission[e] = minimum(base);
            return;
        }
        int weakest = base;
        for (int k = base + 1; k < base + top; k++) if (topScore[k] < topScore[weakest]) weakest = k;
        topScore[weakest] = s;
        topLocation[weakest] = location;
        admission[e] = minimum(base);
    }

    private float minimum(int base) {
        float m = Float.POSITIVE_INFINITY;
        for (int k = base; k < base + top; k++) m = Math.min(m, topScore[k]);
        return m;
    }

    public int experts() { return experts; }

    public long tokens() { return tokens; }

    public double threshold() { return threshold; }

    public int count(int e) { return count[e]; }

    public float max(int e) { return max[e]; }

    /** Mean score over the tokens where the expert is active. */
    public double activeMean(int e) { return count[e] == 0 ? 0 : activeSum[e] / count[e]; }

    /** Mean score over every token seen (zero where unrouted): the expert's routing probability on this corpus. */
    public double corpusMean(int e) { return tokens == 0 ? 0 : totalSum[e] / tokens; }

    /** One of an expert's top activations. */
    public record Activation(float score, long location) {}

    /** The expert's top activations, highest score first (ties: earliest location first). */
    public Activation[] top(int e) {
        Activation[] a = new Activation[filled[e]];
        for (int k = 0; k < a.length; k++) a[k] = new Activation(topScore[e * top + k], topLocation[e * top + k]);
        Arrays.sort(a, (x, y) -> x.score() != y.score() ? Float.compare(y.score(), x.score()) : Long.compare(x.location(), y.location()));
        return a;
    }
}
