package monetj.core.exec;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import monetj.core.ir.DotGeneral;
import monetj.core.ir.Transpose;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Shape;
import monetj.core.tensor.TensorType;
import org.junit.jupiter.api.Test;

/**
 * Tiny f32 batched products as the executor runs them (a {@link DotNodeKernel} with its plan made from the node's
 * types), whatever path {@link F32SmallProduct} takes: every element of C is the depth-order chain
 * {@code s = fma(a[p], b[p], s)} from +0 over the reference's own rearrangement of the operands, bit for bit, and
 * within the f32 accumulation bound of the op's reference evaluation. Shapes: Monet's per-head and per-expert products
 * in every operand dimension order, matrices left over from whole vectors, batches large enough for threads, random
 * sizes; values include zeros of both signs, products that underflow to a zero of either sign, infinities and NaN.
 */
class F32SmallProductTest {
    private static final double U = Math.ulp(1f) / 2;
    private final Random rnd = new Random(41);

    @Test
    void monetsTinyProductsInEveryDimensionOrder() {
        int[][][] cases = { // batch, contracting, lhs free, rhs free
            {{8, 64, 32}, {}, {4}, {}}, // outer products
            {{8, 64, 32}, {4}, {}, {}}, // dot products of 4-vectors
            {{8, 64}, {4}, {32}, {4}}, // 32 x 4 by 4 x 4
            {{8, 64}, {32}, {4}, {4}}, // 4 x 32 by 32 x 4
            {{8, 64}, {4}, {4}, {32}}, // 4 x 4 by 4 x 32
            {{4, 256}, {64}, {4}, {4}}, // the wide model's 64 experts
            {{4, 256, 64}, {}, {4}, {}},
            {{48, 48}, {4}, {32}, {4}}, // past the threshold for threads
            {{5, 7}, {4}, {32}, {4}}, // whole vectors with matrices left over
            {{3}, {2}, {8}, {2}},
            {{17}, {3}, {}, {}},
            {{9}, {1}, {2}, {2}},
            {{6}, {2}, {4}, {8}},
            {{33}, {}, {1}, {4}},
            {{1}, {4}, {4}, {4}},
            {{2}, {1}, {1}, {1}},
        };
        for (int[][] c : cases) for (int order = 0; order < 4; order++) check(c[0], c[1], c[2], c[3], Arrays.deepToString(c) + " order " + order);
    }

    @Test
    void randomTinyShapes() {
        int[] sizes = {1, 2, 3, 4, 5, 8, 16, 17, 32};
        for (int trial = 0; trial < 300; trial++) {
            int[] batch = pick(sizes, 1 + rnd.nextInt(2)), contract = pick(sizes, rnd.nextInt(3)), lhsFree = pick(sizes, rnd.nextInt(3)), rhsFree = pick(sizes, rnd.nextInt(3));
            if (product(contract) * product(lhsFree) * product(rhsFree) > F32SmallProduct.MAX_WORK) continue;
            check(batch, contract, lhsFree, rhsFree, "trial " + trial);
        }
    }

