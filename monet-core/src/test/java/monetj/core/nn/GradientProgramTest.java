package monetj.core.nn;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.Random;
import monetj.core.dsl.Tensor;
import monetj.core.exec.JavaExecutor;
import monetj.core.tensor.DType;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Shape;
import monetj.core.tensor.TensorType;
import org.junit.jupiter.api.Test;

class GradientProgramTest {
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

    /** Mean cross-entropy of the MLP on (x, labels); the logits ride along as a second value. */
    private static GradientProgram.Objective objective(Mlp m) {
        return (p, in) -> {
            Tensor logits = m.logits(p, in.get(0));
            return List.of(logits.crossEntropy(in.get(1)), logits);
        };
    }

    private static List<HostTensor> batch(DType dtype, long seed) {
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
        return List.of(HostTensor.fromDoubles(dtype, Shape.of(BATCH, IN), x), HostTensor.of(Shape.of(BATCH), labels));
    }

    private static List<TensorType> inputTypes(DType dtype) { return List.of(TensorType.of(dtype, BATCH, IN), TensorType.of(DType.S32, BATCH)); }

    @Test
    void sgdOnTheExecutorLowersTheLoss() {
        Mlp m = new Mlp(DType.F32);
        GradientProgram step = GradientProgram.valueAndGrad("mlp_step", m, inputTypes(DType.F32), objective(m));
        assertEquals(List.of("fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"), step.gradientNames(), "buffers are not differentiated");
        assertEquals(2, step.valueCount());
        ParamTree<HostTensor> params = m.init(1);
        List<HostTensor> data = batch(DType.F32, 2);
        double first = Double.NaN, previous = Double.POSITIVE_INFINITY, last = Double.NaN;
        for (int s = 0; s < 30; s++) {
            GradientProgram.Result r = step.run(EXECUTOR, params, data);
            last = r.loss().getDouble(0);
            if (s == 0) first = last;
            if (s < 5) assertTrue(last < previous, "step " + s + ": loss " + last + " after " + previous);
            previous = last;
            assertEquals(Shape.of(BATCH, CLASSES), r.values().get(1).shape());
            params = params.updatedWith(ParamTree.zip(params.filter(r.gradients()::contains), r.gradients(), GradientProgramTest::sgd));
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
        GradientProgram program = GradientProgram.valueAndGrad("mlp_f64", m, inputTypes(DType.F64), objective(m));
        ParamTree<HostTensor> params = m.init(3);
        List<HostTensor> data = batch(DType.F64, 4);
        ParamTree<HostTensor> analytic = program.run(EXECUTOR, params, data).gradients();
        double eps = 1e-6;
        for (String name : analytic.names()) {
            double[] w = params.get(name).doubles();
            double[] g = analytic.get(name).doubles();
            for (int i = 0; i < w.length; i++) {
                double plus = lossWith(program, params, name, w, i, eps, data), minus = lossWith(program, params, name, w, i, -eps, data);
                double numeric = (plus - minus) / (2 * eps);
                assertEquals(numeric, g[i], 1e-7 * Math.max(1, Math.abs(numeric)), name + " element " + i);
            }
        }
    }

    private static double lossWith(GradientProgram p, ParamTree<HostTensor> params, String name, double[] w, int i, double delta, List<HostTensor> data) {
        double[] moved = w.clone();
        moved[i] += delta;
        ParamTree<HostTensor> changed = params.updatedWith(ParamTree.of(List.of(name), List.of(HostTensor.of(params.get(name).shape(), moved))));
        return p.run(EXECUTOR, changed, data).loss().getDouble(0);
    }

    @Test
    void chosenSubsetAndGradOnly() {
        Mlp m = new Mlp(DType.F64);
        ParamTree<HostTensor> params = m.init(5);
        List<HostTensor> data = batch(DType.F64, 6);
        GradientProgram all = GradientProgram.valueAndGrad("all", m, inputTypes(DType.F64), objective(m));
        GradientProgram head = GradientProgram.grad("head", m.types(), m.shardings(), inputTypes(DType.F64), k -> k.startsWith("fc2."), objective(m));
        assertEquals(List.of("fc2.weight", "fc2.bias"), head.gradientNames());
        assertEquals(0, head.valueCount());
        GradientProgram.Result full = all.run(EXECUTOR, params, data), part = head.run(EXECUTOR, params, data);
        for (String k : part.gradients().names()) assertTrue(full.gradients().get(k).contentEquals(part.gradients().get(k)), k);
        assertThrows(IllegalStateException.class, part::loss);
        var e = assertThrows(IllegalArgumentException.class, () -> head.run(EXECUTOR, params.filter(k -> !k.equals("fc1.bias")), data));
        assertTrue(e.getMessage().contains("missing [fc1.bias]"), e.getMessage());
        var e2 = assertThrows(IllegalArgumentException.class,
                () -> GradientProgram.grad("vector", m.types(), m.shardings(), inputTypes(DType.F64), k -> true, (p, in) -> List.of(m.logits(p, in.get(0)))));
        assertTrue(e2.getMessage().contains("floating point scalar") && e2.getMessage().contains("f64[16, 3]"), e2.getMessage());
    }
}
