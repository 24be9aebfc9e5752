package monetj.core.nn;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Arrays;
import java.util.List;
import monetj.core.dsl.Tensor;
import monetj.core.exec.JavaExecutor;
import monetj.core.ir.Graph;
import monetj.core.tensor.DType;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Shape;
import monetj.core.tensor.TensorType;
import org.apache.commons.statistics.distribution.ContinuousDistribution;
import org.apache.commons.statistics.distribution.NormalDistribution;
import org.apache.commons.statistics.distribution.TruncatedNormalDistribution;
import org.apache.commons.statistics.distribution.UniformContinuousDistribution;
import org.junit.jupiter.api.Test;

/** The in-graph initialisers on large samples: moments, bounds and the whole distribution (Kolmogorov-Smirnov). */
class InitializerTest {
    private static HostTensor draw(Initializer init, TensorType type, long seed) {
        Graph g = new Graph("draw");
        Tensor s = new Tensor(g, g.parameter("seed", TensorType.of(DType.S64)));
        Tensor[] key = VariableInit.key(s, "w");
        g.setOutputs(List.of(init.trace(key[0], key[1], type).value()));
        return new JavaExecutor().run(g, List.of(HostTensor.of(Shape.SCALAR, new long[] {seed}))).get(0);
    }

    private static double[] draw(Initializer init, int n) { return draw(init, TensorType.of(DType.F32, n), 3).doubles(); }

    private static double mean(double[] v) { return Arrays.stream(v).average().orElseThrow(); }

    private static double std(double[] v) {
        double m = mean(v);
        return Math.sqrt(Arrays.stream(v).map(x -> (x - m) * (x - m)).sum() / v.length);
    }

    /** The Kolmogorov-Smirnov distance between the sample and {@code d}, below its 0.1% critical value 1.95 / sqrt(n). */
    private static void assertDistributed(ContinuousDistribution d, double[] v) {
        double[] x = v.clone();
        Arrays.sort(x);
        double worst = 0;
        for (int i = 0; i < x.length; i++) {
            double f = d.cumulativeProbability(x[i]);
            worst = Math.max(worst, Math.max(f - (double) i / x.length, (i + 1.0) / x.length - f));
        }
        assertTrue(worst < 1.95 / Math.sqrt(x.length), "Kolmogorov-Smirnov distance " + worst + " over " + x.length + " values");
    }

    @Test
    void normalHasTheRequestedDistribution() {
        double[] v = draw(Initializer.normal(0.5), 200_000);
        assertEquals(0, mean(v), 0.005); // 4.5 standard errors of the mean
        assertEquals(0.5, std(v), 0.005);
        assertDistributed(NormalDistribution.of(0, 0.5), v);
    }

    @Test
    void truncatedNormalStaysWithinTwoDeviations() {
        double[] v = draw(Initializer.truncatedNormal(0.1), 200_000);
        for (double x : v) assertTrue(Math.abs(x) <= 0.2f, "value " + x);
        // a standard normal cut at +-2 has standard deviation 0.8796
        assertEquals(0.08796, std(v), 0.0005);
        assertDistributed(TruncatedNormalDistribution.of(0, 0.1, -0.2, 0.2), v);
        assertTrue(Arrays.stream(v).map(Math::abs).max().orElseThrow() > 0.199, "the tails reach the bounds");
    }

    @Test
    void uniformAndConstants() {
        double[] v = draw(Initializer.uniform(-1, 3), 200_000);
        for (double x : v) assertTrue(x >= -1 && x < 3, "value " + x);
        assertEquals(1, mean(v), 0.02);
        assertDistributed(UniformContinuousDistribution.of(-1, 3), v);
        assertArrayEquals(new float[] {2.5f, 2.5f}, draw(Initializer.constant(2.5), TensorType.of(DType.F32, 2), 0).floats());
        HostTensor bf = draw(Initializer.ones(), TensorType.of(DType.BF16, 3), 0);
        assertEquals(DType.BF16, bf.dtype());
        assertArrayEquals(new double[] {1, 1, 1}, bf.doubles());
        assertEquals(Shape.of(2, 0), draw(Initializer.normal(1), TensorType.of(DType.F32, 2, 0), 1).shape());
        assertEquals(DType.F64, draw(Initializer.normal(1), TensorType.of(DType.F64, 3), 1).dtype());
    }

    @Test
    void perParameterSeedsDifferByPathAndSeed() {
        assertEquals(Initializer.seedFor(5, "model.a"), Initializer.seedFor(5, "model.a"));
        assertNotEquals(Initializer.seedFor(5, "model.a"), Initializer.seedFor(5, "model.b"));
        assertNotEquals(Initializer.seedFor(5, "model.a"), Initializer.seedFor(6, "model.a"));
        assertThrows(IllegalArgumentException.class, () -> Initializer.uniform(1, 1));
        assertThrows(IllegalArgumentException.class, () -> Initializer.normal(-1));
    }

    /** The key the graph computes is seedFor(seed, path), 64-bit wrapping, split into its two words. */
    @Test
    void theInGraphKeyIsSeedForSplitIntoWords() {
        for (long seed : new long[] {0, 1, -1, 42, Long.MAX_VALUE, Long.MIN_VALUE, 0x123456789abcdefL}) {
            Graph g = new Graph("key");
            Tensor s = new Tensor(g, g.parameter("seed", TensorType.of(DType.S64)));
            Tensor[] key = VariableInit.key(s, "model.layers.0.mlp.u1");
            g.setOutputs(List.of(key[0].value(), key[1].value()));
            List<HostTensor> out = new JavaExecutor().run(g, List.of(HostTensor.of(Shape.SCALAR, new long[] {seed})));
            long expected = Initializer.seedFor(seed, "model.layers.0.mlp.u1");
            assertEquals((int) (expected >>> 32), out.get(0).ints()[0], "high word, seed " + seed);
            assertEquals((int) expected, out.get(1).ints()[0], "low word, seed " + seed);
        }
    }
}
