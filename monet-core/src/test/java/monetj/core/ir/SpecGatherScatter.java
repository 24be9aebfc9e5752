package monetj.core.ir;

import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Shape;

/**
 * Gather and scatter-add written as the StableHLO spec defines them, one result (or update) element at a
 * time with explicit index vectors: slow and obvious, to check the kernels' window copies against.
 */
final class SpecGatherScatter {
    private SpecGatherScatter() {}

    static HostTensor gather(HostTensor operand, HostTensor indices, Gather g, Shape resultShape) {
        Shape os = operand.shape();
        int[] batchDims = DimensionLists.complement(resultShape.rank(), g.offsetDims());
        int[] windowDims = DimensionLists.complement(os.rank(), g.collapsedSliceDims(), g.operandBatchingDims());
        HostTensor out = HostTensor.zeros(operand.dtype(), resultShape);
        int[] resultIndex = new int[resultShape.rank()];
        for (long flat = 0; flat < resultShape.size(); flat++) {
            unflatten(flat, resultShape, resultIndex);
            int[] batchIndex = pick(resultIndex, batchDims);
            long[] startVector = indexVector(indices, g.indexVectorDim(), batchIndex, g.startIndexMap().length);
            int[] operandIndex = new int[os.rank()];
            for (int j = 0; j < g.startIndexMap().length; j++) {
                int d = g.startIndexMap()[j];
                operandIndex[d] += (int) Math.min(Math.max(startVector[j], 0), os.dim(d) - g.sliceSizes()[d]);
            }
            for (int i = 0; i < g.operandBatchingDims().length; i++) {
                int k = g.startIndicesBatchingDims()[i];
                operandIndex[g.operandBatchingDims()[i]] += batchIndex[k < g.indexVectorDim() ? k : k - 1];
            }
            for (int k = 0; k < windowDims.length; k++) operandIndex[windowDims[k]] += resultIndex[g.offsetDims()[k]];
            copyElement(operand, flatten(operandIndex, os), out, flat);
        }
        return out;
    }

    static HostTensor scatterAdd(HostTensor operand, HostTensor indices, HostTensor updates, Scatter s) {
        Shape os = operand.shape(), us = updates.shape();
        int[] scatterDims = DimensionLists.complement(us.rank(), s.updateWindowDims());
        int[] windowDims = DimensionLists.complement(os.rank(), s.insertedWindowDims(), s.inputBatchingDims());
        double[] acc = operand.doubles().clone();
        int[] updateIndex = new int[us.rank()];
        for (long flat = 0; flat < us.size(); flat++) {
            unflatten(flat, us, updateIndex);
            int[] scatterIndex = pick(updateIndex, scatterDims);
            long[] startVector = indexVector(indices, s.indexVectorDim(), scatterIndex, s.scatterDimsToOperandDims().length);
            long[] resultIndex = new long[os.rank()];
            boolean windowFits = true;
            for (int j = 0; j < startVector.length; j++) {
                int d = s.scatterDimsToOperandDims()[j];
                int windowSize = 1;
                for (int k = 0; k < windowDims.length; k++) if (windowDims[k] == d) windowSize = us.dim(s.updateWindowDims()[k]);
                windowFits &= startVector[j] >= 0 && startVector[j] + windowSize <= os.dim(d);
                resultIndex[d] += startVector[j];
            }
            if (!windowFits) continue; // XLA skips the whole window
            for (int i = 0; i < s.inputBatchingDims().length; i++) {
                int k = s.scatterIndicesBatchingDims()[i];
                resultIndex[s.inputBatchingDims()[i]] += scatterIndex[k < s.indexVectorDim() ? k : k - 1];
            }
            for (int k = 0; k < windowDims.length; k++) resultIndex[windowDims[k]] += updateIndex[s.updateWindowDims()[k]];
            int[] r = new int[os.rank()];
            for (int d = 0; d < r.length; d++) r[d] = (int) resultIndex[d];
            acc[(int) flatten(r, os)] += updates.getDouble(flat);
        }
        return HostTensor.fromDoubles(operand.dtype(), os, acc);
    }

    /** The index vector at the given position of the enumerating (non-index-vector) dims. */
    private static long[] indexVector(HostTensor indices, int indexVectorDim, int[] position, int length) {
        Shape is = indices.shape();
        long[] v = new long[length];
        for (int j = 0; j < length; j++) {
            int[] at = new int[is.rank()];
            for (int d = 0, k = 0; d < is.rank(); d++) at[d] = d == indexVectorDim ? j : position[k++];
            v[j] = indices.getLong(flatten(at, is));
        }
        return v;
    }

    private static int[] pick(int[] index, int[] dims) {
        int[] out = new int[dims.length];
        for (int i = 0; i < dims.length; i++) out[i] = index[dims[i]];
        return out;
    }

    private static void unflatten(long flat, Shape s, int[] index) {
        for (int d = s.rank() - 1; d >= 0; d--) {
            index[d] = (int) (flat % s.dim(d));
            flat /= s.dim(d);
        }
    }

    private static long flatten(int[] index, Shape s) {
        long flat = 0;
        for (int d = 0; d < s.rank(); d++) flat = flat * s.dim(d) + index[d];
        return flat;
    }

    private static void copyElement(HostTensor from, long i, HostTensor to, long j) {
        long w = from.dtype().byteSize();
        java.lang.foreign.MemorySegment.copy(from.data(), i * w, to.data(), j * w, w);
    }
}
