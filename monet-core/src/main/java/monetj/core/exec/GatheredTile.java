package monetj.core.exec;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * One tile of an f32 matrix transpose, {@code dst[d + i * dstRow + j] = src[s + i + j * srcRow]}, written a vector at
 * a time: each vector of the written rows is one gather of elements {@code srcRow} apart. Rows narrower than a vector
 * (a batch of 32 x 4 matrices turned to 4 x 32) are taken several at a time when they lie next to each other in
 * {@code dst}. Only moves values, so the result is the element-by-element copy's bit for bit.
 */
final class GatheredTile {
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    private static final int LANES = SPECIES.length();

    private GatheredTile() {}

    static void copy(float[] src, int s, float[] dst, int d, int rows, int cols, int srcRow, int dstRow) {
        int i = 0;
        if (cols >= LANES) {
            int[] lanes = new int[LANES]; // lane l reads column j + l
            for (int l = 0; l < LANES; l++) lanes[l] = l * srcRow;
            int whole = cols - cols % LANES;
            for (; i < rows; i++) {
                int j = 0;
                for (; j < whole; j += LANES) FloatVector.fromArray(SPECIES, src, s + i + j * srcRow, lanes, 0).intoArray(dst, d + i * dstRow + j);
                for (; j < cols; j++) dst[d + i * dstRow + j] = src[s + i + j * srcRow];
            }
        } else if (dstRow == cols && LANES % cols == 0) {
            int perVector = LANES / cols;
            int[] lanes = new int[LANES]; // lane l reads row l / cols, column l % cols
            for (int l = 0; l < LANES; l++) lanes[l] = l / cols + (l % cols) * srcRow;
            for (; i + perVector <= rows; i += perVector) FloatVector.fromArray(SPECIES, src, s + i, lanes, 0).intoArray(dst, d + i * cols);
        }
        for (; i < rows; i++) for (int j = 0; j < cols; j++) dst[d + i * dstRow + j] = src[s + i + j * srcRow];
    }
}
