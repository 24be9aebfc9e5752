package monetj.core.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import monetj.core.autodiff.Autodiff;
import monetj.core.dsl.Tensor;
import monetj.core.exec.JavaExecutor;
import monetj.core.ir.Graph;
import monetj.core.tensor.DType;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Shape;

/** Runs small traced functions on the Java executor and checks gradients against finite differences. */
public final class GraphTesting {
    private static final JavaExecutor EXECUTOR = new JavaExecutor();

    private GraphTesting() {}

    /** Traces {@code f} over parameters typed like {@code args}, runs it once, returns its results. */
    public static List<HostTensor> run(Function<List<Tensor>, List<Tensor>> f, HostTensor... args) {
        Graph g = new Graph("test");
        List<Tensor> params = new ArrayList<>();
        for (int i = 0; i < args.length; i++) params.add(new Tensor(g, g.parameter("arg" + i, args[i].type())));
        List<Tensor> outs = f.apply(params);
        g.setOutputs(outs.stream().map(Tensor::value).toList());
        return EXECUTOR.run(g, List.of(args));
    }

    /** Single-result convenience form of {@link #run}. */
    public static HostTensor run1(Function<List<Tensor>, Tensor> f, HostTensor... args) {
        return run(p -> List.of(f.apply(p)), args).get(0);
    }

    public static HostTensor f32(Shape s, float... v) { return HostTensor.of(s, v); }

    public static HostTensor f64(Shape s, double... v) { return HostTensor.of(s, v); }

    /** Uniform random f64 values in [-1, 1) (or [lo, hi) when given). */
    public static HostTensor randomF64(Random rnd, Shape s, double lo, double hi) {
        double[] v = new double[s.intSize()];
        for (int i = 0; i < v.length; i++) v[i] = lo + (hi - lo) * rnd.nextDouble();
        return HostTensor.of(s, v);
    }

    public static HostTensor randomF64(Random rnd, Shape s) { return randomF64(rnd, s, -1, 1); }

    public static void assertClose(double[] expected, double[] actual, double tol) {
        assertEquals(expected.length, actual.length, "element count");
        for (int i = 0; i < expected.length; i++) {
            double err = Math.abs(expected[i] - actual[i]);
            if (!(err <= tol * Math.max(1, Math.abs(expected[i])))) {
                fail("element " + i + ": expected " + expected[i] + " but was " + actual[i] + " (tolerance " + tol + ")");
            }
        }
    }

    public static void assertClose(HostTensor expected, HostTensor actual, double tol) {
        assertEquals(expected.shape(), actual.shape(), "shape");
        assertClose(expected.doubles(), actual.doubles(), tol);
    }

    /**
     * Checks the reverse-mode gradient of {@code f} against central finite differences in f64. The scalar
     * checked is {@code sum(f(x) * w)} for a fixed random {@code w}, so every output cotangent is exercised.
     * Arguments that are not f64 (indices, masks) are passed through and not differentiated.
     */
    public static void checkGradient(Function<List<Tensor>, Tensor> f, HostTensor... args) {
        checkGradient(f, 1e-6, args);
    }

    public static void checkGradient(Function<List<Tensor>, Tensor> f, double tol, HostTensor... args) {
        Random rnd = new Random(42);
        HostTensor probeOut = run1(f, args);
        if (probeOut.dtype() != DType.F64) fail("gradient checks need an f64 result, got " + probeOut.type());
        HostTensor w = randomF64(rnd, probeOut.shape());
        Function<List<Tensor>, Tensor> scalar = p -> {
            Tensor y = f.apply(p);
            return y.mul(Tensor.constant(y.graph(), w)).sum();
        };
        List<Integer> diffArgs = new ArrayList<>();
        for (int i = 0; i < args.length; i++) if (args[i].dtype() == DType.F64) diffArgs.add(i);
        List<HostTensor> analytic = run(p -> {
            Tensor loss = scalar.apply(p);
            return Autodiff.grad(loss, diffArgs.stream().map(p::get).toList());
        }, args);
        double eps = 1e-6;
        for (int a = 0; a < diffArgs.size(); a++) {
            int ai = diffArgs.get(a);
            double[] x = args[ai].doubles().clone();
            double[] numeric = new double[x.length];
            for (int i = 0; i < x.length; i++) {
                double keep = x[i];
                x[i] = keep + eps;
                double plus = run1(scalar, with(args, ai, x)).getDouble(0);
                x[i] = keep - eps;
                double minus = run1(scalar, with(args, ai, x)).getDouble(0);
                x[i] = keep;
                numeric[i] = (plus - minus) / (2 * eps);
            }
            double[] got = analytic.get(a).doubles();
            for (int i = 0; i < x.length; i++) {
                double err = Math.abs(numeric[i] - got[i]);
                if (!(err <= tol * Math.max(1, Math.abs(numeric[i])))) {
                    fail("gradient of argument " + ai + " element " + i + ": finite differences give " + numeric[i] + ", autodiff " + got[i]);
                }
            }
        }
    }

    private static HostTensor[] with(HostTensor[] args, int i, double[] x) {
        HostTensor[] copy = args.clone();
        copy[i] = HostTensor.of(args[i].shape(), x.clone());
        return copy;
    }
}
