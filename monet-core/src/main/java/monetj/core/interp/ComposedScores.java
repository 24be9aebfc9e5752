package monetj.core.interp;

/**
 * The scores of the composed experts on one token of one routing group, sparse (spec §11.1):
 * {@code S_ij = Σ_h ĝ1[h,i] ĝ2[h,j]}, expert id {@code i * E + j}. The routing is exactly sparse (about k experts per
 * head and axis), so only the pairs of selected experts are visited, about {@code H k²} of the E² experts; a dense
 * scratch row is summed into and cleared again pair by pair, never swept.
 */
public final class ComposedScores {
    private final int heads, experts;
    private final float[] scratch;
    private final int[] selected1, selected2, count1, count2;
    private final int[] ids;
    private final float[] scores;
    private int size;

    public ComposedScores(int heads, int experts) {
        this.heads = heads;
        this.experts = experts;
        this.scratch = new float[experts * experts];
        this.selected1 = new int[heads * experts];
        this.selected2 = new int[heads * experts];
        this.count1 = new int[heads];
        this.count2 = new int[heads];
        this.ids = new int[experts * experts];
        this.scores = new float[experts * experts];
    }

    /**
     * Scores of every composed expert with a nonzero weight, from {@code g1[off1 ..]} and {@code g2[off2 ..]}
     * (each [H, E], row-major); then {@link #size()} pairs in {@link #ids()} and {@link #scores()}.
     */
    public void compute(float[] g1, int off1, float[] g2, int off2) {
        gatherSelected(g1, off1, selected1, count1);
        gatherSelected(g2, off2, selected2, count2);
        int n = 0;
        for (int h = 0; h < heads; h++) {
            int base = h * experts;
            for (int a = 0; a < count1[h]; a++) {
                int i = selected1[base + a];
                float w1 = g1[off1 + base + i];
                int row = i * experts;
                for (int b = 0; b < count2[h]; b++) {
                    int j = selected2[base + b];
                    float w = w1 * g2[off2 + base + j];
                    if (w == 0f) continue; // underflow: keeps "scratch is zero" meaning "not yet listed"
                    int id = row + j;
                    if (scratch[id] == 0f) ids[n++] = id;
                    scratch[id] += w;
                }
            }
        }
        for (int k = 0; k < n; k++) {
            scores[k] = scratch[ids[k]];
            scratch[ids[k]] = 0f;
        }
        size = n;
    }

    private void gatherSelected(float[] g, int off, int[] selected, int[] count) {
        for (int h = 0; h < heads; h++) {
            int base = h * experts, c = 0;
            for (int e = 0; e < experts; e++) if (g[off + base + e] != 0f) selected[base + c++] = e;
            count[h] = c;
        }
    }

    public int size() { return size; }

    /** How many of the scores exceed {@code threshold}. */
    public int countAbove(double threshold) {
        int n = 0;
        for (int k = 0; k < size; k++) if (scores[k] > threshold) n++;
        return n;
    }

    /**
     * The {@code n} highest scores, highest first (ties: lower id first), into {@code topIds} and {@code topScores};
     * returns how many there were (fewer when fewer experts have a nonzero score).
     */
    public int top(int n, int[] topIds, float[] topScores) {
        int m = Math.min(n, size);
        boolean[] taken = new boolean[size];
        for (int r = 0; r < m; r++) {
            int best = -1;
            for (int k = 0; k < size; k++) {
                if (taken[k]) continue;
                if (best < 0 || scores[k] > scores[best] || (scores[k] == scores[best] && ids[k] < ids[best])) best = k;
            }
            taken[best] = true;
            topIds[r] = ids[best];
            topScores[r] = scores[best];
        }
        return m;
    }

    /** Expert ids of the nonzero scores (first {@link #size()} entries valid). */
    public int[] ids() { return ids; }

    public float[] scores() { return scores; }
}
