package monetj.core.ir;

import java.util.Arrays;
import java.util.List;
import monetj.core.dsl.Tensor;
import monetj.core.tensor.DType;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.IndexMaps;
import monetj.core.tensor.Shape;
import monetj.core.tensor.TensorType;

/**
 * dot_general: contracts {@code lhsContract} with {@code rhsContract} over matching {@code lhsBatch}/{@code rhsBatch}.
 * The result's dimensions are the batch dimensions, then the lhs free dimensions, then the rhs free
 * dimensions, each in operand order. {@code preferred} (nullable) is the result dtype, e.g. f32 for bf16
 * operands; the accumulation is always at least f32.
 */
public record DotGeneral(int[] lhsBatch, int[] rhsBatch, int[] lhsContract, int[] rhsContract, Precision precision, DType preferred)
        implements Op {
    /** StableHLO precision config, carried through to XLA. */
    public enum Precision { DEFAULT, HIGH, HIGHEST }

    /** Plain matrix product dimension numbers for [.., M, K] x [K, N]-style operands without batch. */
    public static DotGeneral contracting(int lhsDim, int rhsDim) {
        return new DotGeneral(new int[0], new int[0], new int[] {lhsDim}, new int[] {rhsDim}, Precision.DEFAULT, null);
    }

    @Override public String name() { return "dot_general"; }

    @Override
    public List<TensorType> inferTypes(List<TensorType> in) {
        ShapeException.arity(name(), in, 2);
        TensorType l = in.get(0), r = in.get(1);
        ShapeException.check(l.dtype() == r.dtype(), name(), in, "operands must have the same dtype");
        ShapeException.check(l.dtype() != DType.PRED, name(), in, "does not take boolean operands");
        ShapeException.check(lhsBatch.length == rhsBatch.length, name(), in, "lhs and rhs batch dimension lists differ in length");
        ShapeException.check(lhsContract.length == rhsContract.length, name(), in, "lhs and rhs contracting dimension lists differ in length");
        checkDims(in, "lhs", l.shape(), lhsBatch, lhsContract);
        checkDims(in, "rhs", r.shape(), rhsBatch, rhsContract);
        for (int i = 0; i < lhsBatch.length; i++) {
            ShapeException.check(l.shape().dim(lhsBatch[i]) == r.shape().dim(rhsBatch[i]), name(), in,
                    "batch dimension " + lhsBatch[i] + " of lhs and " + rhsBatch[i] + " of rhs differ in size");
        }
        for (int i = 0; i < lhsContract.length; i++) {
            ShapeException.check(l.shape().dim(lhsContract[i]) == r.shape().dim(rhsContract[i]), name(), in,
                    "contracting dimension " + lhsContract[i] + " of lhs (size " + l.shape().dim(lhsContract[i]) + ") and " + rhsContract[i]
                            + " of rhs (size " + r.shape().dim(rhsContract[i]) + ") differ");
        }
        int[] lf = freeDims(l.rank(), lhsBatch, lhsContract), rf = freeDims(r.rank(), rhsBatch, rhsContract);
        int[] out = new int[lhsBatch.length + lf.length + rf.length];
        int k = 0;
        for (int d : lhsBatch) out[k++] = l.shape().dim(d);
        for (int d : lf) out[k++] = l.shape().dim(d);
        for (int d : rf) out[k++] = r.shape().dim(d);
        if (preferred != null) ShapeException.check(preferred.isFloating() == l.dtype().isFloating(), name(), in, "preferred element type " + preferred + " does not suit the operands");
        return List.of(new TensorType(preferred != null ? preferred : l.dtype(), Shape.of(out)));
    }

    private void checkDims(List<TensorType> in, String side, Shape s, int[] batch, int[] contract) {
        boolean[] used = new boolean[s.rank()];
        for (int[] list : new int[][] {batch, contract}) {
            for (int d : list) {
                ShapeException.check(d >= 0 && d < s.rank(), name(), in, side + " dimension " + d + " out of range for shape " + s);
                ShapeException.check(!used[d], name(), in, side + " dimension " + d + " used twice");
                used[d] = true;
            }
        }
    }

    /** Dimensions of an operand that are neither batch nor contracting, ascending. */
    public static int[] freeDims(int rank, int[] batch, int[] contract) {
        boolean[] used = new boolean[rank];
        for (int d : batch) used[d] = true;
        for (int d : contract) used[d] = true;
        int[] f = new int[rank - batch.length - contract.length];
        for (int d = 0, k = 0; d < rank; d++) if (!used[d]) f[k++] = d;
        return f;
    }

    /** Reference evaluation: every result element a sum of products in f64, rounded once to the result dtype. */
    @Override
    public List<HostTensor> evaluate(List<HostTensor> inputs) {
        HostTensor lhs = inputs.get(0), rhs = inputs.get(1);
        TensorType out = inferTypes(List.of(lhs.type(), rhs.type())).get(0);
        long[] ls = lhs.shape().strides(), rs = rhs.shape().strides();
        int[] lf = freeDims(lhs.shape().rank(), lhsBatch, lhsContract), rf = freeDims(rhs.shape().rank(), rhsBatch, rhsContract);
        // Where each result element's lhs and rhs rows start, and where each contracted term lies relative to them.
        long[] lOut = new long[out.rank()], rOut = new long[out.rank()];
        int nb = lhsBatch.length;
        for (int i = 0; i < nb; i++) {
            lOut[i] = ls[lhsBatch[i]];
            rOut[i] = rs[rhsBatch[i]];
        }
        for (int j = 0; j < lf.length; j++) lOut[nb + j] = ls[lf[j]];
        for (int j = 0; j < rf.length; j++) rOut[nb + lf.length + j] = rs[rf[j]];
        int[] lRow = IndexMaps.strided(out.shape(), lOut, 0), rRow = IndexMaps.strided(out.shape(), rOut, 0);
        int[] kDims = new int[lhsContract.length];
        for (int i = 0; i < kDims.length; i++) kDims[i] = lhs.shape().dim(lhsContract[i]);
        Shape k = Shape.of(kDims);
        int[] lTerm = IndexMaps.strided(k, DimensionLists.pick(ls, lhsContract), 0), rTerm = IndexMaps.strided(k, DimensionLists.pick(rs, rhsContract), 0);
        double[] a = lhs.doubles(), b = rhs.doubles(), r = new double[lRow.length];
        for (int o = 0; o < r.length; o++) {
            double sum = 0;
            for (int t = 0; t < lTerm.length; t++) sum += a[lRow[o] + lTerm[t]] * b[rRow[o] + rTerm[t]];
            r[o] = sum;
        }
        return List.of(HostTensor.fromDoubles(out.dtype(), out.shape(), r));
    }

    @Override
    public List<Tensor> vjp(VjpArgs args) {
        Tensor lhs = args.input(0), rhs = args.input(1), g = args.cotangent();
        if (!lhs.dtype().isFloating()) return Arrays.asList(null, null);
        int nb = lhsBatch.length;
        int[] lf = freeDims(lhs.rank(), lhsBatch, lhsContract), rf = freeDims(rhs.rank(), rhsBatch, rhsContract);
        int[] gBatch = range(0, nb), gLhsFree = range(nb, nb + lf.length), gRhsFree = range(nb + lf.length, nb + lf.length + rf.length);
        Tensor gl = g.convert(lhs.dtype());
        // d lhs = g . rhs over the rhs free dims; result [batch, lhs free, rhs contract (ascending)]
        Tensor dl = Tensor.apply(new DotGeneral(gBatch, rhsBatch, gRhsFree, rf, precision, preferred), gl, rhs);
        Tensor dLhs = dl.transpose(placement(lhs.rank(), lhsBatch, lf, lhsContract, rhsContract)).convert(lhs.dtype());
        // d rhs = g . lhs over the lhs free dims; result [batch, rhs free, lhs contract (ascending)]
        Tensor dr = Tensor.apply(new DotGeneral(gBatch, lhsBatch, gLhsFree, lf, precision, preferred), gl, lhs);
        Tensor dRhs = dr.transpose(placement(rhs.rank(), rhsBatch, rf, rhsContract, lhsContract)).convert(rhs.dtype());
        return List.of(dLhs, dRhs);
    }

    /**
     * The permutation taking a gradient laid out as [batch, free, other side's contract dims ascending] back to
     * the operand's own layout: operand contracting dim {@code mine[k]} pairs with the other side's {@code theirs[k]}.
     */
    private static int[] placement(int rank, int[] batch, int[] free, int[] mine, int[] theirs) {
        int[] perm = new int[rank];
        int nb = batch.length, nf = free.length;
        for (int i = 0; i < nb; i++) perm[batch[i]] = i;
        for (int i = 0; i < nf; i++) perm[free[i]] = nb + i;
        int[] sortedTheirs = theirs.clone();
        Arrays.sort(sortedTheirs);
        for (int k = 0; k < mine.length; k++) perm[mine[k]] = nb + nf + Arrays.binarySearch(sortedTheirs, theirs[k]);
        return perm;
    }

    private static int[] range(int from, int to) {
        int[] r = new int[to - from];
        for (int i = 0; i < r.length; i++) r[i] = from + i;
        return r;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DotGeneral d && Arrays.equals(lhsBatch, d.lhsBatch) && Arrays.equals(rhsBatch, d.rhsBatch)
                && Arrays.equals(lhsContract, d.lhsContract) && Arrays.equals(rhsContract, d.rhsContract)
                && precision == d.precision && preferred == d.preferred;
    }

    @Override
    public int hashCode() { return Arrays.hashCode(lhsContract) * 31 + Arrays.hashCode(rhsContract); }

    @Override
    public String toString() {
        return "dot_general(batch " + Arrays.toString(lhsBatch) + "x" + Arrays.toString(rhsBatch) + ", contract "
                + Arrays.toString(lhsContract) + "x" + Arrays.toString(rhsContract) + ")";
    }
}
