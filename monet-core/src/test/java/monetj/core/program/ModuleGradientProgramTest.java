package monetj.core.program;

import static org.junit.jupiter.api.Assertions.*;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import monetj.core.autodiff.Autodiff;
import monetj.core.dsl.Tensor;
import monetj.core.exec.JavaExecutor;
import monetj.core.nn.Initializer;
import monetj.core.nn.Linear;
import monetj.core.nn.Module;
import monetj.core.nn.Param;
import monetj.core.nn.ParamTree;
import monetj.core.tensor.DType;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Shape;
import monetj.core.tensor.TensorType;
import org.junit.jupiter.api.Test;

/**
 * A value-and-grad program of a module, traced through the module tree with its signature: gradients of the
 * trainable parameters by name (buffers are not differentiated), checked against finite differences and by
 * training; arguments and results are bound by leaf name.
 */
class ModuleGradientProgramTest {
    private static final JavaExecutor EXECUTOR = new JavaExecutor();
    private static final int IN = 4, HIDDEN = 5, CLASSES = 3, BATCH = 16;

    /** Two layers, tanh between, and a non-trainable input scale (a buffer). */
    static final class Mlp extends Module {
        final Param inputScale;
        final Linear fc1, fc2;

        Mlp(DType dtype) {
            inputScale = buffer("input_scale", dtype, Shape.of(IN), Initializer.constant(1.5));
            fc1 = child("fc1", new Linear(IN, HIDDEN, true, dtype, Initializer.normal(0.5)));
            fc2 = child("fc2", new Linear(HIDDEN, CLASSES, true, dtype, Initializer.normal(0.5)));
        }

        Tensor logits(ParamTree<Tensor> p, Tensor x) { return fc2.forward(p, fc1.forward(p, x.mul(p.get(inputScale))).tanh()); }
    }

    /** Mean cross-entropy (metric {@code loss}), the logits, and {@code grad.<path>} of every trainable parameter. */
    private static Program valueAndGrad(Mlp m, DType dtype) {
        ProgramBuilder b = new ProgramBuilder("mlp_step");
        ParamTree<Tensor> p = b.variables(m, false, false);
        Tensor x = b.input("batch", "x", TensorType.of(dtype, BATCH, IN)), labels = b.input("batch", "labels", TensorType.of(DType.S32, BATCH));
        Tensor logits = m.logits(p, x);
        Tensor loss = logits.crossEntropy(labels);
        List<Tensor> grads = Autodiff.grad(loss, m.parameters().stream().map(p::get).toList());
        b.metric("loss", loss, MetricCombine.MEAN);
        b.output("logits", "logits", logits);
        for (int i = 0; i < grads.size(); i++) b.output("grads", "grad." + m.parameters().get(i).path(), grads.get(i));
        return b.build();
    }

    private static Map<String, HostTensor> batch(DType dtype, long seed) {
        Random rnd = new Random(seed);
        double[] x = new double[BATCH * IN];
        int[] labels = new int[BATCH];
        for (int b = 0; b < BATCH; b++) {
            for (int i = 0; i < IN; i++) x[b * IN + i] = rnd.nextGaussian();
            // a learnable rule: the class is the index of the largest of the first three features
            int best = 0;
            for (int c = 1; c < CLASSES; c++) if (x[b * IN + c] > x[b * IN + best]) best = c;
            labels[b] = best;
        }
        return Map.of("x", HostTensor.fromDoubles(dtype, Shape.of(BATCH, IN), x), "labels", HostTensor.of(Shape.of(BATCH), labels));
    }

    private static Map<String, HostTensor> args(ParamTree<HostTensor> params, Map<String, HostTensor> data) {
        Map<String, HostTensor> a = new LinkedHashMap<>(params.asMap());
        a.putAll(data);
        return a;
    }

    @Test
    void signatureNamesEveryLeaf() {
        Mlp m = new Mlp(DType.F32);
        Signature s = valueAndGrad(m, DType.F32).signature();
        assertEquals(List.of("fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"), s.inputs("params").stream().map(Leaf::name).toList());
        assertEquals(List.of("input_scale"), s.inputs("buffers").stream().map(Leaf::name).toList());
        assertEquals(List.of("grad.fc1.weight", "grad.fc1.bias", "grad.fc2.weight", "grad.fc2.bias"), s.outputs("grads").stream().map(Leaf::name).toList(),
                "buffers are not differentiated");
        assertEquals(MetricCombine.MEAN, s.output("loss").combine());
        assertEquals(TensorType.of(DType.F32, BATCH, CLASSES), s.output("logits").type());
        var e = assertThrows(IllegalArgumentException.class, () -> EXECUTOR.run(valueAndGrad(m, DType.F32), m.init(1).filter(k -> !k.equals("fc1.bias")).asMap()));
        assertTrue(e.getMessage().contains("'fc1.bias'"), e.getMessage());
    }

    @Test
    void sgdOnTheExecutorLowersTheLoss() {
        Mlp m = new Mlp(DType.F32);
        Program step = valueAndGrad(m, DType.F32);
        ParamTree<HostTensor> params = m.init(1);
        Map<String, HostTensor> data = batch(DType.F32, 2);
        double first = Double.NaN, previous = Double.POSITIVE_INFINITY, last = Double.NaN;
        for (int s = 0; s < 30; s++) {
            Map<String, HostTensor> r = EXECUTOR.run(step, args(params, data));
            last = r.get("loss").getDouble(0);
            if (s == 0) first = last;
            if (s < 5) assertTrue(last < previous, "step " + s + ": loss " + last + " after " + previous);
            previous = last;
            params = params.map((name, w) -> r.containsKey("grad." + name) ? sgd(w, r.get("grad." + name)) : w);
        }
        assertTrue(last < 0.6 * first, "loss went from " + first + " to " + last);
        assertArrayEquals(new float[] {1.5f, 1.5f, 1.5f, 1.5f}, params.get("input_scale").floats(), "buffer untouched");
    }

    private static HostTensor sgd(HostTensor w, HostTensor g) {
        float[] a = w.floats().clone(), b = g.floats();
        for (int i = 0; i < a.length; i++) a[i] -= 0.5f * b[i];
        return HostTensor.of(w.shape(), a);
    }

    @Test
    void wholeMlpGradientMatchesFiniteDifferences() {
        Mlp m = new Mlp(DType.F64);
        Program program = valueAndGrad(m, DType.F64);
        ParamTree<HostTensor> params = m.init(3);
        Map<String, HostTensor> data = batch(DType.F64, 4);
        Map<String, HostTensor> analytic = EXECUTOR.run(program, args(params, data));
        double eps = 1e-6;
        for (Param p : m.parameters()) {
            double[] w = params.get(p).doubles();
            double[] g = analytic.get("grad." + p.path()).doubles();
            for (int i = 0; i < w.length; i++) {
                double plus = lossWith(program, params, p.path(), w, i, eps, data), minus = lossWith(program, params, p.path(), w, i, -eps, data);
                double numeric = (plus - minus) / (2 * eps);
                assertEquals(numeric, g[i], 1e-7 * Math.max(1, Math.abs(numeric)), p.path() + " element " + i);
            }
        }
    }

    private static double lossWith(Program p, ParamTree<HostTensor> params, String name, double[] w, int i, double delta, Map<String, HostTensor> data) {
        double[] moved = w.clone();
        moved[i] += delta;
        ParamTree<HostTensor> changed = params.map((k, t) -> k.equals(name) ? HostTensor.of(t.shape(), moved) : t);
        return EXECUTOR.run(p, args(changed, data)).get("loss").getDouble(0);
    }
}
