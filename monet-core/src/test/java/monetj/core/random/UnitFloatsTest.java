package monetj.core.random;

import static monetj.core.testing.GraphTesting.run1;
import static org.junit.jupiter.api.Assertions.*;

import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Shape;
import org.apache.commons.statistics.distribution.NormalDistribution;
import org.junit.jupiter.api.Test;

class UnitFloatsTest {
    private static final HostTensor EDGES = HostTensor.of(Shape.of(5), new int[] {0, 0x1ff, 0x200, 0x80000000, 0xffffffff});

    @Test
    void uniformIsTheTop23BitsTimesTwoToTheMinus23Exactly() {
        float[] u = run1(p -> UnitFloats.uniform(p.get(0)), EDGES).floats();
        int[] bits = EDGES.ints();
        for (int i = 0; i < bits.length; i++) assertEquals((bits[i] >>> 9) * 0x1p-23f, u[i], 0f, "bits " + Integer.toHexString(bits[i]));
        assertEquals(0f, u[0]);
        assertEquals(1 - 0x1p-23f, u[4], "the largest value is below one");
    }

    @Test
    void symmetricReachesNeitherEnd() {
        float[] s = run1(p -> UnitFloats.symmetric(p.get(0)), EDGES).floats();
        int[] bits = EDGES.ints();
        for (int i = 0; i < bits.length; i++) assertEquals((2 * (bits[i] >>> 9) + 1 - (1 << 23)) * 0x1p-23f, s[i], 0f);
        assertEquals(-(1 - 0x1p-23f), s[0]);
        assertEquals(1 - 0x1p-23f, s[4]);
    }

    /** sqrt(2) erfinv(2p - 1) is the standard normal quantile; compared with Apache Commons Statistics' in f64. */
    @Test
    void inverseErfGivesNormalQuantiles() {
        float[] x = new float[41];
        for (int i = 0; i < x.length; i++) x[i] = i == 0 ? -(1 - 0x1p-23f) : i == 40 ? 1 - 0x1p-23f : -1 + i / 20f;
        float[] y = run1(p -> InverseErf.of(p.get(0)), HostTensor.of(Shape.of(x.length), x)).floats();
        NormalDistribution normal = NormalDistribution.of(0, 1);
        for (int i = 0; i < x.length; i++) {
            double exact = normal.inverseCumulativeProbability((x[i] + 1.0) / 2) / Math.sqrt(2);
            assertEquals(exact, y[i], 2e-6 * Math.abs(exact) + 1e-7, "erfinv(" + x[i] + ")");
        }
    }
}
