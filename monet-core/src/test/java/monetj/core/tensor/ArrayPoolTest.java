package monetj.core.tensor;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ArrayPoolTest {
    private static final int BIG = (int) (ArrayPool.MIN_BYTES / 4); // floats in the smallest pooled f32 array

    @Test
    void aDeadArrayOfTheSameTypeAndLengthIsHandedOutAgain() {
        ArrayPool pool = new ArrayPool();
        float[] dead = new float[BIG];
        Arrays.fill(dead, 7f);
        pool.giveIfDead(dead);
        assertEquals(ArrayPool.MIN_BYTES, pool.bytes());
        pool.within(() -> {
            assertNotSame(dead, ArrayPool.floatsForOverwrite(BIG + 1), "another length");
            assertNotSame(dead, ArrayPool.forOverwrite(DType.S32, BIG), "another type");
            float[] again = ArrayPool.floatsForOverwrite(BIG);
            assertSame(dead, again);
            assertEquals(7f, again[3], "for overwriting: left as it was");
            assertNotSame(dead, ArrayPool.floatsForOverwrite(BIG), "handed out once");
            return null;
        });
        assertEquals(0, pool.bytes());
        assertEquals(ArrayPool.MIN_BYTES, pool.reusedBytes());
    }

    @Test
    void zeroedArraysAreClearedAndTensorZerosStayZeros() {
        ArrayPool pool = new ArrayPool();
        short[] dead = new short[BIG * 2];
        Arrays.fill(dead, (short) -1);
        pool.giveIfDead(dead);
        float[] f = new float[BIG];
        Arrays.fill(f, Float.NaN);
        pool.giveIfDead(f);
        pool.within(() -> {
            HostTensor z = HostTensor.zeros(DType.BF16, Shape.of(2, BIG));
            assertSame(dead, z.shorts());
            for (short s : z.shorts()) assertEquals(0, s);
            float[] zf = ArrayPool.zeroedFloats(BIG);
            assertSame(f, zf);
            for (float v : zf) assertEquals(0, Float.floatToRawIntBits(v), "+0, not -0 or NaN");
            return null;
        });
        int large = (5 << 20) / 4 + 3; // over 4 MiB: cleared in slices on several threads, odd length
        float[] big = new float[large];
        Arrays.fill(big, -0f);
        pool.giveIfDead(big);
        float[] cleared = pool.within(() -> ArrayPool.zeroedFloats(large));
        assertSame(big, cleared);
        for (int i = 0; i < large; i++) assertEquals(0, Float.floatToRawIntBits(cleared[i]), "element " + i);
    }

    @Test
    void smallArraysAndAllocationsOutsideAPoolAreNeverPooled() {
        ArrayPool pool = new ArrayPool();
        float[] small = new float[BIG - 1];
        pool.giveIfDead(small);
        pool.giveIfDead(null);
        pool.giveIfDead(new Object[BIG]);
        assertEquals(0, pool.bytes());
        float[] dead = new float[BIG];
        pool.giveIfDead(dead);
        assertNotSame(dead, ArrayPool.floatsForOverwrite(BIG), "no pool serves this thread");
        assertNotSame(small, pool.within(() -> ArrayPool.floatsForOverwrite(BIG - 1)));
    }

    @Test
    void trimKeepsAsManyOfEachKindAsWereAskedForWithinABound() {
        ArrayPool pool = new ArrayPool();
        for (int i = 0; i < 3; i++) pool.giveIfDead(new float[BIG]);
        pool.giveIfDead(new int[BIG]);
        pool.within(() -> ArrayPool.floatsForOverwrite(BIG)); // one asked for (and handed out): two left
        pool.giveIfDead(new float[BIG]);                      // given back by a kernel that allocated elsewhere
        pool.trim(Long.MAX_VALUE);
        assertEquals(ArrayPool.MIN_BYTES, pool.bytes(), "one f32 array kept, the int array nobody asked for dropped");
        pool.trim(Long.MAX_VALUE);
        assertEquals(0, pool.bytes(), "nothing asked for since the last trim");

        float[] large = new float[4 * BIG];
        pool.giveIfDead(large);
        pool.giveIfDead(new float[BIG]);
        pool.giveIfDead(new float[2 * BIG]);
        pool.within(() -> {
            for (int n : new int[] {BIG, 2 * BIG, 4 * BIG}) pool.giveIfDead(ArrayPool.floatsForOverwrite(n)); // each asked for once
            return null;
        });
        pool.trim(5 * ArrayPool.MIN_BYTES);
        assertEquals(4 * ArrayPool.MIN_BYTES, pool.bytes(), "over the bound: the smallest dropped first, then the next");
        assertSame(large, pool.within(() -> ArrayPool.floatsForOverwrite(4 * BIG)));
    }
}
