package monetj.core.random;

import monetj.core.dsl.Tensor;
import monetj.core.ir.Graph;
import monetj.core.tensor.DType;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Shape;

/**
 * The Threefry-2x32 block function with 20 rounds (Salmon, Moraes, Dror and Shaw, "Parallel random numbers: as easy
 * as 1, 2, 3", SC 2011), traced from integer ops only: wrapping 32-bit add, xor, shifts and or. Every backend
 * computes these bit for bit alike, so the random bits of a program are the same on the Java executor, XLA's CPU
 * compiler and an accelerator by construction. Words are s32 tensors read as unsigned bit patterns.
 */
public final class Threefry {
    private static final int[] ROTATIONS = {13, 15, 26, 6, 17, 29, 16, 24};
    /** The key-schedule parity constant of Threefish (SKEIN_KS_PARITY32). */
    private static final int PARITY = 0x1BD11BDA;
    private static final int ROUNDS = 20;

    private Threefry() {}

    /**
     * The two output words for key words {@code k0, k1} (scalars or of the counters' shape) and counter words
     * {@code x0, x1} (one counter per element).
     */
    public static Tensor[] hash(Tensor k0, Tensor k1, Tensor x0, Tensor x1) {
        for (Tensor w : new Tensor[] {k0, k1, x0, x1}) {
            if (w.dtype() != DType.S32) throw new IllegalArgumentException("threefry words are s32 bit patterns, got " + w.type());
        }
        Shape shape = x0.shape();
        Graph g = x0.graph();
        // The key schedule stays in the keys' own shape (scalars, usually) and is broadcast where it is added.
        Tensor[] ks = {k0, k1, k0.xor(k1).xor(word(g, PARITY).broadcastTo(k0.shape()))};
        Tensor a = x0.add(ks[0].broadcastTo(shape)), b = x1.add(ks[1].broadcastTo(shape));
        for (int r = 0; r < ROUNDS; r++) {
            int bits = ROTATIONS[r % 8];
            a = a.add(b);
            b = b.shiftLeft(word(g, bits).broadcastTo(shape)).or(b.shiftRightLogical(word(g, 32 - bits).broadcastTo(shape))).xor(a); // rotate left, then mix
            if (r % 4 == 3) { // key injection after every four rounds
                int s = (r + 1) / 4;
                a = a.add(ks[s % 3].broadcastTo(shape));
                b = b.add(ks[(s + 1) % 3].add(word(g, s).broadcastTo(k0.shape())).broadcastTo(shape));
            }
        }
        return new Tensor[] {a, b};
    }

    /** A 32-bit word constant (its bit pattern, whatever its sign as an s32). */
    static Tensor word(Graph g, int bits) { return Tensor.constant(g, HostTensor.of(Shape.SCALAR, new int[] {bits})); }
}