    private void check(int[] batch, int[] contract, int[] lhsFree, int[] rhsFree, String what) {
        int[] lhsOrder = ShuffledDims.order(batch.length + contract.length + lhsFree.length, rnd), rhsOrder = ShuffledDims.order(batch.length + contract.length + rhsFree.length, rnd);
        int[] lb = Arrays.copyOfRange(lhsOrder, 0, batch.length), rb = Arrays.copyOfRange(rhsOrder, 0, batch.length);
        int[] lc = Arrays.copyOfRange(lhsOrder, batch.length, batch.length + contract.length);
        int[] rc = Arrays.copyOfRange(rhsOrder, batch.length, batch.length + contract.length);
        DotGeneral op = new DotGeneral(lb, rb, lc, rc, DotGeneral.Precision.DEFAULT, null);
        HostTensor lhs = random(Shape.of(ShuffledDims.place(lhsOrder, batch, contract, lhsFree))), rhs = random(Shape.of(ShuffledDims.place(rhsOrder, batch, contract, rhsFree)));
        TensorType out = op.inferTypes(List.of(lhs.type(), rhs.type())).get(0);
        String dims = what + ": " + lhs.shape() + " x " + rhs.shape() + " batch " + Arrays.toString(lb) + Arrays.toString(rb)
                + " contract " + Arrays.toString(lc) + Arrays.toString(rc);
        float[] got = new DotNodeKernel(op, lhs.type(), rhs.type(), out).run(List.of(lhs, rhs)).get(0).floats();
        float[] chain = fmaChain(op, lhs, rhs, product(batch), product(lhsFree), product(contract), product(rhsFree));
        HostTensor want = op.evaluate(List.of(lhs, rhs)).get(0), magnitude = op.evaluate(List.of(abs(lhs), abs(rhs))).get(0);
        double k = product(contract);
        for (int i = 0; i < got.length; i++) {
            boolean same = Float.isNaN(chain[i]) ? Float.isNaN(got[i]) : Float.floatToRawIntBits(got[i]) == Float.floatToRawIntBits(chain[i]);
            if (!same) fail(dims + ": element " + i + " is " + got[i] + ", the depth-order fma chain gives " + chain[i]);
            if (!Float.isFinite(chain[i])) continue;
            double bound = (k + 2) * U * magnitude.getDouble(i), err = Math.abs(got[i] - want.getDouble(i));
            if (!(err <= bound)) fail(dims + ": element " + i + " is " + got[i] + ", the reference gives " + want.getDouble(i) + " within " + bound);
        }
    }

    /** C[b, i, j] as the chain of fma over the depth from +0, the operands rearranged by the reference transpose into [batch, m, k] and [batch, k, n]. */
    private static float[] fmaChain(DotGeneral op, HostTensor lhs, HostTensor rhs, int batch, int m, int k, int n) {
        int[] lf = DotGeneral.freeDims(lhs.shape().rank(), op.lhsBatch(), op.lhsContract());
        int[] rf = DotGeneral.freeDims(rhs.shape().rank(), op.rhsBatch(), op.rhsContract());
        float[] a = new Transpose(concat(op.lhsBatch(), lf, op.lhsContract())).evaluate(List.of(lhs)).get(0).floats();
        float[] b = new Transpose(concat(op.rhsBatch(), op.rhsContract(), rf)).evaluate(List.of(rhs)).get(0).floats();
        float[] c = new float[batch * m * n];
        for (int bi = 0; bi < batch; bi++) {
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    float s = 0;
                    for (int p = 0; p < k; p++) s = Math.fma(a[(bi * m + i) * k + p], b[(bi * k + p) * n + j], s);
                    c[(bi * m + i) * n + j] = s;
                }
            }
        }
        return c;
    }

    /** Mostly values in [-1, 1); one in 50 is a zero of either sign, one in 20 of magnitude ~1e-30 (their products underflow), one in 2000 an infinity or NaN. */
    private HostTensor random(Shape s) {
        float[] v = new float[s.intSize()];
        for (int i = 0; i < v.length; i++) {
            int r = rnd.nextInt(2000);
            float x = rnd.nextFloat() * 2 - 1;
            v[i] = r == 0 ? Float.POSITIVE_INFINITY : r == 1 ? Float.NaN : r < 40 ? (r % 2 == 0 ? 0f : -0f) : r < 140 ? x * 1e-30f : x;
        }
        return HostTensor.of(s, v);
    }

    private static HostTensor abs(HostTensor t) {
        float[] v = t.floats().clone();
        for (int i = 0; i < v.length; i++) v[i] = Math.abs(v[i]);
        return HostTensor.of(t.shape(), v);
    }

    private int[] pick(int[] sizes, int count) { return IntStream.range(0, count).map(i -> sizes[rnd.nextInt(sizes.length)]).toArray(); }

    private static int product(int[] sizes) { return Arrays.stream(sizes).reduce(1, (x, y) -> x * y); }

    private static int[] concat(int[]... parts) { return Arrays.stream(parts).flatMapToInt(Arrays::stream).toArray(); }
}
