package monetj.core.exec;

import java.util.List;
import monetj.core.ir.Transpose;
import monetj.core.tensor.ArrayPool;
import monetj.core.tensor.DType;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Shape;

/**
 * transpose of f32 and bf16 tensors without an index map: dimensions that stay adjacent are merged, then either the
 * innermost dimension stays innermost (each run is one copy) or the result is a batch of matrix transposes, done in
 * square tiles so that both the rows read and the rows written stay in cache (f32 tiles gather a vector of a row
 * written at a time, see {@link GatheredTile}). Other dtypes run the reference
 * evaluation. A permutation only moves values, so the result is the reference's bit for bit.
 */
final class TransposeKernel {
    private static final int TILE = 32;

    private TransposeKernel() {}

    static HostTensor run(Transpose op, HostTensor x) {
        if ((x.dtype() != DType.F32 && x.dtype() != DType.BF16) || x.size() == 0) return op.evaluate(List.of(x)).get(0);
        Shape in = x.shape();
        int[] p = op.permutation();
        int[] outDims = new int[p.length];
        for (int d = 0; d < p.length; d++) outDims[d] = in.dim(p[d]);
        Shape outShape = Shape.of(outDims);
        // merge result dims d-1, d that are adjacent operand dims in order; drop dims of size 1
        long[] inStrides = in.strides();
        int[] size = new int[p.length];
        long[] from = new long[p.length]; // operand stride of each merged result dim
        int rank = 0;
        for (int d = 0; d < p.length; d++) {
            if (outDims[d] == 1) continue;
            if (rank > 0 && from[rank - 1] == inStrides[p[d]] * outDims[d]) {
                size[rank - 1] *= outDims[d];
                from[rank - 1] = inStrides[p[d]];
            } else {
                size[rank] = outDims[d];
                from[rank] = inStrides[p[d]];
                rank++;
            }
        }
        Layout l = new Layout(java.util.Arrays.copyOf(size, rank), java.util.Arrays.copyOf(from, rank));
        if (x.dtype() == DType.F32) {
            float[] src = x.floats(), dst = ArrayPool.floatsForOverwrite((int) x.size());
            l.run((s, d, n) -> FloatRuns.copy(src, s, dst, d, n), (srcRow, dstRow, cols) -> new GatheredTile(src, dst, srcRow, dstRow, cols)::copy);
            return HostTensor.of(outShape, dst);
        }
        short[] src = x.shorts(), dst = (short[]) ArrayPool.forOverwrite(DType.BF16, (int) x.size());
        l.run((s, d, n) -> System.arraycopy(src, s, dst, d, n), (srcRow, dstRow, width) -> (s, d, rows, cols) -> {
            for (int i = 0; i < rows; i++) for (int j = 0; j < cols; j++) dst[d + i * dstRow + j] = src[s + i + j * srcRow];
        });
        return HostTensor.ofShorts(DType.BF16, outShape, dst);
    }

    @FunctionalInterface
    private interface Run {
        void copy(int src, int dst, int n);
    }

    /** dst[d + i * dstRow + j] = src[s + i + j * srcRow] for i < rows, j < cols: one tile of a matrix transpose. */
    @FunctionalInterface
    private interface Tile {
        void copy(int src, int dst, int rows, int cols);
    }

    /** The tile copier for a transpose whose matrices have these row strides and are {@code cols} wide. */
    @FunctionalInterface
    private interface Tiles {
        Tile of(int srcRow, int dstRow, int cols);
    }

    /** The merged result dims (row-major) and the operand stride of each. */
    private record Layout(int[] size, long[] from) {
        void run(Run run, Tiles tiles) {
            int rank = size.length;
            long[] to = new long[rank]; // result strides
            long total = 1;
            for (int d = rank - 1; d >= 0; d--) {
                to[d] = total;
                total *= size[d];
            }
            if (rank == 0 || from[rank - 1] == 1) { // runs: the inner dim is contiguous in both
                int inner = rank == 0 ? 1 : size[rank - 1];
                int runs = (int) (total / inner);
                Parallel.forRange(runs, Math.max(1, (1 << 14) / inner), (lo, hi) -> {
                    int outer = rank - 1;
                    int[] index = new int[Math.max(outer, 1)];
                    for (int d = outer - 1, r = lo; d >= 0; d--) { // run lo's index, then an odometer: no division per run
                        index[d] = r % size[d];
                        r /= size[d];
                    }
                    long o = offset(lo, outer, from);
                    for (int r = lo; r < hi; r++) {
                        run.copy((int) o, r * inner, inner);
                        for (int d = outer - 1; d >= 0; d--) {
                            o += from[d];
                            if (++index[d] < size[d]) break;
                            o -= from[d] * size[d];
                            index[d] = 0;
                        }
                    }
                });
                return;
            }
            int b = 0; // the result dim that is the operand's contiguous one
            while (from[b] != 1) b++;
            int rowsDim = b, cols = size[rank - 1], rows = size[b];
            int srcRow = (int) from[rank - 1], dstRow = (int) to[b];
            Tile tile = tiles.of(srcRow, dstRow, cols);
            // the batch: every dim but b and the last, as an index of its own
            int[] batchSize = new int[rank - 2];
            long[] batchFrom = new long[rank - 2], batchTo = new long[rank - 2];
            for (int d = 0, k = 0; d < rank - 1; d++) {
                if (d == rowsDim) continue;
                batchSize[k] = size[d];
                batchFrom[k] = from[d];
                batchTo[k++] = to[d];
            }
            long batches = 1;
            for (int s : batchSize) batches *= s;
            int rowTiles = (rows + TILE - 1) / TILE, colTiles = (cols + TILE - 1) / TILE;
            int tasks = (int) (batches * rowTiles);
            Parallel.forRange(tasks, Math.max(1, (1 << 14) / (TILE * cols)), (lo, hi) -> {
                for (int t = lo; t < hi; t++) {
                    int batch = t / rowTiles, i0 = (t % rowTiles) * TILE;
                    long s = 0, d = 0;
                    for (int k = batchSize.length - 1, rest = batch; k >= 0; k--) {
                        int idx = rest % batchSize[k];
                        rest /= batchSize[k];
                        s += idx * batchFrom[k];
                        d += idx * batchTo[k];
                    }
                    int tileRows = Math.min(TILE, rows - i0);
                    for (int c = 0; c < colTiles; c++) {
                        int j0 = c * TILE;
                        tile.copy((int) (s + i0 + (long) j0 * srcRow), (int) (d + (long) i0 * dstRow + j0), tileRows, Math.min(TILE, cols - j0));
                    }
                }
            });
        }

        /** The operand offset of the first element of run r (the index over the first {@code dims} merged dims). */
        private long offset(int r, int dims, long[] from) {
            long o = 0;
            for (int d = dims - 1; d >= 0; d--) {
                o += (r % size[d]) * from[d];
                r /= size[d];
            }
            return o;
        }
    }
}
