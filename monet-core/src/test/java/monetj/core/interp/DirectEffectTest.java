package monetj.core.interp;

import static org.junit.jupiter.api.Assertions.*;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import monetj.core.model.MonetConfig;
import monetj.core.model.MonetModel;
import monetj.core.tensor.HostTensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The promoted tokens against their definition, expert by expert: W_U diag(g_norm) Σ_l E^l_ij(σ ≡ 1). */
class DirectEffectTest {
    @ParameterizedTest
    @EnumSource(MonetConfig.Decompose.class)
    void topTokensAreTheLargestLogitsOfTheUnitActivationOutput(MonetConfig.Decompose decompose) {
        MonetConfig c = new MonetConfig(40, 12, 3, 2, 2, 6, 32, 1e-6, 10000.0, 0.02, false, "relu2", decompose, 4, 2, 5, 2, 2, 1, 2, null);
        Random rnd = new Random(3);
        Map<String, HostTensor> w = new LinkedHashMap<>();
        new MonetModel(c).init(1).asMap().forEach((k, v) -> {
            float[] f = new float[Math.toIntExact(v.size())];
            for (int i = 0; i < f.length; i++) f[i] = (float) rnd.nextGaussian();
            w.put(k, v.dtype().isFloating() ? HostTensor.of(v.shape(), f) : v);
        });
        int d = c.hiddenSize(), e = c.moeExperts(), vocab = c.vocabSize();
        for (int g = 0; g < c.routerLayers().size(); g++) {
            DirectEffect effect = DirectEffect.of(c, w, g);
            for (int id = 0; id < e * e; id++) {
                double[] u = new double[d];
                int first = c.routerLayers().get(g);
                for (int l = first; l < Math.min(c.numHiddenLayers(), first + c.moeGroups()); l++) addUnitOutput(c, w, "model.layers." + l + ".moe.", id / e, id % e, u);
                double[] logits = new double[vocab];
                float[] head = w.get("lm_head.weight").floats(), gain = w.get("model.norm.weight").floats();
                for (int t = 0; t < vocab; t++) for (int k = 0; k < d; k++) logits[t] += head[t * d + k] * gain[k] * u[k];
                int[] tokens = new int[5];
                float[] values = new float[5];
                assertEquals(5, effect.top(id, 5, tokens, values));
                Integer[] order = new Integer[vocab];
                for (int t = 0; t < vocab; t++) order[t] = t;
                java.util.Arrays.sort(order, (a, b) -> Double.compare(logits[b], logits[a]));
                for (int r = 0; r < 5; r++) {
                    assertEquals(order[r], tokens[r], "group " + g + " expert " + id + " rank " + r);
                    assertEquals(logits[order[r]], values[r], 1e-4 * (1 + Math.abs(logits[order[r]])));
                }
            }
        }
    }

    /** E_ij with every activation 1: HD V_j 1 + b2_j; VD [V11_i 1 + V12_i 1 + b12_i ; V21_j 1 + V22_j 1 + b22_j]. */
    private static void addUnitOutput(MonetConfig c, Map<String, HostTensor> w, String p, int i, int j, double[] u) {
        int d = c.hiddenSize(), e = c.moeExperts();
        if (c.moeDecompose() == MonetConfig.Decompose.HORIZONTAL) {
            int m = c.moeDim();
            float[] v = w.get(p + "v.weight").floats(), b = w.get(p + "b").floats();
            for (int k = 0; k < d; k++) {
                for (int r = 0; r < m; r++) u[k] += v[k * e * m + j * m + r];
                u[k] += b[j * d + k];
            }
            return;
        }
        int m = c.moeDim() / 2, h = d / 2;
        float[] v11 = w.get(p + "v11.weight").floats(), v12 = w.get(p + "v12.weight").floats(), v21 = w.get(p + "v21.weight").floats(),
                v22 = w.get(p + "v22.weight").floats(), b1 = w.get(p + "b1").floats(), b2 = w.get(p + "b2").floats();
        for (int k = 0; k < h; k++) {
            for (int r = 0; r < m; r++) {
                u[k] += v11[k * e * m + i * m + r] + v12[k * e * m + i * m + r];
                u[h + k] += v21[k * e * m + j * m + r] + v22[k * e * m + j * m + r];
            }
            u[k] += b1[i * h + k];
            u[h + k] += b2[j * h + k];
        }
    }
}
