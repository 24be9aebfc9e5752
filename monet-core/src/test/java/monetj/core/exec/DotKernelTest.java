package monetj.core.exec;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import monetj.core.ir.DotGeneral;
import monetj.core.tensor.ArrayPool;
import monetj.core.tensor.DType;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Shape;
import org.junit.jupiter.api.Test;

/**
 * The executor's dot_general against the op's reference evaluation (f64 sums of the same inputs, rounded once) on random
 * dimension numbers: any number of batch, contracting and free dimensions in any order on either side, tiny products
 * by the thousand as Monet's per-head and per-expert layers make them, outer products with no contracting dimension,
 * bf16 operands. An f32 result is within (k + 2) u sum |a||b| of the exact value (see {@link MatMulTest}); the sum
 * of magnitudes is the reference evaluation of the operands' absolute values.
 */
class DotKernelTest {
    private static final double U = Math.ulp(1f) / 2;
    private static final int[] SIZES = {1, 2, 3, 4, 5, 7, 16, 33};
    private final Random rnd = new Random(29);

    @Test
    void randomDimensionNumbersMatchTheReference() {
        for (int trial = 0; trial < 200; trial++) {
            int[] batch, contract, lhsFree, rhsFree;
            do {
                batch = sizes(rnd.nextInt(3));
                contract = sizes(rnd.nextInt(3));
                lhsFree = sizes(rnd.nextInt(3));
                rhsFree = sizes(rnd.nextInt(3));
            } while (product(batch) * product(contract) * product(lhsFree) * product(rhsFree) > 50_000); // the reference is slow
            check(batch, contract, lhsFree, rhsFree, trial % 4 == 3 ? DType.BF16 : DType.F32, "trial " + trial);
        }
    }

    @Test
    void batchesOfTinyProductsLargeEnoughToRunInParallel() {
        // Monet's layers: per-head 32 x 4 by 4 x 4, 4 x 32 by 32 x 4, outer products and 4-long dot products, each with its
        // operands' dimensions in three random orders.
        int[][][] cases = {
            {{48, 48}, {4}, {32}, {4}}, // past the threshold for threads
            {{8, 64}, {32}, {4}, {4}},
            {{8, 64}, {4}, {4}, {32}},
            {{8, 64, 32}, {}, {4}, {}},
            {{8, 64, 32}, {4}, {}, {}},
            {{300}, {3}, {5}, {7}},
            // the wide model's (64 experts, 4 x 256 tokens)
            {{4, 256}, {64}, {4}, {4}},
            {{4, 256, 64}, {}, {4}, {}},
            {{4, 256}, {4}, {64}, {4}},
            // vectors over C's flat elements holding several matrices or part of one, with matrices left over
            {{5, 7}, {4}, {32}, {4}},
            {{3}, {2}, {8}, {2}},
            {{17}, {3}, {}, {}},
            {{9}, {1}, {2}, {2}},
            {{6}, {2}, {4}, {8}},
            {{33}, {}, {1}, {4}},
        };
        for (int[][] c : cases) {
            for (DType d : new DType[] {DType.F32, DType.BF16}) {
                for (int order = 0; order < 3; order++) check(c[0], c[1], c[2], c[3], d, Arrays.deepToString(c) + " " + d + " order " + order);
            }
        }
    }

    @Test
    void productsBigEnoughForTheBlockedKernelInEveryOrientation() {
        for (int trial = 0; trial < 6; trial++) {
            int[] batch = rnd.nextBoolean() ? new int[0] : new int[] {2};
            check(batch, new int[] {50 + rnd.nextInt(250)}, new int[] {7 + rnd.nextInt(60)}, new int[] {7 + rnd.nextInt(90)},
                    trial % 3 == 2 ? DType.BF16 : DType.F32, "blocked trial " + trial);
        }
    }

    @Test
    void aResultArrayReusedFromThePoolIsWrittenOverWhateverItHeld() {
        // Inside a program the result comes from the array pool with old contents (here NaN): every element must be
        // written, in every orientation, f32 and bf16, a few rows (unpacked) and many (packed, two depth blocks).
        for (int trial = 0; trial < 8; trial++) {
            int[] lhsFree = trial % 4 == 3 ? new int[] {4} : new int[] {130}, rhsFree = trial % 4 == 3 ? new int[] {4200} : new int[] {131};
            dirtyPoolTrial = true;
            check(new int[0], new int[] {trial % 2 == 0 ? 300 : 40}, lhsFree, rhsFree, trial % 3 == 2 ? DType.BF16 : DType.F32, "pooled trial " + trial);
        }
    }

