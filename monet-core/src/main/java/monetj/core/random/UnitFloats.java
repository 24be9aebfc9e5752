package monetj.core.random;

import monetj.core.dsl.Tensor;
import monetj.core.tensor.DType;

/**
 * Random bits to f32 without rounding anywhere: the top 23 bits become the mantissa of a float in [1, 2) (one
 * bitcast), so each step below is exact in f32 and gives the same floats on every backend.
 */
public final class UnitFloats {
    private UnitFloats() {}

    /** Uniform on [0, 1) in steps of 2^-23: bits {@code >>> 9 | 0x3F800000} read as f32, minus one. */
    public static Tensor uniform(Tensor bits) {
        Tensor mantissa = bits.shiftRightLogical(Threefry.word(bits.graph(), 9).broadcastTo(bits.shape()));
        Tensor oneToTwo = mantissa.or(Threefry.word(bits.graph(), 0x3F800000).broadcastTo(bits.shape())).bitcastConvert(DType.F32);
        return oneToTwo.sub(1.0);
    }

    /**
     * Uniform on the open interval (-1, 1), symmetric about zero, in steps of 2^-22: {@code 2u - 1 + 2^-23}, so neither
     * end is reached and an inverse CDF of it stays finite.
     */
    public static Tensor symmetric(Tensor bits) { return uniform(bits).mul(2.0).sub(1.0).add(0x1p-23); }
}
