package monetj.core.exec;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The register tile of the f32 matrix product: {@link #MR} rows by {@link #NR} columns (two machine vectors)
 * of C held in 12 vector registers while the packed panels of A and B stream past. Each step of k costs two
 * vector loads of B, six broadcasts of A and twelve fused multiply-adds, enough independent chains to keep
 * the FMA units busy through their latency.
 */
final class F32MicroKernel {
    static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    static final int LANES = SPECIES.length();
    static final int MR = 6;
    static final int NR = 2 * LANES;

    private F32MicroKernel() {}

    /**
     * C[i][j] += sum over p < kc of A[p][i] * B[p][j] for the full tile, where A is an MR-wide packed panel
     * ({@code ap[aOff + p * MR + i]}), B an NR-wide packed panel ({@code bp[bOff + p * NR + j]}) and C has row
     * stride {@code ldc}.
     */
    static void tile(float[] ap, int aOff, float[] bp, int bOff, int kc, float[] c, int cOff, int ldc) {
        FloatVector z = FloatVector.zero(SPECIES);
        FloatVector c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z, c30 = z, c31 = z, c40 = z, c41 = z, c50 = z, c51 = z;
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
        }
        addRow(c, cOff, c00, c01);
        addRow(c, cOff + ldc, c10, c11);
        addRow(c, cOff + 2 * ldc, c20, c21);
        addRow(c, cOff + 3 * ldc, c30, c31);
        addRow(c, cOff + 4 * ldc, c40, c41);
        addRow(c, cOff + 5 * ldc, c50, c51);
    }

    /**
     * {@link #tile} with the sums stored over C instead of added to it, for C's first depth block: C is then
     * written without being read, which for a shallow product is half its memory traffic. A twin rather than a
     * flag on tile: with both endings in one method the JIT stopped keeping the vectors in registers (measured:
     * 125 -> 5 GFLOP/s).
     */
    static void tileStore(float[] ap, int aOff, float[] bp, int bOff, int kc, float[] c, int cOff, int ldc) {
        FloatVector z = FloatVector.zero(SPECIES);
        FloatVector c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z, c30 = z, c31 = z, c40 = z, c41 = z, c50 = z, c51 = z;
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
        }
        storeRow(c, cOff, c00, c01);
        storeRow(c, cOff + ldc, c10, c11);
        storeRow(c, cOff + 2 * ldc, c20, c21);
        storeRow(c, cOff + 3 * ldc, c30, c31);
        storeRow(c, cOff + 4 * ldc, c40, c41);
        storeRow(c, cOff + 5 * ldc, c50, c51);
    }

    /**
     * The same tile with A read in place: element (i, p) of the tile at {@code a[aRow + i * ars + p * acs]}.
     */
    static void tileInPlace(float[] a, int aRow, int ars, int acs, float[] bp, int bOff, int kc, float[] c, int cOff, int ldc) {
        FloatVector z = FloatVector.zero(SPECIES);
        FloatVector c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z, c30 = z, c31 = z, c40 = z, c41 = z, c50 = z, c51 = z;
        int r0 = aRow, r1 = r0 + ars, r2 = r1 + ars, r3 = r2 + ars, r4 = r3 + ars, r5 = r4 + ars;
        for (int p = 0; p < kc; p++) {
            int bi = bOff + p * NR;
            FloatVector b0 = FloatVector.fromArray(SPECIES, bp, bi);
            FloatVector b1 = FloatVector.fromArray(SPECIES, bp, bi + LANES);
            FloatVector v = FloatVector.broadcast(SPECIES, a[r0 + p * acs]);
            c00 = v.fma(b0, c00);
            c01 = v.fma(b1, c01);
            v = FloatVector.broadcast(SPECIES, a[r1 + p * acs]);
            c10 = v.fma(b0, c10);
            c11 = v.fma(b1, c11);
            v = FloatVector.broadcast(SPECIES, a[r2 + p * acs]);
            c20 = v.fma(b0, c20);
            c21 = v.fma(b1, c21);
            v = FloatVector.broadcast(SPECIES, a[r3 + p * acs]);
            c30 = v.fma(b0, c30);
            c31 = v.fma(b1, c31);
            v = FloatVector.broadcast(SPECIES, a[r4 + p * acs]);
            c40 = v.fma(b0, c40);
            c41 = v.fma(b1, c41);
            v = FloatVector.broadcast(SPECIES, a[r5 + p * acs]);
            c50 = v.fma(b0, c50);
            c51 = v.fma(b1, c51);
        }
        addRow(c, cOff, c00, c01);
        addRow(c, cOff + ldc, c10, c11);
        addRow(c, cOff + 2 * ldc, c20, c21);
        addRow(c, cOff + 3 * ldc, c30, c31);
        addRow(c, cOff + 4 * ldc, c40, c41);
        addRow(c, cOff + 5 * ldc, c50, c51);
    }

    private static void addRow(float[] c, int off, FloatVector lo, FloatVector hi) {
        FloatVector.fromArray(SPECIES, c, off).add(lo).intoArray(c, off);
        FloatVector.fromArray(SPECIES, c, off + LANES).add(hi).intoArray(c, off + LANES);
    }

    private static void storeRow(float[] c, int off, FloatVector lo, FloatVector hi) {
        lo.intoArray(c, off);
        hi.intoArray(c, off + LANES);
    }
}
