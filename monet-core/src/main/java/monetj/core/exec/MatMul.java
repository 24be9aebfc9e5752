package monetj.core.exec;

/** Batched row-major matrix products C[b] = A[b] (M x K) * B[b] (K x N). */
public final class MatMul {
    private MatMul() {}

    public static float[] matmulF32(float[] a, float[] b, int batch, int m, int k, int n) {
        float[] c = new float[batch * m * n];
        for (int p = 0; p < batch; p++) {
            int ao = p * m * k, bo = p * k * n, co = p * m * n;
            Parallel.forRange(m, Math.max(1, 4096 / Math.max(1, n)), (lo, hi) -> {
                for (int i = lo; i < hi; i++) {
                    for (int q = 0; q < k; q++) {
                        float av = a[ao + i * k + q];
                        int br = bo + q * n, cr = co + i * n;
                        for (int j = 0; j < n; j++) c[cr + j] += av * b[br + j];
                    }
                }
            });
        }
        return c;
    }

    public static double[] matmulF64(double[] a, double[] b, int batch, int m, int k, int n) {
        double[] c = new double[batch * m * n];
        for (int p = 0; p < batch; p++) {
            int ao = p * m * k, bo = p * k * n, co = p * m * n;
            for (int i = 0; i < m; i++) {
                for (int q = 0; q < k; q++) {
                    double av = a[ao + i * k + q];
                    int br = bo + q * n, cr = co + i * n;
                    for (int j = 0; j < n; j++) c[cr + j] += av * b[br + j];
                }
            }
        }
        return c;
    }
}
