package monetj.core.random;

import static monetj.core.testing.GraphTesting.run1;
import static org.junit.jupiter.api.Assertions.*;

import java.util.Arrays;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Shape;
import org.junit.jupiter.api.Test;

class RandomBitsTest {
    private static final HostTensor HI = HostTensor.scalar(0x01234567), LO = HostTensor.scalar(0x89abcdef);

    private static int[] whole(Shape s) { return run1(p -> RandomBits.of(p.get(0), p.get(1), s), HI, LO).ints(); }

    /** What a device holding one shard computes: only its block, from global indices. */
    @Test
    void aBlockComputedAloneEqualsThatPartOfTheWholeArray() {
        Shape whole = Shape.of(4, 6, 10);
        int[] all = whole(whole);
        int[] offset = {2, 3, 5};
        Shape block = Shape.of(2, 3, 5);
        int[] part = run1(p -> RandomBits.block(p.get(0), p.get(1), whole, offset, block), HI, LO).ints();
        int k = 0;
        for (int i = 0; i < 2; i++) for (int j = 0; j < 3; j++) for (int l = 0; l < 5; l++) {
            assertEquals(all[((offset[0] + i) * 6 + offset[1] + j) * 10 + offset[2] + l], part[k++], "element " + i + "," + j + "," + l);
        }
    }

    @Test
    void elementsDependOnTheirIndexNotOnTheShape() {
        int[] flat = whole(Shape.of(60)), square = whole(Shape.of(6, 10));
        assertArrayEquals(flat, square, "element i is counter i whatever the shape");
        assertEquals(flat[0], run1(p -> RandomBits.of(p.get(0), p.get(1), Shape.SCALAR), HI, LO).ints()[0], "a scalar is element 0");
        int[] otherKey = run1(p -> RandomBits.of(p.get(0), p.get(1), Shape.of(60)), HI, HostTensor.scalar(0x89abcdee)).ints();
        assertFalse(Arrays.equals(flat, otherKey));
    }

    @Test
    void everyBitIsSetAboutHalfTheTime() {
        int n = 1 << 16;
        int[] v = whole(Shape.of(n));
        for (int bit = 0; bit < 32; bit++) {
            int ones = 0;
            for (int x : v) ones += (x >>> bit) & 1;
            assertEquals(n / 2.0, ones, 5 * Math.sqrt(n / 4.0), "bit " + bit); // five standard deviations
        }
        assertEquals(n, Arrays.stream(v).distinct().count(), 1, "collisions among 2^16 of 2^32 values are rare (expected 0.5)");
    }

    @Test
    void refusesABlockOutsideTheArray() {
        assertThrows(IllegalArgumentException.class, () -> run1(p -> RandomBits.block(p.get(0), p.get(1), Shape.of(4), new int[] {3}, Shape.of(2)), HI, LO));
    }
}
