package monetj.data.iter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class WindowPermutationTest {
    private static long[] order(long n, long seed, long epoch) {
        WindowPermutation p = new WindowPermutation(n, seed, epoch);
        long[] out = new long[(int) n];
        for (int i = 0; i < n; i++) out[i] = p.apply(i);
        return out;
    }

    @Test
    void isAPermutationForAnySize() {
        for (long n : new long[] {1, 2, 3, 5, 64, 1000, 4097, 123_457}) {
            long[] o = order(n, 42, 0);
            boolean[] seen = new boolean[(int) n];
            for (long x : o) {
                assertTrue(x >= 0 && x < n && !seen[(int) x], "value " + x + " repeated or out of range for n = " + n);
                seen[(int) x] = true;
            }
        }
    }

    @Test
    void dependsOnSeedAndEpochAndOnNothingElse() {
        assertEquals(Arrays.toString(order(1000, 7, 3)), Arrays.toString(order(1000, 7, 3)));
        assertNotEquals(Arrays.toString(order(1000, 7, 3)), Arrays.toString(order(1000, 8, 3)));
        assertNotEquals(Arrays.toString(order(1000, 7, 3)), Arrays.toString(order(1000, 7, 4)));
    }

    @Test
    void actuallyShuffles() {
        long[] o = order(10_000, 1, 0);
        int fixedPoints = 0;
        for (int i = 0; i < o.length; i++) if (o[i] == i) fixedPoints++;
        assertTrue(fixedPoints < 50, fixedPoints + " of 10000 positions unmoved");
    }
}
