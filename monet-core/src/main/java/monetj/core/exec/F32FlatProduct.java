package monetj.core.exec;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Tiny f32 products computed a vector of C at a time over C's flat (row-major, matrix after matrix) elements, for
 * batches whose matrices lie at a fixed stride: a vector holds whole matrices (m * n dividing the vector length: outer
 * products, dot products of short vectors) or a run of one (the vector length dividing m * n: 32 x 4, 4 x 32). At each
 * depth step the elements of A (and of B) the lanes need follow a pattern that repeats from vector to vector, worked
 * out once. When every pattern lies within a vector's span of the operand (a broadcast element, a run, a few rows of
 * a narrow matrix), each is one load and one lane permutation; for dot products of matrices that hold one element of
 * C (nothing to reuse) the lanes are gathered. Each vector of C is summed over the whole depth in a register,
 * {@code c = fma(a, b, c)} from +0 in depth order as the other products do it, and stored once: C is written, never read.
 */
final class F32FlatProduct {
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    private static final int LANES = SPECIES.length();
    /** At most this many patterns (vectors per matrix times depth): beyond it the tables cost more than they save. */
    private static final int MAX_PATTERNS = 1 << 10;

    /**
     * One operand's patterns: at pattern s (vector v of a period, depth p: s = v * k + p) lane l reads offset
     * {@code offsets[s * LANES + l]} from the vector's matrix; {@code start[s]} is the lowest, and when {@code windowed}
     * every lane lies within LANES elements of it, at {@code start[s] + map[s * LANES + l]}; {@code uniform}: every
     * pattern has the same map (one permutation serves all).
     */
    private record Pattern(int[] offsets, int[] start, int[] map, boolean windowed, boolean uniform, int reach) {}

    private final int k, size, period, matricesPerVector, aStride, bStride;
    private final Pattern a, b;

    private F32FlatProduct(int m, int k, int n, MatrixLayout la, MatrixLayout lb, int aStride, int bStride) {
        this.k = k;
        this.size = m * n;
        this.period = Math.max(1, size / LANES);
        this.matricesPerVector = Math.max(1, LANES / size);
        this.aStride = aStride;
        this.bStride = bStride;
        this.a = pattern(n, la.rowStride(), la.colStride(), aStride, true);
        this.b = pattern(n, lb.rowStride(), lb.colStride(), bStride, false);
    }

    /**
     * The plan for these matrices, or null when they do not suit: m * n and the vector length divide one another, both
     * operands' matrices lie at a fixed stride, and either every pattern lies within a vector's span or each matrix
     * holds one element of C.
     */
    static F32FlatProduct plan(int m, int k, int n, MatrixLayout la, MatrixLayout lb) {
        int size = m * n;
        if (size == 0 || k == 0 || (size % LANES != 0 && LANES % size != 0)) return null;
        if ((long) Math.max(1, size / LANES) * k > MAX_PATTERNS) return null;
        int aStride = fixedStride(la), bStride = fixedStride(lb);
        if (aStride < 0 || bStride < 0) return null;
        F32FlatProduct p = new F32FlatProduct(m, k, n, la, lb, aStride, bStride);
        return p.a.windowed && p.b.windowed || size == 1 ? p : null;
    }

    /** The distance between consecutive matrices when it is the same throughout, else -1. */
    private static int fixedStride(MatrixLayout l) {
        if (l.batch() < 2) return 0;
        int d = l.offset(1) - l.offset(0);
        if (d < 0) return -1;
        for (int i = 2; i < l.batch(); i++) if (l.offset(i) - l.offset(i - 1) != d) return -1;
        return d;
    }

    /**
     * C[b] = A[b] * B[b] for whole vectors of C from matrix b0 on, as far as every window lies inside its array;
     * returns the first matrix left over.
     */
    int multiply(float[] x, MatrixLayout la, float[] y, MatrixLayout lb, float[] c, int b0, int b1) {
        int aFirst = la.offset(0), bFirst = lb.offset(0);
        int end = b0 + (b1 - b0) / matricesPerVector * matricesPerVector;
        while (end > b0 && (aFirst + (end - matricesPerVector) * aStride + a.reach > x.length || bFirst + (end - matricesPerVector) * bStride + b.reach > y.length)) {
            end -= matricesPerVector;
        }
        if (!a.windowed || !b.windowed) gathered(x, y, c, aFirst, bFirst, b0, end);
        else if (a.uniform && b.uniform) uniform(x, y, c, aFirst, bFirst, b0, end);
        else permuted(x, y, c, aFirst, bFirst, b0, end);
        return end;
    }

