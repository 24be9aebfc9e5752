package monetj.core.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

/** The generated loops' own bf16 rounding and narrowing give Bf16Lanes' bits for every kind of f32. */
class FusedLanesTest {
    /** Lower halves around the rounding boundary (ties, one either side, the extremes) and a few others, under every upper half. */
    private static final int[] LOWER = {0, 1, 0x2A5F, 0x7FFE, 0x7FFF, 0x8000, 0x8001, 0xC001, 0xFFFE, 0xFFFF};

    @Test
    void roundingAndNarrowingAgreeWithBf16LanesOnEveryUpperHalf() {
        int n = 1 << 16;
        float[] x = new float[FusedLanes.LANES];
        float[] mine = new float[FusedLanes.LANES], theirs = new float[FusedLanes.LANES];
        short[] mineBits = new short[FusedLanes.LANES];
        short[] theirBits = new short[FusedLanes.LANES];
        for (int low : LOWER) {
            for (int upper = 0; upper < n; upper += FusedLanes.LANES) {
                for (int k = 0; k < x.length; k++) x[k] = Float.intBitsToFloat((upper + k) << 16 | low);
                FloatVector v = FloatVector.fromArray(FusedLanes.F, x, 0);
                FusedLanes.bf16(v).intoArray(mine, 0);
                Bf16Lanes.round(v).intoArray(theirs, 0);
                FusedLanes.storeBf16(v, mineBits, 0);
                Bf16Lanes.narrow(v).intoArray(theirBits, 0);
                for (int k = 0; k < x.length; k++) {
                    String what = "bits 0x" + Integer.toHexString(Float.floatToRawIntBits(x[k]));
                    assertEquals(Float.floatToRawIntBits(theirs[k]), Float.floatToRawIntBits(mine[k]), what);
                    assertEquals(theirBits[k], mineBits[k], what);
                }
            }
        }
    }
}
