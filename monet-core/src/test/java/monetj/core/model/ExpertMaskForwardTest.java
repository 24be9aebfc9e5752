package monetj.core.model;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import monetj.core.dsl.Tensor;
import monetj.core.exec.JavaExecutor;
import monetj.core.ir.Graph;
import monetj.core.nn.ParamTree;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Shape;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The masked expert layers (spec §11.2) against their definition: an all-zero mask changes nothing, and with a
 * random mask the output is {@code Σ_h Σ_i Σ_j ĝ1[h,i] ĝ2[h,j] (1 - M[i,j]) E_ij(z)} with every composed expert
 * E_ij evaluated on its own, in double precision.
 */
class ExpertMaskForwardTest {
    private static final int B = 2, T = 3;

    @ParameterizedTest
    @ValueSource(strings = {"horizontal", "vertical"})
    void maskedForwardIsTheDenseSumOverUnmaskedExperts(String decompose) throws Exception {
        MonetConfig c = MonetConfig.read(MonetGoldenTest.GOLDEN.resolve("tiny-vd.config.json"));
        c = new MonetConfig(c.vocabSize(), c.hiddenSize(), c.numHiddenLayers(), c.numAttentionHeads(), c.numKeyValueHeads(), c.headDim(),
                c.maxPositionEmbeddings(), c.rmsNormEps(), c.ropeTheta(), c.initializerRange(), false, "relu2",
                decompose.equals("horizontal") ? MonetConfig.Decompose.HORIZONTAL : MonetConfig.Decompose.VERTICAL, c.moeDim(), 3, c.moeExperts(),
                c.moeTopk(), c.moeGroups(), 1, 2, null);
        int d = c.hiddenSize(), h = c.moeHeads(), e = c.moeExperts();
        Random rnd = new Random(7);
        ExpertLayer layer = ExpertLayer.of(c, monetj.core.nn.Precision.F32);
        Map<String, HostTensor> weights = new LinkedHashMap<>();
        layer.types().asMap().forEach((name, t) -> weights.put(name, randomNormal(rnd, t.shape(), 0.3)));
        HostTensor z = randomNormal(rnd, Shape.of(B, T, d), 1.0);
        HostTensor g1 = sparseRouting(rnd, h, e), g2 = sparseRouting(rnd, h, e);
        float[] mask = new float[e * e];
        for (int k = 0; k < mask.length; k++) mask[k] = rnd.nextDouble() < 0.4 ? 1f : 0f;

        float[] unmasked = run(layer, weights, z, g1, g2, null);
        float[] zeroMasked = run(layer, weights, z, g1, g2, HostTensor.of(Shape.of(e, e), new float[e * e]));
        float[] masked = run(layer, weights, z, g1, g2, HostTensor.of(Shape.of(e, e), mask));
        double[] reference = denseReference(c, weights, z.floats(), g1.floats(), g2.floats(), mask);
        double[] referenceUnmasked = denseReference(c, weights, z.floats(), g1.floats(), g2.floats(), new float[e * e]);

        assertClose(referenceUnmasked, unmasked, "unmasked layer vs the dense sum");
        assertClose(referenceUnmasked, zeroMasked, "all-zero mask vs the dense sum");
        for (int i = 0; i < unmasked.length; i++) assertEquals(unmasked[i], zeroMasked[i], 1e-5 * (1 + Math.abs(unmasked[i])), "all-zero mask, element " + i);
        assertClose(reference, masked, "random mask vs the dense sum over unmasked experts");
        double change = 0;
        for (int i = 0; i < masked.length; i++) change += Math.abs(masked[i] - unmasked[i]);
        assertTrue(change > 1e-2, "the mask must change the output");
    }

    private static float[] run(ExpertLayer layer, Map<String, HostTensor> weights, HostTensor z, HostTensor g1, HostTensor g2, HostTensor removed) {
        Graph g = new Graph("experts");
        Map<String, Tensor> p = new LinkedHashMap<>();
        List<HostTensor> args = new ArrayList<>();
        weights.forEach((name, t) -> {
            p.put(name, new Tensor(g, g.parameter(name, t.type())));
            args.add(t);
        });
        Tensor zt = new Tensor(g, g.parameter("z", z.type())), a = new Tensor(g, g.parameter("g1", g1.type())), b = new Tensor(g, g.parameter("g2", g2.type()));
        args.addAll(List.of(z, g1, g2));
        Tensor m = null;
        if (removed != null) {
            m = new Tensor(g, g.parameter("mask", removed.type()));
            args.add(removed);
        }
        g.setOutputs(List.of(layer.forward(ParamTree.of(p), zt, a, b, m).value()));
        return new JavaExecutor().run(g, args).get(0).floats();
    }

