package monetj.core.ir;

import java.util.Arrays;
import java.util.List;
import monetj.core.dsl.Tensor;
import monetj.core.tensor.StridedRegion;
import monetj.core.tensor.DType;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Shape;
import monetj.core.tensor.TensorType;

/**
 * gather(operand, start_indices) with StableHLO's dimension numbers. Every index vector of
 * {@code start_indices} (along {@code indexVectorDim}; an implicit length-1 vector when that equals its rank)
 * names a window of {@code sliceSizes}: component j is the start in operand dimension
 * {@code startIndexMap[j]}, clamped so the window fits. {@code operandBatchingDims[i]} is indexed by the
 * position in {@code startIndicesBatchingDims[i]} instead. The result holds the windows: their
 * {@code collapsedSliceDims} and batching dims (size 1) dropped, the remaining window dims at
 * {@code offsetDims}, the index positions in the other result dims.
 */
public record Gather(int[] offsetDims, int[] collapsedSliceDims, int[] operandBatchingDims, int[] startIndicesBatchingDims,
        int[] startIndexMap, int indexVectorDim, int[] sliceSizes, boolean indicesAreSorted) implements Op {
    @Override public String name() { return "gather"; }

    @Override
    public List<TensorType> inferTypes(List<TensorType> in) {
        ShapeException.arity(name(), in, 2);
        Shape os = in.get(0).shape(), is = in.get(1).shape();
        int r = os.rank(), ri = is.rank();
        ShapeException.check(in.get(1).dtype().isInteger(), name(), in, "start_indices must be s32 or s64");
        ShapeException.check(indexVectorDim >= 0 && indexVectorDim <= ri, name(), in,
                "index_vector_dim " + indexVectorDim + " must lie in [0, " + ri + "] (the rank of start_indices)");
        int vectorSize = indexVectorDim < ri ? is.dim(indexVectorDim) : 1;
        ShapeException.check(startIndexMap.length == vectorSize, name(), in,
                "start_index_map " + Arrays.toString(startIndexMap) + " needs one entry per index vector component (" + vectorSize + ")");
        DimensionLists.check(name(), in, "collapsed_slice_dims", collapsedSliceDims, r, true);
        DimensionLists.check(name(), in, "operand_batching_dims", operandBatchingDims, r, true);
        DimensionLists.checkDisjoint(name(), in, "collapsed_slice_dims", collapsedSliceDims, "operand_batching_dims", operandBatchingDims);
        DimensionLists.check(name(), in, "start_index_map", startIndexMap, r, false);
        DimensionLists.checkDisjoint(name(), in, "start_index_map", startIndexMap, "operand_batching_dims", operandBatchingDims);
        checkBatching(name(), in, os, is, operandBatchingDims, startIndicesBatchingDims, indexVectorDim, "operand_batching_dims", "start_indices_batching_dims");
        ShapeException.check(sliceSizes.length == r, name(), in, "slice_sizes " + Arrays.toString(sliceSizes) + " need one entry per operand dimension");
        for (int d = 0; d < r; d++) {
            ShapeException.check(sliceSizes[d] >= 0 && sliceSizes[d] <= os.dim(d), name(), in,
                    "slice size " + sliceSizes[d] + " of operand dimension " + d + " must lie in [0, " + os.dim(d) + "]");
            boolean dropped = DimensionLists.contains(collapsedSliceDims, d) || DimensionLists.contains(operandBatchingDims, d);
            ShapeException.check(!dropped || sliceSizes[d] == 1, name(), in,
                    "slice size of collapsed or batching operand dimension " + d + " must be 1, got " + sliceSizes[d]);
        }
        int[] window = windowDims(r);
        int resultRank = ri - (indexVectorDim < ri ? 1 : 0) + offsetDims.length;
        ShapeException.check(offsetDims.length == window.length, name(), in, "offset_dims " + Arrays.toString(offsetDims) + " must name " + window.length
                + " result dimensions (operand rank minus collapsed and batching dims)");
        DimensionLists.check(name(), in, "offset_dims", offsetDims, resultRank, true);
        int[] out = new int[resultRank];
        for (int k = 0; k < window.length; k++) out[offsetDims[k]] = sliceSizes[window[k]];
        int[] batch = DimensionLists.complement(resultRank, offsetDims), enumerating = enumeratingDims(ri);
        for (int k = 0; k < batch.length; k++) out[batch[k]] = is.dim(enumerating[k]);
        return List.of(new TensorType(in.get(0).dtype(), Shape.of(out)));
    }

    /** Checks the pairing of operand batching dims with indices batching dims (shared with scatter). */
    static void checkBatching(String op, List<TensorType> in, Shape operand, Shape indices, int[] operandDims, int[] indexDims, int indexVectorDim,
            String operandWhat, String indexWhat) {
        DimensionLists.check(op, in, indexWhat, indexDims, indices.rank(), false);
        ShapeException.check(!DimensionLists.contains(indexDims, indexVectorDim), op, in, indexWhat + " must not contain index_vector_dim " + indexVectorDim);
        ShapeException.check(indexDims.length == operandDims.length, op, in, operandWhat + " and " + indexWhat + " differ in length");
        for (int i = 0; i < indexDims.length; i++) {
            ShapeException.check(operand.dim(operandDims[i]) == indices.dim(indexDims[i]), op, in,
                    "batching dimension " + operandDims[i] + " of the operand and " + indexDims[i] + " of the indices differ in size");
        }
    }

    /** Operand dimensions that stay in the result (neither collapsed nor batching), ascending. */
    int[] windowDims(int operandRank) { return DimensionLists.complement(operandRank, collapsedSliceDims, operandBatchingDims); }

    /** The dimensions of start_indices other than the index vector dim: they enumerate the windows. */
    private int[] enumeratingDims(int indicesRank) {
        return indexVectorDim < indicesRank ? DimensionLists.complement(indicesRank, new int[] {indexVectorDim}) : DimensionLists.complement(indicesRank);
    }

    @Override
    public List<HostTensor> evaluate(List<HostTensor> inputs) {
        HostTensor x = inputs.get(0), indices = inputs.get(1);
        Shape os = x.shape(), outShape = inferTypes(List.of(x.type(), indices.type())).get(0).shape();
        HostTensor out = HostTensor.zeros(x.dtype(), outShape);
        IndexedWindows windows = IndexedWindows.locate(os, indices, indexVectorDim, startIndexMap, operandBatchingDims, startIndicesBatchingDims,
                sliceSizes, outShape, DimensionLists.complement(outShape.rank(), offsetDims), true);
        int[] window = windowDims(os.rank());
        int[] counts = new int[window.length];
        for (int k = 0; k < counts.length; k++) counts[k] = sliceSizes[window[k]];
        long[] srcStrides = DimensionLists.pick(os.strides(), window), dstStrides = DimensionLists.pick(outShape.strides(), offsetDims);
        for (int b = 0; b < windows.count(); b++) {
            StridedRegion.copy(x, windows.operandOffsets()[b], srcStrides, out, windows.otherOffsets()[b], dstStrides, counts);
        }
        return List.of(out);
    }

    /**
     * The transpose of a gather is a scatter-add of the cotangent with the same dimension numbers. Scatter skips
     * windows that do not fit where gather clamps them, so the indices are clamped first, exactly as the
     * forward pass did.
     */
    @Override
    public List<Tensor> vjp(VjpArgs args) {
        Tensor x = args.input(0), indices = args.input(1);
        if (!x.dtype().isFloating()) return Arrays.asList(null, null);
        Tensor highest = highestStarts(indices, indexVectorDim, startIndexMap, x.shape(), sliceSizes);
        Tensor clamped = indices.maximum(indices.zerosLike()).minimum(highest);
        Scatter add = new Scatter(offsetDims, collapsedSliceDims, operandBatchingDims, startIndicesBatchingDims, startIndexMap, indexVectorDim,
                indicesAreSorted, false);
        return Arrays.asList(Tensor.apply(add, x.zerosLike(), clamped, args.cotangent()), null);
    }

    /**
     * A tensor shaped like {@code indices} holding, for each index vector component j, the largest start
     * {@code size(startIndexMap[j]) - windowSizes[startIndexMap[j]]} at which a window still fits the operand.
     */
    static Tensor highestStarts(Tensor indices, int indexVectorDim, int[] startIndexMap, Shape operand, int[] windowSizes) {
        double[] highest = new double[startIndexMap.length];
        for (int j = 0; j < highest.length; j++) highest[j] = operand.dim(startIndexMap[j]) - windowSizes[startIndexMap[j]];
        DType t = indices.dtype();
        if (indexVectorDim == indices.rank()) return Tensor.full(indices.graph(), t, indices.shape(), highest[0]);
        Tensor vector = Tensor.constant(indices.graph(), HostTensor.fromDoubles(t, Shape.of(highest.length), highest));
        return vector.broadcastInDim(indices.shape(), indexVectorDim);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Gather g && Arrays.equals(offsetDims, g.offsetDims) && Arrays.equals(collapsedSliceDims, g.collapsedSliceDims)
                && Arrays.equals(operandBatchingDims, g.operandBatchingDims) && Arrays.equals(startIndicesBatchingDims, g.startIndicesBatchingDims)
                && Arrays.equals(startIndexMap, g.startIndexMap) && indexVectorDim == g.indexVectorDim && Arrays.equals(sliceSizes, g.sliceSizes)
                && indicesAreSorted == g.indicesAreSorted;
    }

    @Override
    public int hashCode() { return (Arrays.hashCode(offsetDims) * 31 + Arrays.hashCode(startIndexMap)) * 31 + Arrays.hashCode(sliceSizes); }

    @Override
    public String toString() {
        return "gather(offset_dims " + Arrays.toString(offsetDims) + ", collapsed_slice_dims " + Arrays.toString(collapsedSliceDims)
                + ", operand_batching_dims " + Arrays.toString(operandBatchingDims) + ", start_indices_batching_dims "
                + Arrays.toString(startIndicesBatchingDims) + ", start_index_map " + Arrays.toString(startIndexMap) + ", index_vector_dim "
                + indexVectorDim + ", slice_sizes " + Arrays.toString(sliceSizes) + (indicesAreSorted ? ", indices_are_sorted" : "") + ")";
    }
}
