package monetj.core.dsl;

import static monetj.core.testing.GraphTesting.*;
import static org.junit.jupiter.api.Assertions.*;

import java.util.Random;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Shape;
import org.junit.jupiter.api.Test;

class MatmulTest {
    private final Random rnd = new Random(3);

    /** numpy's matmul by loops: batch dims broadcast, 1-D operands promoted and their dimension dropped. */
    private static HostTensor byLoops(HostTensor a, HostTensor b) {
        int[] ad = a.shape().dims(), bd = b.shape().dims();
        boolean aVec = ad.length == 1, bVec = bd.length == 1;
        if (aVec) ad = new int[] {1, ad[0]};
        if (bVec) bd = new int[] {bd[0], 1};
        int m = ad[ad.length - 2], k = ad[ad.length - 1], n = bd[bd.length - 1];
        int nb = Math.max(ad.length, bd.length) - 2;
        int[] batch = new int[nb];
        for (int i = 0; i < nb; i++) {
            int x = i - (nb - (ad.length - 2)) >= 0 ? ad[i - (nb - (ad.length - 2))] : 1;
            int y = i - (nb - (bd.length - 2)) >= 0 ? bd[i - (nb - (bd.length - 2))] : 1;
            batch[i] = Math.max(x, y);
        }
        int batches = 1;
        for (int s : batch) batches *= s;
        double[] x = a.doubles(), y = b.doubles(), r = new double[batches * m * n];
        for (int p = 0; p < batches; p++) {
            int ao = offset(p, batch, ad) * m * k, bo = offset(p, batch, bd) * k * n;
            for (int i = 0; i < m; i++) for (int j = 0; j < n; j++) {
                double s = 0;
                for (int q = 0; q < k; q++) s += x[ao + i * k + q] * y[bo + q * n + j];
                r[(p * m + i) * n + j] = s;
            }
        }
        int[] out = new int[nb + (aVec ? 0 : 1) + (bVec ? 0 : 1)];
        System.arraycopy(batch, 0, out, 0, nb);
        if (!aVec) out[nb] = m;
        if (!bVec) out[out.length - 1] = n;
        return HostTensor.of(Shape.of(out), r);
    }

    /** Which matrix of an operand with dims {@code d} (right-aligned, size-1 broadcast) batch index p reads. */
    private static int offset(int p, int[] batch, int[] d) {
        int own = d.length - 2, off = 0, stride = 1;
        for (int i = batch.length - 1; i >= 0; i--) {
            int idx = p % batch[i];
            p /= batch[i];
            int j = i - (batch.length - own);
            if (j >= 0) {
                off += (d[j] == 1 ? 0 : idx) * stride;
                stride *= d[j];
            }
        }
        return off;
    }

    private void check(Shape a, Shape b) {
        HostTensor x = randomF64(rnd, a), y = randomF64(rnd, b);
        assertClose(byLoops(x, y), run1(p -> p.get(0).matmul(p.get(1)), x, y), 1e-12);
    }

    @Test
    void numpySemantics() {
        check(Shape.of(4), Shape.of(4));
        check(Shape.of(3), Shape.of(3, 5));
        check(Shape.of(3), Shape.of(2, 3, 5));
        check(Shape.of(2, 3), Shape.of(3));
        check(Shape.of(4, 2, 3), Shape.of(3));
        check(Shape.of(2, 3), Shape.of(3, 5));
        check(Shape.of(4, 2, 3), Shape.of(3, 5));
        check(Shape.of(2, 3), Shape.of(4, 3, 5));
        check(Shape.of(4, 2, 3), Shape.of(4, 3, 5));
        check(Shape.of(2, 1, 2, 3), Shape.of(4, 3, 5));
        check(Shape.of(1, 2, 3), Shape.of(6, 1, 3, 2));
    }

    @Test
    void handChecked() {
        HostTensor a = f64(Shape.of(2, 2), 1, 2, 3, 4), b = f64(Shape.of(2, 2), 5, 6, 7, 8);
        assertArrayEquals(new double[] {19, 22, 43, 50}, run1(p -> p.get(0).matmul(p.get(1)), a, b).doubles());
        HostTensor v = f64(Shape.of(2), 1, 1);
        assertArrayEquals(new double[] {4, 6}, run1(p -> p.get(1).matmul(p.get(0)), a, v).doubles());
        assertEquals(Shape.SCALAR, run1(p -> p.get(0).matmul(p.get(0)), v).shape());
    }

    @Test
    void gradients() {
        for (Shape[] s : new Shape[][] {{Shape.of(3), Shape.of(3)}, {Shape.of(3), Shape.of(2, 3, 2)}, {Shape.of(2, 3), Shape.of(4, 3, 2)},
                {Shape.of(2, 1, 2, 3), Shape.of(3, 3, 2)}, {Shape.of(4, 2, 3), Shape.of(3)}}) {
            checkGradient(p -> p.get(0).matmul(p.get(1)), randomF64(rnd, s[0]), randomF64(rnd, s[1]));
        }
    }

    @Test
    void badOperandsAreRefused() {
        var e = assertThrows(IllegalArgumentException.class, () -> run1(p -> p.get(0).matmul(p.get(1)), f64(Shape.of(2, 3), new double[6]), f64(Shape.of(4, 2), new double[8])));
        assertTrue(e.getMessage().startsWith("matmul") && e.getMessage().contains("f64[2, 3]") && e.getMessage().contains("f64[4, 2]"), e.getMessage());
        var e2 = assertThrows(IllegalArgumentException.class, () -> run1(p -> p.get(0).matmul(p.get(1)), f64(Shape.of(2, 2, 3), new double[12]), f64(Shape.of(3, 3, 2), new double[18])));
        assertTrue(e2.getMessage().contains("batch dimensions"), e2.getMessage());
        var e3 = assertThrows(IllegalArgumentException.class, () -> run1(p -> p.get(0).matmul(p.get(0)), f64(Shape.SCALAR, 1)));
        assertTrue(e3.getMessage().contains("at least 1-D"), e3.getMessage());
    }
}