    /** Σ_h Σ_i Σ_j ĝ1 ĝ2 (1 - M) E_ij(z), each E_ij from its own slices of the weights (spec §4.1, §5.1). */
    private static double[] denseReference(MonetConfig c, Map<String, HostTensor> w, float[] z, float[] g1, float[] g2, float[] mask) {
        int d = c.hiddenSize(), h = c.moeHeads(), e = c.moeExperts(), m = c.moeDim();
        double[] out = new double[B * T * d];
        for (int tok = 0; tok < B * T; tok++) {
            for (int i = 0; i < e; i++) {
                for (int j = 0; j < e; j++) {
                    double weight = 0;
                    for (int hh = 0; hh < h; hh++) weight += (double) g1[(tok * h + hh) * e + i] * g2[(tok * h + hh) * e + j];
                    weight *= 1 - mask[i * e + j];
                    if (weight == 0) continue;
                    double[] expert = c.moeDecompose() == MonetConfig.Decompose.HORIZONTAL ? hdExpert(w, z, tok * d, d, m, i, j) : vdExpert(w, z, tok * d, d, m, i, j);
                    for (int k = 0; k < d; k++) out[tok * d + k] += weight * expert[k];
                }
            }
        }
        return out;
    }

    /** V_j σ(U_i z + b1_i) + b2_j. */
    private static double[] hdExpert(Map<String, HostTensor> w, float[] z, int zo, int d, int m, int i, int j) {
        float[] u = w.get("u.weight").floats(), ub = w.get("u.bias").floats(), v = w.get("v.weight").floats(), b = w.get("b").floats();
        int em = u.length / d;
        double[] hidden = activations(u, ub, z, zo, d, i * m, m);
        double[] out = new double[d];
        for (int k = 0; k < d; k++) {
            double s = b[j * d + k];
            for (int r = 0; r < m; r++) s += v[k * em + j * m + r] * hidden[r];
            out[k] = s;
        }
        return out;
    }

    /** [V11_i σ1_i + V12_i σ2_j + b12_i ; V21_j σ1_i + V22_j σ2_j + b22_j]. */
    private static double[] vdExpert(Map<String, HostTensor> w, float[] z, int zo, int d, int m, int i, int j) {
        int half = m / 2, hd = d / 2;
        double[] s1 = activations(w.get("u1.weight").floats(), w.get("u1.bias").floats(), z, zo, d, i * half, half);
        double[] s2 = activations(w.get("u2.weight").floats(), w.get("u2.bias").floats(), z, zo, d, j * half, half);
        double[] out = new double[d];
        float[] b1 = w.get("b1").floats(), b2 = w.get("b2").floats();
        int width = w.get("v11.weight").shape().dim(1);
        for (int k = 0; k < hd; k++) {
            out[k] = project(w.get("v11.weight").floats(), k, i, half, s1, width) + project(w.get("v12.weight").floats(), k, i, half, s2, width) + b1[i * hd + k];
            out[hd + k] = project(w.get("v21.weight").floats(), k, j, half, s1, width) + project(w.get("v22.weight").floats(), k, j, half, s2, width) + b2[j * hd + k];
        }
        return out;
    }

    /** Row k of V_x (columns x*half .. of a [d/2, width = E*half] matrix) times {@code a}. */
    private static double project(float[] v, int k, int x, int half, double[] a, int width) {
        double s = 0;
        for (int r = 0; r < half; r++) s += v[k * width + x * half + r] * a[r];
        return s;
    }

    /** relu(U_rows z + b)², rows {@code first .. first+n} of a [*, d] matrix. */
    private static double[] activations(float[] u, float[] bias, float[] z, int zo, int d, int first, int n) {
        double[] a = new double[n];
        for (int r = 0; r < n; r++) {
            double s = bias[first + r];
            for (int k = 0; k < d; k++) s += (double) u[(first + r) * d + k] * z[zo + k];
            s = Math.max(0, s);
            a[r] = s * s;
        }
        return a;
    }

    private static HostTensor randomNormal(Random rnd, Shape s, double scale) {
        float[] v = new float[Math.toIntExact(s.size())];
        for (int i = 0; i < v.length; i++) v[i] = (float) (rnd.nextGaussian() * scale);
        return HostTensor.of(s, v);
    }

    /** Per token and head a softmax over a random subset of 1-4 experts, exactly zero elsewhere (as the router gives). */
    private static HostTensor sparseRouting(Random rnd, int h, int e) {
        float[] g = new float[B * T * h * e];
        for (int row = 0; row < B * T * h; row++) {
            int n = 1 + rnd.nextInt(4);
            double sum = 0;
            double[] w = new double[e];
            for (int k = 0; k < n; k++) {
                int i = rnd.nextInt(e);
                if (w[i] == 0) sum += w[i] = Math.exp(rnd.nextGaussian());
            }
            for (int i = 0; i < e; i++) g[row * e + i] = (float) (w[i] / sum);
        }
        return HostTensor.of(Shape.of(B, T, h, e), g);
    }

    private static void assertClose(double[] want, float[] got, String what) {
        assertEquals(want.length, got.length, what);
        double num = 0, den = 0;
        for (int i = 0; i < want.length; i++) {
            num += Math.pow(got[i] - want[i], 2);
            den += want[i] * want[i];
        }
        assertTrue(Math.sqrt(num / den) < 1e-5, what + ": relative error " + Math.sqrt(num / den));
    }
}
