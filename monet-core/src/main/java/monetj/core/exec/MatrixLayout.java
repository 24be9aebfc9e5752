package monetj.core.exec;

import java.util.Arrays;

/**
 * Where a batch of matrices lives in a flat array: element (i, j) of matrix {@code b} is at
 * {@code batchOffsets[b] + i * rowStride + j * colStride}. One layout describes row-major, transposed and
 * strided views alike, so a matrix product reads its operands in place instead of copying them first.
 */
public record MatrixLayout(int[] batchOffsets, int rowStride, int colStride) {
    public MatrixLayout {
        batchOffsets = batchOffsets.clone();
    }

    /** Contiguous row-major {@code rows x cols} matrices, one after the other. */
    public static MatrixLayout rowMajor(int batch, int rows, int cols) {
        return new MatrixLayout(steps(batch, rows * cols), cols, 1);
    }

    /** Contiguous matrices stored transposed: element (i, j) of a {@code rows x cols} matrix at {@code j * rows + i}. */
    public static MatrixLayout columnMajor(int batch, int rows, int cols) {
        return new MatrixLayout(steps(batch, rows * cols), 1, rows);
    }

    public int batch() { return batchOffsets.length; }

    public int offset(int b) { return batchOffsets[b]; }

    private static int[] steps(int batch, int size) {
        int[] o = new int[batch];
        for (int b = 0; b < batch; b++) o[b] = Math.multiplyExact(b, size);
        return o;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MatrixLayout l && Arrays.equals(batchOffsets, l.batchOffsets) && rowStride == l.rowStride && colStride == l.colStride;
    }

    @Override
    public int hashCode() { return Arrays.hashCode(batchOffsets) * 31 + rowStride * 7 + colStride; }

    @Override
    public String toString() {
        return "MatrixLayout(batch " + batch() + ", row stride " + rowStride + ", col stride " + colStride + ")";
    }
}
