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
 * scatter(operand, scatter_indices, updates) with addition as the update computation, in StableHLO's
 * dimension-number form: the mirror image of {@link Gather}. Each index vector names a window of the
 * operand (component j is the start in dimension {@code scatterDimsToOperandDims[j]}; the
 * {@code inputBatchingDims} take the index's own position along {@code scatterIndicesBatchingDims}); the
 * updates' {@code updateWindowDims} span the window, with {@code insertedWindowDims} and the batching dims of
 * size 1. The window's update slice is added into the operand; duplicate windows accumulate. A window that
 * does not fit inside the operand is skipped whole, as XLA does (StableHLO leaves it implementation-defined).
 */
public record Scatter(int[] updateWindowDims, int[] insertedWindowDims, int[] inputBatchingDims, int[] scatterIndicesBatchingDims,
        int[] scatterDimsToOperandDims, int indexVectorDim, boolean indicesAreSorted, boolean uniqueIndices) implements Op {
    @Override public String name() { return "scatter"; }

    @Override
    public List<TensorType> inferTypes(List<TensorType> in) {
        ShapeException.arity(name(), in, 3);
        TensorType operand = in.get(0), updates = in.get(2);
        Shape os = operand.shape(), is = in.get(1).shape(), us = updates.shape();
        int r = os.rank(), ri = is.rank();
        ShapeException.check(operand.dtype() != DType.PRED, name(), in, "cannot add booleans");
        ShapeException.check(updates.dtype() == operand.dtype(), name(), in, "updates must have the operand's dtype");
        ShapeException.check(in.get(1).dtype().isInteger(), name(), in, "scatter_indices must be s32 or s64");
        ShapeException.check(indexVectorDim >= 0 && indexVectorDim <= ri, name(), in,
                "index_vector_dim " + indexVectorDim + " must lie in [0, " + ri + "] (the rank of scatter_indices)");
        int vectorSize = indexVectorDim < ri ? is.dim(indexVectorDim) : 1;
        ShapeException.check(scatterDimsToOperandDims.length == vectorSize, name(), in, "scatter_dims_to_operand_dims "
                + Arrays.toString(scatterDimsToOperandDims) + " needs one entry per index vector component (" + vectorSize + ")");
        DimensionLists.check(name(), in, "inserted_window_dims", insertedWindowDims, r, true);
        DimensionLists.check(name(), in, "input_batching_dims", inputBatchingDims, r, true);
        DimensionLists.checkDisjoint(name(), in, "inserted_window_dims", insertedWindowDims, "input_batching_dims", inputBatchingDims);
        DimensionLists.check(name(), in, "scatter_dims_to_operand_dims", scatterDimsToOperandDims, r, false);
        DimensionLists.checkDisjoint(name(), in, "scatter_dims_to_operand_dims", scatterDimsToOperandDims, "input_batching_dims", inputBatchingDims);
        Gather.checkBatching(name(), in, os, is, inputBatchingDims, scatterIndicesBatchingDims, indexVectorDim, "input_batching_dims",
                "scatter_indices_batching_dims");
        DimensionLists.check(name(), in, "update_window_dims", updateWindowDims, us.rank(), true);
        int[] window = windowDims(r);
        ShapeException.check(updateWindowDims.length == window.length, name(), in, "update_window_dims " + Arrays.toString(updateWindowDims)
                + " must name " + window.length + " update dimensions (operand rank minus inserted and batching dims)");
        int[] scatterDims = DimensionLists.complement(us.rank(), updateWindowDims);
        int[] enumerating = indexVectorDim < ri ? DimensionLists.complement(ri, new int[] {indexVectorDim}) : DimensionLists.complement(ri);
        ShapeException.check(scatterDims.length == enumerating.length, name(), in,
                "updates need " + enumerating.length + " scatter dimensions (one per scatter_indices dimension besides index_vector_dim), got " + scatterDims.length);
        for (int k = 0; k < scatterDims.length; k++) {
            ShapeException.check(us.dim(scatterDims[k]) == is.dim(enumerating[k]), name(), in,
                    "update scatter dimension " + scatterDims[k] + " and scatter_indices dimension " + enumerating[k] + " differ in size");
        }
        for (int k = 0; k < window.length; k++) {
            ShapeException.check(us.dim(updateWindowDims[k]) <= os.dim(window[k]), name(), in,
                    "update window dimension " + updateWindowDims[k] + " is larger than operand dimension " + window[k]);
        }
        return List.of(operand);
    }

    /** Operand dimensions spanned by the update windows (neither inserted nor batching), ascending. */
    private int[] windowDims(int operandRank) { return DimensionLists.complement(operandRank, insertedWindowDims, inputBatchingDims); }

    /** The window's extent in every operand dimension. */
    private int[] windowSizes(Shape operand, Shape updates) {
        int[] sizes = new int[operand.rank()];
        Arrays.fill(sizes, 1);
        int[] window = windowDims(operand.rank());
        for (int k = 0; k < window.length; k++) sizes[window[k]] = updates.dim(updateWindowDims[k]);
        return sizes;
    }

    @Override
    public List<HostTensor> evaluate(List<HostTensor> inputs) { return List.of(addInto(inputs.get(0).copy(), inputs.get(1), inputs.get(2))); }

    /**
     * The scatter-add with {@code x}'s storage reused for the result where its dtype allows (f32, f64, s32, s64 held in
     * a Java array): an executor passes an operand that nothing reads afterwards, to update it in place.
     */
    public HostTensor addInto(HostTensor x, HostTensor indices, HostTensor updates) {
        Windows w = windows(x.shape(), indices, updates.shape());
        Accumulator acc = Accumulator.of(x, updates);
        // Sequential: windows may overlap, and overlapping updates must all be added.
        for (int b = 0; b < w.count(); b++) {
            long dst = w.operandStarts()[b];
            if (dst != Windows.SKIPPED) StridedRegion.forEachRun(w.counts(), w.updateStarts()[b], w.updateStrides(), dst, w.operandStrides(), acc);
        }
        return acc.result(x);
    }

    /**
     * Where each update window goes, for executors' own scatter kernels: window b starts at flat operand offset
     * {@code operandStarts[b]} ({@link #SKIPPED} when it does not fit) and at {@code updateStarts[b]} in the updates;
     * its elements are the index box {@code counts}, stepping {@code updateStrides} and {@code operandStrides};
     * {@code extent} is its size in every operand dimension.
     */
    public record Windows(long[] operandStarts, long[] updateStarts, int[] counts, long[] updateStrides, long[] operandStrides, int[] extent) {
        public static final long SKIPPED = IndexedWindows.OUT_OF_BOUNDS;

        public int count() { return operandStarts.length; }

        /**
         * Whether two windows either cover the same elements or none in common: true when the window spans every
         * operand dimension either whole or by one element (a row of a table, one element of a one-hot).
         */
        public boolean identicalOrDisjoint(Shape operand) {
            for (int d = 0; d < extent.length; d++) if (extent[d] != 1 && extent[d] != operand.dim(d)) return false;
            return true;
        }
    }

    /** The windows of updates shaped {@code updates} scattered into an operand shaped {@code operand} at {@code indices}. */
    public Windows windows(Shape operand, HostTensor indices, Shape updates) {
        int[] extent = windowSizes(operand, updates);
        IndexedWindows w = IndexedWindows.locate(operand, indices, indexVectorDim, scatterDimsToOperandDims, inputBatchingDims,
                scatterIndicesBatchingDims, extent, updates, DimensionLists.complement(updates.rank(), updateWindowDims), false);
        int[] counts = new int[updateWindowDims.length];
        for (int k = 0; k < counts.length; k++) counts[k] = updates.dim(updateWindowDims[k]);
        return new Windows(w.operandOffsets(), w.otherOffsets(), counts, DimensionLists.pick(updates.strides(), updateWindowDims),
                DimensionLists.pick(operand.strides(), windowDims(operand.rank())), extent);
    }

    /** Adds runs of the updates into the operand's own array; bf16/f16 accumulate in an f32 copy and round once. */
    private sealed interface Accumulator extends StridedRegion.RunBody {
        HostTensor result(HostTensor operand);

        static Accumulator of(HostTensor operand, HostTensor updates) {
            return switch (operand.dtype()) {
                case F64 -> new F64Sum(operand.doubles(), updates.doubles());
                case F32 -> new F32Sum(operand.floats(), updates.floats());
                case BF16, F16 -> new F32Sum(operand.floats(), updates.floats()); // a converted copy
                case S32 -> new S32Sum(operand.ints(), updates.ints());
                case S64 -> new S64Sum(operand.longs(), updates.longs());
                case PRED -> throw new AssertionError("scatter-add of booleans is refused by the type rule");
            };
        }
    }

    private record F64Sum(double[] acc, double[] upd) implements Accumulator {
        @Override public void run(long s, long d, int n, long ss, long ds) { for (int i = 0; i < n; i++) acc[(int) (d + i * ds)] += upd[(int) (s + i * ss)]; }

        @Override public HostTensor result(HostTensor operand) { return HostTensor.of(operand.shape(), acc); }
    }

    private record F32Sum(float[] acc, float[] upd) implements Accumulator {
        @Override
        public void run(long s, long d, int n, long ss, long ds) {
            if (ss == 1 && ds == 1) {
                int si = (int) s, di = (int) d;
                for (int i = 0; i < n; i++) acc[di + i] += upd[si + i];
            } else {
                for (int i = 0; i < n; i++) acc[(int) (d + i * ds)] += upd[(int) (s + i * ss)];
            }
        }

        @Override public HostTensor result(HostTensor operand) { return HostTensor.fromFloats(operand.dtype(), operand.shape(), acc); }
    }

    private record S32Sum(int[] acc, int[] upd) implements Accumulator {
        @Override public void run(long s, long d, int n, long ss, long ds) { for (int i = 0; i < n; i++) acc[(int) (d + i * ds)] += upd[(int) (s + i * ss)]; }

        @Override public HostTensor result(HostTensor operand) { return HostTensor.of(operand.shape(), acc); }
    }

    private record S64Sum(long[] acc, long[] upd) implements Accumulator {
        @Override public void run(long s, long d, int n, long ss, long ds) { for (int i = 0; i < n; i++) acc[(int) (d + i * ds)] += upd[(int) (s + i * ss)]; }

        @Override public HostTensor result(HostTensor operand) { return HostTensor.of(operand.shape(), acc); }
    }

    /**
     * Addition passes the cotangent to the operand unchanged; each update's cotangent is the cotangent over its
     * window, gathered with the same dimension numbers, and zero for skipped windows.
     */
    @Override
    public List<Tensor> vjp(VjpArgs args) {
        Tensor x = args.input(0), indices = args.input(1), updates = args.input(2), g = args.cotangent();
        if (!x.dtype().isFloating()) return Arrays.asList(null, null, null);
        int[] sizes = windowSizes(x.shape(), updates.shape());
        Gather gather = new Gather(updateWindowDims, insertedWindowDims, inputBatchingDims, scatterIndicesBatchingDims, scatterDimsToOperandDims,
                indexVectorDim, sizes, indicesAreSorted);
        Tensor gathered = Tensor.apply(gather, g, indices);
        Tensor highest = Gather.highestStarts(indices, indexVectorDim, scatterDimsToOperandDims, x.shape(), sizes);
        Tensor fits = indices.ge(indices.zerosLike()).and(indices.le(highest));
        if (indexVectorDim < indices.rank()) fits = fits.convert(DType.S32).reduce(Reduce.Kind.MIN, indexVectorDim).eq(1.0); // all components fit
        Tensor kept = fits.broadcastInDim(updates.shape(), DimensionLists.complement(updates.rank(), updateWindowDims));
        return Arrays.asList(g, null, kept.where(gathered, gathered.zerosLike()));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Scatter s && Arrays.equals(updateWindowDims, s.updateWindowDims) && Arrays.equals(insertedWindowDims, s.insertedWindowDims)
                && Arrays.equals(inputBatchingDims, s.inputBatchingDims) && Arrays.equals(scatterIndicesBatchingDims, s.scatterIndicesBatchingDims)
                && Arrays.equals(scatterDimsToOperandDims, s.scatterDimsToOperandDims) && indexVectorDim == s.indexVectorDim
                && indicesAreSorted == s.indicesAreSorted && uniqueIndices == s.uniqueIndices;
    }

    @Override
    public int hashCode() { return (Arrays.hashCode(updateWindowDims) * 31 + Arrays.hashCode(scatterDimsToOperandDims)) * 31 + indexVectorDim; }

    @Override
    public String toString() {
        return "scatter_add(update_window_dims " + Arrays.toString(updateWindowDims) + ", inserted_window_dims " + Arrays.toString(insertedWindowDims)
                + ", input_batching_dims " + Arrays.toString(inputBatchingDims) + ", scatter_indices_batching_dims "
                + Arrays.toString(scatterIndicesBatchingDims) + ", scatter_dims_to_operand_dims " + Arrays.toString(scatterDimsToOperandDims)
                + ", index_vector_dim " + indexVectorDim + (indicesAreSorted ? ", indices_are_sorted" : "") + (uniqueIndices ? ", unique_indices" : "") + ")";
    }
}
