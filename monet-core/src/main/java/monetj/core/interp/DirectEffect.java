package monetj.core.interp;

import java.util.Map;
import java.util.stream.IntStream;
import monetj.core.model.MonetConfig;
import monetj.core.tensor.HostTensor;

/**
 * The output tokens a composed expert promotes: its direct effect through the LM head. Definition: the expert's
 * unit-activation output, summed over the layers of its group, read out by the final norm's gain and the LM head,
 * {@code effect_ij = W_U diag(g_norm) Σ_{l in group} E^l_ij(σ ≡ 1)}, where {@code E_ij(σ ≡ 1)} is expert (i, j)'s
 * output with every hidden activation set to 1: HD {@code V_j 1 + b2_j}; VD
 * {@code [V11_i 1 + V12_i 1 + b12_i ; V21_j 1 + V22_j 1 + b22_j]}. It is a property of the weights alone (no
 * context, no per-token norm scale, no later layers), like a neuron's {@code W_U W_out} in a dense MLP. With the HD
 * decomposition it depends on j only; with VD it is the sum of an i table (first half of the residual) and a j table.
 */
public final class DirectEffect {
    private final MonetConfig config;
    private final int vocab;
    private final float[] tableI, tableJ; // [E, V] logit contributions; tableI null for HD

    private DirectEffect(MonetConfig config, float[] tableI, float[] tableJ) {
        this.config = config;
        this.vocab = config.vocabSize();
        this.tableI = tableI;
        this.tableJ = tableJ;
    }

    /** Precomputes the per-axis logit tables of group {@code g} from f32 weights by HF name. */
    public static DirectEffect of(MonetConfig c, Map<String, HostTensor> w, int g) {
        int d = c.hiddenSize(), e = c.moeExperts(), first = c.routerLayers().get(g);
        int last = Math.min(c.numHiddenLayers(), first + c.moeGroups());
        float[] unembed = w.get(c.tieWordEmbeddings() ? "model.embed_tokens.weight" : "lm_head.weight").floats();
        float[] gain = w.get("model.norm.weight").floats();
        boolean hd = c.moeDecompose() == MonetConfig.Decompose.HORIZONTAL;
        if (hd) {
            float[] a = new float[e * d];
            for (int l = first; l < last; l++) {
                String p = "model.layers." + l + ".moe.";
                addValueSums(a, w.get(p + "v.weight").floats(), d, e, c.moeDim());
                addBias(a, w.get(p + "b").floats(), e, d);
            }
            return new DirectEffect(c, null, logits(a, e, d, unembed, gain, 0, d, c.vocabSize()));
        }
        int half = d / 2, m = c.moeDim() / 2;
        float[] p1 = new float[e * half], q2 = new float[e * half];
        for (int l = first; l < last; l++) {
            String p = "model.layers." + l + ".moe.";
            addValueSums(p1, w.get(p + "v11.weight").floats(), half, e, m);
            addValueSums(p1, w.get(p + "v12.weight").floats(), half, e, m);
            addBias(p1, w.get(p + "b1").floats(), e, half);
            addValueSums(q2, w.get(p + "v21.weight").floats(), half, e, m);
            addValueSums(q2, w.get(p + "v22.weight").floats(), half, e, m);
            addBias(q2, w.get(p + "b2").floats(), e, half);
        }
        return new DirectEffect(c, logits(p1, e, half, unembed, gain, 0, d, c.vocabSize()), logits(q2, e, half, unembed, gain, half, d, c.vocabSize()));
    }

    /** out[x, k] += Σ_r v[k, x*m + r] for a value matrix v [rows, E*m]: expert x's value columns at unit activation. */
    private static void addValueSums(float[] out, float[] v, int rows, int e, int m) {
        int cols = e * m;
        for (int k = 0; k < rows; k++) {
            for (int x = 0; x < e; x++) {
                float s = 0;
                for (int r = 0; r < m; r++) s += v[k * cols + x * m + r];
                out[x * rows + k] += s;
            }
        }
    }

    private static void addBias(float[] out, float[] b, int e, int width) {
        for (int x = 0; x < e; x++) for (int k = 0; k < width; k++) out[x * width + k] += b[x * width + k];
    }

    /** [E, V] = vectors [E, n] against unembedding columns offset..offset+n (times the norm gain). */
    private static float[] logits(float[] vectors, int e, int n, float[] unembed, float[] gain, int offset, int d, int vocab) {
        float[] out = new float[e * vocab];
        IntStream.range(0, vocab).parallel().forEach(t -> {
            for (int x = 0; x < e; x++) {
                float s = 0;
                for (int k = 0; k < n; k++) s += unembed[t * d + offset + k] * gain[offset + k] * vectors[x * n + k];
                out[x * vocab + t] = s;
            }
        });
        return out;
    }

    /** The {@code k} most promoted token ids of expert {@code id} (highest effect first), with their logit effects. */
    public int top(int id, int k, int[] tokens, float[] effects) {
        int e = config.moeExperts(), i = id / e, j = id % e;
        int n = Math.min(k, vocab);
        for (int r = 0; r < n; r++) effects[r] = Float.NEGATIVE_INFINITY;
        for (int t = 0; t < vocab; t++) {
            float v = tableJ[j * vocab + t] + (tableI == null ? 0 : tableI[i * vocab + t]);
            if (v <= effects[n - 1]) continue;
            int pos = n - 1;
            while (pos > 0 && effects[pos - 1] < v) {
                effects[pos] = effects[pos - 1];
                tokens[pos] = tokens[pos - 1];
                pos--;
            }
            effects[pos] = v;
            tokens[pos] = t;
        }
        return n;
    }
}