    /** Whether the next {@link #check} runs the product inside an array pool holding a NaN-filled array of the result's size. */
    private boolean dirtyPoolTrial;

    /**
     * A random dot_general with the given sizes of its batch, contracting and free dimensions, each operand's dimensions
     * shuffled, checked against the reference.
     */
    private void check(int[] batch, int[] contract, int[] lhsFree, int[] rhsFree, DType dtype, String what) {
        int[] lhsOrder = ShuffledDims.order(batch.length + contract.length + lhsFree.length, rnd), rhsOrder = ShuffledDims.order(batch.length + contract.length + rhsFree.length, rnd);
        // lhsOrder[g] is where the g-th logical dimension (batch, then contracting, then free) sits in the operand.
        int[] lhsShape = ShuffledDims.place(lhsOrder, batch, contract, lhsFree), rhsShape = ShuffledDims.place(rhsOrder, batch, contract, rhsFree);
        int[] lb = Arrays.copyOfRange(lhsOrder, 0, batch.length), rb = Arrays.copyOfRange(rhsOrder, 0, batch.length);
        int[] lc = Arrays.copyOfRange(lhsOrder, batch.length, batch.length + contract.length);
        int[] rc = Arrays.copyOfRange(rhsOrder, batch.length, batch.length + contract.length);
        DotGeneral op = new DotGeneral(lb, rb, lc, rc, DotGeneral.Precision.DEFAULT, dtype == DType.F32 ? null : DType.F32);
        HostTensor lhs = random(Shape.of(lhsShape), dtype), rhs = random(Shape.of(rhsShape), dtype);
        var out = op.inferTypes(List.of(lhs.type(), rhs.type())).get(0);
        HostTensor got;
        if (dirtyPoolTrial) {
            dirtyPoolTrial = false;
            ArrayPool pool = new ArrayPool();
            float[] old = new float[out.shape().intSize()];
            Arrays.fill(old, Float.NaN);
            pool.giveIfDead(old);
            got = pool.within(() -> DotKernel.dotGeneral(op, lhs, rhs, out));
            assertSame(old, got.floats(), what + ": the result reuses the pooled array");
        } else {
            got = DotKernel.dotGeneral(op, lhs, rhs, out);
        }
        HostTensor want = op.evaluate(List.of(lhs, rhs)).get(0), magnitude = op.evaluate(List.of(abs(lhs), abs(rhs))).get(0);
        assertEquals(out, got.type(), what);
        long k = 1;
        for (int s : contract) k *= s;
        String dims = what + ": " + dtype + " " + Shape.of(lhsShape) + " x " + Shape.of(rhsShape) + " batch " + Arrays.toString(lb) + Arrays.toString(rb)
                + " contract " + Arrays.toString(lc) + Arrays.toString(rc);
        for (long i = 0; i < out.shape().size(); i++) {
            double bound = (k + 2) * U * magnitude.getDouble(i), err = Math.abs(got.getDouble(i) - want.getDouble(i));
            if (!(err <= bound)) fail(dims + ": element " + i + " is " + got.getDouble(i) + ", expected " + want.getDouble(i) + " within " + bound);
        }
    }

    private int[] sizes(int count) {
        int[] s = new int[count];
        for (int i = 0; i < count; i++) s[i] = SIZES[rnd.nextInt(SIZES.length)];
        return s;
    }

    private static long product(int[] sizes) {
        long p = 1;
        for (int s : sizes) p *= s;
        return p;
    }

    private HostTensor random(Shape s, DType dtype) {
        float[] v = new float[s.intSize()];
        for (int i = 0; i < v.length; i++) v[i] = rnd.nextFloat() * 2 - 1;
        return dtype == DType.F32 ? HostTensor.of(s, v) : HostTensor.fromFloats(dtype, s, v);
    }

    private static HostTensor abs(HostTensor t) {
        float[] v = t.to(DType.F32).floats().clone();
        for (int i = 0; i < v.length; i++) v[i] = Math.abs(v[i]);
        return HostTensor.of(t.shape(), v);
    }
}
