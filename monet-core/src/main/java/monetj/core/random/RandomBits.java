package monetj.core.random;

import monetj.core.dsl.Tensor;
import monetj.core.ir.Graph;
import monetj.core.tensor.DType;
import monetj.core.tensor.Shape;

/**
 * 32 random bits per element of an array, from a two-word key: element i (its row-major index in the whole array)
 * is Threefry-2x32 of the counter (0, i), first output word. The counter is built from one iota per dimension, so
 * under a sharding the partitioner computes each device's block alone from its global indices (iota plus the
 * block's offset), and every block equals that part of the whole array; {@link #block} is that computation.
 */
public final class RandomBits {
    private RandomBits() {}

    /** The bits for every element of {@code shape} (s32 bit patterns) under key {@code (keyHi, keyLo)} (s32 scalars). */
    public static Tensor of(Tensor keyHi, Tensor keyLo, Shape shape) { return block(keyHi, keyLo, shape, new int[shape.rank()], shape); }

    /** The bits of the block of {@code whole} that starts at {@code offset} and has shape {@code block}, computed alone. */
    public static Tensor block(Tensor keyHi, Tensor keyLo, Shape whole, int[] offset, Shape block) {
        if (whole.size() > Integer.MAX_VALUE) throw new IllegalArgumentException("random bits: " + whole + " has more elements than a 32-bit counter word holds");
        Graph g = keyHi.graph();
        long[] strides = whole.strides();
        Tensor index = null;
        for (int d = 0; d < whole.rank(); d++) {
            if (offset[d] < 0 || offset[d] + block.dim(d) > whole.dim(d)) throw new IllegalArgumentException("random bits: block " + block + " at "
                    + java.util.Arrays.toString(offset) + " is not inside " + whole);
            Tensor along = Tensor.iota(g, DType.S32, block, d);
            if (offset[d] != 0) along = along.add(Threefry.word(g, offset[d]).broadcastTo(block));
            Tensor term = strides[d] == 1 ? along : along.mul(Threefry.word(g, (int) strides[d]).broadcastTo(block));
            index = index == null ? term : index.add(term);
        }
        if (index == null) index = Tensor.full(g, DType.S32, block, 0); // a scalar: element 0
        return Threefry.hash(keyHi, keyLo, Tensor.full(g, DType.S32, block, 0), index)[0];
    }
}
