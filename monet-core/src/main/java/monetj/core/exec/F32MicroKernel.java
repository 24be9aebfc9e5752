package monetj.core.exec;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The register tile of the f32 matrix product: {@link #MR} rows by {@link #NR} columns (two machine vectors)
 * of C held in 24 vector registers while the packed panels of A and B stream past. Each step of k costs two
 * vector loads of B, twelve broadcasts of A and 24 fused multiply-adds: the loop's own instructions are spread
 * over twice the work of a six-row tile (measured on AVX-512, one thread, B in L2: 6 rows 126-132 GFLOP/s, 12
 * rows 150-160, 14 rows no better).
 *
 * <p>Every kernel writes its epilogue out inline, and there is one per ending (add, store): with a helper method
 * or both endings in one method, C2 stops inlining at its node-count cutoff, the accumulators escape into the
 * call as boxed vectors and the loop runs at 5-20 GFLOP/s.
 */
final class F32MicroKernel {
    static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    static final int LANES = SPECIES.length();
    static final int MR = 12;
    static final int NR = 2 * LANES;

    private F32MicroKernel() {}

    /**
     * C[i][j] += sum over p < kc of A[p][i] * B[p][j] for the full tile, where A is an MR-wide packed panel
     * ({@code ap[aOff + p * MR + i]}), B an NR-wide packed panel ({@code bp[bOff + p * NR + j]}) and C has row
     * stride {@code ldc}.
     */
    static void tile(float[] ap, int aOff, float[] bp, int bOff, int kc, float[] c, int cOff, int ldc) {
        FloatVector z = FloatVector.zero(SPECIES);
        FloatVector c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z, c30 = z, c31 = z, c40 = z, c41 = z, c50 = z, c51 = z, c60 = z, c61 = z, c70 = z, c71 = z, c80 = z, c81 = z, c90 = z, c91 = z, ca0 = z, ca1 = z, cb0 = z, cb1 = z;
        for (int p = 0; p < kc; p++) {
            int bi = bOff + p * NR, ai = aOff + p * MR;
            FloatVector b0 = FloatVector.fromArray(SPECIES, bp, bi);
            FloatVector b1 = FloatVector.fromArray(SPECIES, bp, bi + LANES);
            FloatVector a = FloatVector.broadcast(SPECIES, ap[ai]);
            c00 = a.fma(b0, c00);
            c01 = a.fma(b1, c01);
            a = FloatVector.broadcast(SPECIES, ap[ai + 1]);
            c10 = a.fma(b0, c10);
            c11 = a.fma(b1, c11);
            a = FloatVector.broadcast(SPECIES, ap[ai + 2]);
            c20 = a.fma(b0, c20);
            c21 = a.fma(b1, c21);
            a = FloatVector.broadcast(SPECIES, ap[ai + 3]);
            c30 = a.fma(b0, c30);
            c31 = a.fma(b1, c31);
            a = FloatVector.broadcast(SPECIES, ap[ai + 4]);
            c40 = a.fma(b0, c40);
            c41 = a.fma(b1, c41);
            a = FloatVector.broadcast(SPECIES, ap[ai + 5]);
            c50 = a.fma(b0, c50);
            c51 = a.fma(b1, c51);
            a = FloatVector.broadcast(SPECIES, ap[ai + 6]);
            c60 = a.fma(b0, c60);
            c61 = a.fma(b1, c61);
            a = FloatVector.broadcast(SPECIES, ap[ai + 7]);
            c70 = a.fma(b0, c70);
            c71 = a.fma(b1, c71);
            a = FloatVector.broadcast(SPECIES, ap[ai + 8]);
            c80 = a.fma(b0, c80);
            c81 = a.fma(b1, c81);
            a = FloatVector.broadcast(SPECIES, ap[ai + 9]);
            c90 = a.fma(b0, c90);
            c91 = a.fma(b1, c91);
            a = FloatVector.broadcast(SPECIES, ap[ai + 10]);
            ca0 = a.fma(b0, ca0);
            ca1 = a.fma(b1, ca1);
            a = FloatVector.broadcast(SPECIES, ap[ai + 11]);
            cb0 = a.fma(b0, cb0);
            cb1 = a.fma(b1, cb1);
        }
        FloatVector.fromArray(SPECIES, c, cOff).add(c00).intoArray(c, cOff);
        FloatVector.fromArray(SPECIES, c, cOff + LANES).add(c01).intoArray(c, cOff + LANES);
        FloatVector.fromArray(SPECIES, c, cOff + 1 * ldc).add(c10).intoArray(c, cOff + 1 * ldc);
        FloatVector.fromArray(SPECIES, c, cOff + 1 * ldc + LANES).add(c11).intoArray(c, cOff + 1 * ldc + LANES);
        FloatVector.fromArray(SPECIES, c, cOff + 2 * ldc).add(c20).intoArray(c, cOff + 2 * ldc);
        FloatVector.fromArray(SPECIES, c, cOff + 2 * ldc + LANES).add(c21).intoArray(c, cOff + 2 * ldc + LANES);
        FloatVector.fromArray(SPECIES, c, cOff + 3 * ldc).add(c30).intoArray(c, cOff + 3 * ldc);
        FloatVector.fromArray(SPECIES, c, cOff + 3 * ldc + LANES).add(c31).intoArray(c, cOff + 3 * ldc + LANES);
        FloatVector.fromArray(SPECIES, c, cOff + 4 * ldc).add(c40).intoArray(c, cOff + 4 * ldc);
        FloatVector.fromArray(SPECIES, c, cOff + 4 * ldc + LANES).add(c41).intoArray(c, cOff + 4 * ldc + LANES);
        FloatVector.fromArray(SPECIES, c, cOff + 5 * ldc).add(c50).intoArray(c, cOff + 5 * ldc);
        FloatVector.fromArray(SPECIES, c, cOff + 5 * ldc + LANES).add(c51).intoArray(c, cOff + 5 * ldc + LANES);
        FloatVector.fromArray(SPECIES, c, cOff + 6 * ldc).add(c60).intoArray(c, cOff + 6 * ldc);
        FloatVector.fromArray(SPECIES, c, cOff + 6 * ldc + LANES).add(c61).intoArray(c, cOff + 6 * ldc + LANES);
        FloatVector.fromArray(SPECIES, c, cOff + 7 * ldc).add(c70).intoArray(c, cOff + 7 * ldc);
        FloatVector.fromArray(SPECIES, c, cOff + 7 * ldc + LANES).add(c71).intoArray(c, cOff + 7 * ldc + LANES);
        FloatVector.fromArray(SPECIES, c, cOff + 8 * ldc).add(c80).intoArray(c, cOff + 8 * ldc);
        FloatVector.fromArray(SPECIES, c, cOff + 8 * ldc + LANES).add(c81).intoArray(c, cOff + 8 * ldc + LANES);
        FloatVector.fromArray(SPECIES, c, cOff + 9 * ldc).add(c90).intoArray(c, cOff + 9 * ldc);
        FloatVector.fromArray(SPECIES, c, cOff + 9 * ldc + LANES).add(c91).intoArray(c, cOff + 9 * ldc + LANES);
        FloatVector.fromArray(SPECIES, c, cOff + 10 * ldc).add(ca0).intoArray(c, cOff + 10 * ldc);
        FloatVector.fromArray(SPECIES, c, cOff + 10 * ldc + LANES).add(ca1).intoArray(c, cOff + 10 * ldc + LANES);
        FloatVector.fromArray(SPECIES, c, cOff + 11 * ldc).add(cb0).intoArray(c, cOff + 11 * ldc);
        FloatVector.fromArray(SPECIES, c, cOff + 11 * ldc + LANES).add(cb1).intoArray(c, cOff + 11 * ldc + LANES);
    }

    /**
     * {@link #tile} with the sums stored over C instead of added to it, for C's first depth block: C is then
     * written without being read, which for a shallow product is half its memory traffic.
     */
    static void tileStore(float[] ap, int aOff, float[] bp, int bOff, int kc, float[] c, int cOff, int ldc) {
        FloatVector z = FloatVector.zero(SPECIES);
        FloatVector c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z, c30 = z, c31 = z, c40 = z, c41 = z, c50 = z, c51 = z, c60 = z, c61 = z, c70 = z, c71 = z, c80 = z, c81 = z, c90 = z, c91 = z, ca0 = z, ca1 = z, cb0 = z, cb1 = z;
        for (int p = 0; p < kc; p++) {
            int bi = bOff + p * NR, ai = aOff + p * MR;
            FloatVector b0 = FloatVector.fromArray(SPECIES, bp, bi);
            FloatVector b1 = FloatVector.fromArray(SPECIES, bp, bi + LANES);
            FloatVector a = FloatVector.broadcast(SPECIES, ap[ai]);
            c00 = a.fma(b0, c00);
            c01 = a.fma(b1, c01);
            a = FloatVector.broadcast(SPECIES, ap[ai + 1]);
            c10 = a.fma(b0, c10);
            c11 = a.fma(b1, c11);
            a = FloatVector.broadcast(SPECIES, ap[ai + 2]);
            c20 = a.fma(b0, c20);
            c21 = a.fma(b1, c21);
            a = FloatVector.broadcast(SPECIES, ap[ai + 3]);
            c30 = a.fma(b0, c30);
            c31 = a.fma(b1, c31);
            a = FloatVector.broadcast(SPECIES, ap[ai + 4]);
            c40 = a.fma(b0, c40);
            c41 = a.fma(b1, c41);
            a = FloatVector.broadcast(SPECIES, ap[ai + 5]);
            c50 = a.fma(b0, c50);
            c51 = a.fma(b1, c51);
            a = FloatVector.broadcast(SPECIES, ap[ai + 6]);
            c60 = a.fma(b0, c60);
            c61 = a.fma(b1, c61);
            a = FloatVector.broadcast(SPECIES, ap[ai + 7]);
            c70 = a.fma(b0, c70);
            c71 = a.fma(b1, c71);
            a = FloatVector.broadcast(SPECIES, ap[ai + 8]);
            c80 = a.fma(b0, c80);
            c81 = a.fma(b1, c81);
            a = FloatVector.broadcast(SPECIES, ap[ai + 9]);
            c90 = a.fma(b0, c90);
            c91 = a.fma(b1, c91);
            a = FloatVector.broadcast(SPECIES, ap[ai + 10]);
            ca0 = a.fma(b0, ca0);
            ca1 = a.fma(b1, ca1);
            a = FloatVector.broadcast(SPECIES, ap[ai + 11]);
            cb0 = a.fma(b0, cb0);
            cb1 = a.fma(b1, cb1);
        }
        c00.intoArray(c, cOff);
        c01.intoArray(c, cOff + LANES);
        c10.intoArray(c, cOff + 1 * ldc);
        c11.intoArray(c, cOff + 1 * ldc + LANES);
        c20.intoArray(c, cOff + 2 * ldc);
        c21.intoArray(c, cOff + 2 * ldc + LANES);
        c30.intoArray(c, cOff + 3 * ldc);
        c31.intoArray(c, cOff + 3 * ldc + LANES);
        c40.intoArray(c, cOff + 4 * ldc);
        c41.intoArray(c, cOff + 4 * ldc + LANES);
        c50.intoArray(c, cOff + 5 * ldc);
        c51.intoArray(c, cOff + 5 * ldc + LANES);
        c60.intoArray(c, cOff + 6 * ldc);
        c61.intoArray(c, cOff + 6 * ldc + LANES);
        c70.intoArray(c, cOff + 7 * ldc);
        c71.intoArray(c, cOff + 7 * ldc + LANES);
        c80.intoArray(c, cOff + 8 * ldc);
        c81.intoArray(c, cOff + 8 * ldc + LANES);
        c90.intoArray(c, cOff + 9 * ldc);
        c91.intoArray(c, cOff + 9 * ldc + LANES);
        ca0.intoArray(c, cOff + 10 * ldc);
        ca1.intoArray(c, cOff + 10 * ldc + LANES);
        cb0.intoArray(c, cOff + 11 * ldc);
        cb1.intoArray(c, cOff + 11 * ldc + LANES);
    }
}
