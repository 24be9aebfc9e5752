package monetj.core.exec;

/**
 * The f32 product without packing, for A of very few rows (a vector times a matrix, say):
 * there each element of B is used only a few times, so copying B into panels and padding A to whole tiles
 * would cost more than the arithmetic. Each row of C is built as a sum of rows of B scaled by elements of A,
 * vectorised along the row.
 */
final class F32DirectProduct {
    private F32DirectProduct() {}

    /** C[b] += A[b] * B[b] for matrices b in [b0, b1); C row-major with batch stride m * n. */
    static void multiply(float[] a, MatrixLayout la, float[] b, MatrixLayout lb, float[] c, int m, int k, int n, int b0, int b1) {
        // Rows of B must be contiguous for the vector loop; a transposed B is copied once per matrix (k x n floats).
        float[] rowsB = lb.colStride() == 1 ? null : new float[k * n];
        for (int bi = b0; bi < b1; bi++) {
            float[] src = b;
            int bBase = lb.offset(bi), brs = lb.rowStride();
            if (rowsB != null) {
                for (int p = 0; p < k; p++) {
                    for (int j = 0, s = bBase + p * brs; j < n; j++, s += lb.colStride()) rowsB[p * n + j] = b[s];
                }
                src = rowsB;
                bBase = 0;
                brs = n;
            }
            int aBase = la.offset(bi), cBase = bi * m * n;
            for (int i = 0; i < m; i++) {
                int cRow = cBase + i * n, aRow = aBase + i * la.rowStride();
                for (int p = 0; p < k; p++) {
                    float av = a[aRow + p * la.colStride()];
                    F32SmallProduct.axpy(av, src, bBase + p * brs, c, cRow, n);
                }
            }
        }
    }
}
