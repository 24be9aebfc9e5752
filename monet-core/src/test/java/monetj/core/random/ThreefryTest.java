package monetj.core.random;

import static monetj.core.testing.GraphTesting.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.List;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Shape;
import org.junit.jupiter.api.Test;

/** Threefry-2x32-20 against the known-answer vectors of Random123 (tests/kat_vectors), all three in one batch. */
class ThreefryTest {
    private static HostTensor words(int... w) { return HostTensor.of(Shape.of(w.length), w); }

    @Test
    void knownAnswerVectorsOfRandom123() {
        // columns: (counter0, counter1, key0, key1) -> (out0, out1)
        HostTensor x0 = words(0x00000000, 0xffffffff, 0x243f6a88), x1 = words(0x00000000, 0xffffffff, 0x85a308d3);
        HostTensor k0 = words(0x00000000, 0xffffffff, 0x13198a2e), k1 = words(0x00000000, 0xffffffff, 0x03707344);
        List<HostTensor> out = run(p -> List.of(Threefry.hash(p.get(0), p.get(1), p.get(2), p.get(3))), k0, k1, x0, x1);
        assertArrayEquals(new int[] {0x6b200159, 0x1cb996fc, 0xc4923a9c}, out.get(0).ints());
        assertArrayEquals(new int[] {0x99ba4efe, 0xbb002be7, 0x483df7a0}, out.get(1).ints());
    }

    @Test
    void scalarKeysBroadcastOverTheCounters() {
        HostTensor x0 = words(0, 0x243f6a88), x1 = words(0, 0x85a308d3);
        List<HostTensor> out = run(p -> List.of(Threefry.hash(p.get(0), p.get(1), p.get(2), p.get(3))),
                HostTensor.scalar(0x13198a2e), HostTensor.scalar(0x03707344), x0, x1);
        org.junit.jupiter.api.Assertions.assertEquals(0x483df7a0, out.get(1).ints()[1]);
    }
}
