package monetj.core.nn;

import static org.junit.jupiter.api.Assertions.*;

import java.util.SplittableRandom;
import monetj.core.tensor.DType;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Shape;
import monetj.core.tensor.TensorType;
import org.junit.jupiter.api.Test;

class InitializerTest {
    private static double[] draw(Initializer init, int n) {
        return init.create(TensorType.of(DType.F64, n), new SplittableRandom(Initializer.seedFor(3, "w"))).doubles();
    }

    private static double mean(double[] v) { return java.util.Arrays.stream(v).average().orElseThrow(); }

    private static double std(double[] v) {
        double m = mean(v);
        return Math.sqrt(java.util.Arrays.stream(v).map(x -> (x - m) * (x - m)).sum() / v.length);
    }

    @Test
    void normalHasTheRequestedMoments() {
        double[] v = draw(Initializer.normal(0.5), 200_000);
        assertEquals(0, mean(v), 0.005); // 4.5 standard errors of the mean
        assertEquals(0.5, std(v), 0.005);
    }

    @Test
    void truncatedNormalStaysWithinTwoDeviations() {
        double[] v = draw(Initializer.truncatedNormal(0.1), 100_000);
        for (double x : v) assertTrue(Math.abs(x) <= 0.2, "value " + x);
        // a standard normal cut at +-2 has standard deviation 0.8796
        assertEquals(0.08796, std(v), 0.001);
    }

    @Test
    void uniformAndConstants() {
        double[] v = draw(Initializer.uniform(-1, 3), 100_000);
        for (double x : v) assertTrue(x >= -1 && x < 3, "value " + x);
        assertEquals(1, mean(v), 0.02);
        assertArrayEquals(new float[] {2.5f, 2.5f}, Initializer.constant(2.5).create(TensorType.of(DType.F32, 2), null).floats());
        HostTensor bf = Initializer.ones().create(TensorType.of(DType.BF16, 3), null);
        assertEquals(DType.BF16, bf.dtype());
        assertArrayEquals(new double[] {1, 1, 1}, bf.doubles());
        assertEquals(Shape.of(2, 0), Initializer.normal(1).create(TensorType.of(DType.F32, 2, 0), new SplittableRandom(1)).shape());
    }

    @Test
    void perParameterSeedsDifferByPathAndSeed() {
        assertEquals(Initializer.seedFor(5, "model.a"), Initializer.seedFor(5, "model.a"));
        assertNotEquals(Initializer.seedFor(5, "model.a"), Initializer.seedFor(5, "model.b"));
        assertNotEquals(Initializer.seedFor(5, "model.a"), Initializer.seedFor(6, "model.a"));
        assertThrows(IllegalArgumentException.class, () -> Initializer.uniform(1, 1));
        assertThrows(IllegalArgumentException.class, () -> Initializer.normal(-1));
    }
}
