package monetj.core.exec;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Tiles of an f32 matrix transpose, {@code dst[d + i * dstRow + j] = src[s + i + j * srcRow]}, written a vector at a
 * time: each vector of the written rows is one gather of elements {@code srcRow} apart. Rows narrower than a vector
 * (a batch of 32 x 4 matrices turned to 4 x 32) are taken several at a time when they lie next to each other in
 * {@code dst}. Only moves values, so the result is the element-by-element copy's bit for bit. One instance serves
 * every tile of a transpose: the lane maps depend only on its strides and row width.
 */
final class GatheredTile {
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    private static final int LANES = SPECIES.length();

    private final float[] src, dst;
    private final int srcRow, dstRow, cols;
    private final int[] alongRow = new int[LANES]; // lane l reads column j + l
    private final int[] acrossRows; // lane l reads row l / cols, column l % cols; null when rows are not gathered several at a time

    /** For tiles {@code cols} wide (or narrower at the right edge) of a transpose from {@code src} into {@code dst}. */
    GatheredTile(float[] src, float[] dst, int srcRow, int dstRow, int cols) {
        this.src = src;
        this.dst = dst;
        this.srcRow = srcRow;
        this.dstRow = dstRow;
        this.cols = cols;
        for (int l = 0; l < LANES; l++) alongRow[l] = l * srcRow;
        if (cols < LANES && dstRow == cols && LANES % cols == 0) {
            acrossRows = new int[LANES];
            for (int l = 0; l < LANES; l++) acrossRows[l] = l / cols + (l % cols) * srcRow;
        } else {
            acrossRows = null;
        }
    }

    void copy(int s, int d, int rows, int tileCols) {
        int i = 0;
        if (tileCols >= LANES) {
            int whole = tileCols - tileCols % LANES;
            for (; i < rows; i++) {
                int j = 0;
                for (; j < whole; j += LANES) FloatVector.fromArray(SPECIES, src, s + i + j * srcRow, alongRow, 0).intoArray(dst, d + i * dstRow + j);
                for (; j < tileCols; j++) dst[d + i * dstRow + j] = src[s + i + j * srcRow];
            }
        } else if (acrossRows != null && tileCols == cols) {
            int perVector = LANES / cols;
            for (; i + perVector <= rows; i += perVector) FloatVector.fromArray(SPECIES, src, s + i, acrossRows, 0).intoArray(dst, d + i * cols);
        }
        for (; i < rows; i++) for (int j = 0; j < tileCols; j++) dst[d + i * dstRow + j] = src[s + i + j * srcRow];
    }
}
