package monetj.core.ir;

import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Shape;

/**
 * Where the windows of a gather or scatter lie. Each index vector of the indices tensor (one per position of
 * its non-index-vector dimensions) names one window: {@code operandOffsets[b]} is the flat offset of the
 * window's first operand element and {@code otherOffsets[b]} the flat offset of its first element in the
 * other tensor (the gather result or the scatter updates).
 */
record IndexedWindows(long[] operandOffsets, long[] otherOffsets) {
    /** Marks a scatter window that does not fit inside the operand; XLA skips such windows whole. */
    static final long OUT_OF_BOUNDS = -1;

    /**
     * @param windowSizes     the window's extent in every operand dimension (1 for collapsed and batching dims)
     * @param otherBatchDims  the dimensions of {@code other} that enumerate the windows, in indices-dimension order
     * @param clamp           gather semantics: starts are clamped into [0, size - window]; otherwise (scatter)
     *                        windows that do not fit are marked {@link #OUT_OF_BOUNDS}
     */
    static IndexedWindows locate(Shape operand, HostTensor indices, int indexVectorDim, int[] startIndexMap, int[] operandBatchingDims,
            int[] indicesBatchingDims, int[] windowSizes, Shape other, int[] otherBatchDims, boolean clamp) {
        Shape is = indices.shape();
        int ri = is.rank();
        int[] enumerating = indexVectorDim < ri ? DimensionLists.complement(ri, new int[] {indexVectorDim}) : DimensionLists.complement(ri);
        int nb = enumerating.length;
        int count = 1;
        int[] sizes = new int[nb];
        for (int k = 0; k < nb; k++) {
            sizes[k] = is.dim(enumerating[k]);
            count *= sizes[k];
        }
        long[] idx = indices.longs();
        long[] indexStrides = DimensionLists.pick(is.strides(), enumerating);
        long vectorStride = indexVectorDim < ri ? is.strides()[indexVectorDim] : 0;
        long[] otherStrides = DimensionLists.pick(other.strides(), otherBatchDims);
        long[] operandStrides = operand.strides();
        int[] batchPosition = new int[indicesBatchingDims.length]; // index of each batching dim among `enumerating`
        for (int i = 0; i < batchPosition.length; i++) {
            batchPosition[i] = indicesBatchingDims[i] < indexVectorDim ? indicesBatchingDims[i] : indicesBatchingDims[i] - 1;
        }
        long[] operandOffsets = new long[count], otherOffsets = new long[count];
        int[] c = new int[nb];
        long indexBase = 0, otherBase = 0;
        for (int b = 0; b < count; b++) {
            long offset = 0;
            boolean inside = true;
            for (int j = 0; j < startIndexMap.length; j++) {
                int d = startIndexMap[j];
                long start = idx[(int) (indexBase + j * vectorStride)], highest = operand.dim(d) - (long) windowSizes[d];
                if (clamp) start = Math.clamp(start, 0, highest);
                else inside &= start >= 0 && start <= highest;
                offset += start * operandStrides[d];
            }
            for (int i = 0; i < batchPosition.length; i++) offset += c[batchPosition[i]] * operandStrides[operandBatchingDims[i]];
            operandOffsets[b] = inside ? offset : OUT_OF_BOUNDS;
            otherOffsets[b] = otherBase;
            for (int k = nb - 1; k >= 0; k--) { // odometer over the enumerating dims
                c[k]++;
                indexBase += indexStrides[k];
                otherBase += otherStrides[k];
                if (c[k] < sizes[k]) break;
                indexBase -= c[k] * indexStrides[k];
                otherBase -= c[k] * otherStrides[k];
                c[k] = 0;
            }
        }
        return new IndexedWindows(operandOffsets, otherOffsets);
    }

    int count() { return operandOffsets.length; }
}