    /** Both operands' patterns share one permutation each (outer products, 32 x 4 by 4 x 4): both stay in registers. */
    private void uniform(float[] x, float[] y, float[] c, int aFirst, int bFirst, int b0, int end) {
        VectorShuffle<Float> aLanes = VectorShuffle.fromArray(SPECIES, a.map, 0), bLanes = VectorShuffle.fromArray(SPECIES, b.map, 0);
        if (period == 1 && k == 1) { // outer products: one load of each per vector of C, no loop inside (C2 compiles a 1-trip loop poorly)
            int aAt = aFirst + a.start[0], bAt = bFirst + b.start[0];
            for (int bi = b0, co = b0 * size; bi < end; bi += matricesPerVector, co += LANES) {
                FloatVector av = FloatVector.fromArray(SPECIES, x, aAt + bi * aStride).rearrange(aLanes);
                av.fma(FloatVector.fromArray(SPECIES, y, bAt + bi * bStride).rearrange(bLanes), FloatVector.zero(SPECIES)).intoArray(c, co);
            }
            return;
        }
        for (int bi = b0, co = b0 * size; bi < end; bi += matricesPerVector) {
            int aAt = aFirst + bi * aStride, bAt = bFirst + bi * bStride;
            for (int v = 0, s = 0; v < period; v++, co += LANES) {
                FloatVector sum = FloatVector.zero(SPECIES);
                for (int p = 0; p < k; p++, s++) {
                    FloatVector av = FloatVector.fromArray(SPECIES, x, aAt + a.start[s]).rearrange(aLanes);
                    sum = av.fma(FloatVector.fromArray(SPECIES, y, bAt + b.start[s]).rearrange(bLanes), sum);
                }
                sum.intoArray(c, co);
            }
        }
    }

    /** Each pattern's permutation loaded where it is used. */
    private void permuted(float[] x, float[] y, float[] c, int aFirst, int bFirst, int b0, int end) {
        for (int bi = b0, co = b0 * size; bi < end; bi += matricesPerVector) {
            int aAt = aFirst + bi * aStride, bAt = bFirst + bi * bStride;
            for (int v = 0, s = 0; v < period; v++, co += LANES) {
                FloatVector sum = FloatVector.zero(SPECIES);
                for (int p = 0; p < k; p++, s++) {
                    FloatVector av = FloatVector.fromArray(SPECIES, x, aAt + a.start[s]).rearrange(VectorShuffle.fromArray(SPECIES, a.map, s * LANES));
                    sum = av.fma(FloatVector.fromArray(SPECIES, y, bAt + b.start[s]).rearrange(VectorShuffle.fromArray(SPECIES, b.map, s * LANES)), sum);
                }
                sum.intoArray(c, co);
            }
        }
    }

    private void gathered(float[] x, float[] y, float[] c, int aFirst, int bFirst, int b0, int end) {
        for (int bi = b0, co = b0 * size; bi < end; bi += matricesPerVector, co += LANES) {
            FloatVector sum = FloatVector.zero(SPECIES);
            for (int p = 0; p < k; p++) {
                FloatVector av = FloatVector.fromArray(SPECIES, x, aFirst + bi * aStride, a.offsets, p * LANES);
                sum = av.fma(FloatVector.fromArray(SPECIES, y, bFirst + bi * bStride, b.offsets, p * LANES), sum);
            }
            sum.intoArray(c, co);
        }
    }

    /**
     * Lane l of vector v (of a matrix's period, or holding several matrices) at depth p reads A at
     * {@code matrix * stride + i * rowStride + p * colStride}, with i, j the lane's row and column of C (for B: p and j).
     */
    private Pattern pattern(int n, int rowStride, int colStride, int matrixStride, boolean isA) {
        int patterns = period * k;
        int[] offsets = new int[patterns * LANES], start = new int[patterns], map = new int[patterns * LANES];
        boolean windowed = true;
        int reach = 0; // one past the farthest element a read touches, from the matrix's start
        for (int v = 0; v < period; v++) {
            for (int p = 0; p < k; p++) {
                int s = v * k + p, lo = Integer.MAX_VALUE, hi = 0;
                for (int l = 0; l < LANES; l++) {
                    int e = v * LANES + l, q = e % size, i = q / n, j = q % n, matrix = e / size;
                    int o = matrix * matrixStride + (isA ? i * rowStride + p * colStride : p * rowStride + j * colStride);
                    offsets[s * LANES + l] = o;
                    lo = Math.min(lo, o);
                    hi = Math.max(hi, o);
                }
                start[s] = lo;
                for (int l = 0; l < LANES; l++) map[s * LANES + l] = offsets[s * LANES + l] - lo;
                windowed &= hi - lo < LANES;
                reach = Math.max(reach, Math.max(hi + 1, lo + LANES));
            }
        }
        boolean uniform = true;
        for (int i = LANES; i < map.length && uniform; i++) uniform = map[i] == map[i % LANES];
        return new Pattern(offsets, start, map, windowed, uniform, reach);
    }
}
