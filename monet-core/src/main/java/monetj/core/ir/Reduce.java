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
 * reduce(operand, init) over {@code dims} with a sum, max or min body. Floating sums accumulate in f64
 * here (at least as accurate as XLA's f32 accumulation).
 */
public record Reduce(Kind kind, int[] dims) implements Op {
    public enum Kind { SUM, MAX, MIN }

    @Override public String name() { return "reduce"; }

    @Override
    public List<TensorType> inferTypes(List<TensorType> in) {
        ShapeException.arity(name(), in, 2);
        TensorType x = in.get(0), init = in.get(1);
        ShapeException.check(init.rank() == 0 && init.dtype() == x.dtype(), name(), in, "init value must be a scalar of the operand's dtype");
        ShapeException.check(kind != Kind.SUM || x.dtype() != DType.PRED, name(), in, "cannot sum booleans");
        boolean[] reduced = new boolean[x.rank()];
        for (int i = 0; i < dims.length; i++) {
            ShapeException.check(dims[i] >= 0 && dims[i] < x.rank() && !reduced[dims[i]], name(), in,
                    "reduce dimensions " + Arrays.toString(dims) + " must be distinct and within the operand's rank");
            ShapeException.check(i == 0 || dims[i] > dims[i - 1], name(), in, "reduce dimensions " + Arrays.toString(dims) + " must be sorted");
            reduced[dims[i]] = true;
        }
        return List.of(new TensorType(x.dtype(), keptShape(x.shape(), reduced)));
    }

    private static Shape keptShape(Shape s, boolean[] reduced) {
        int[] out = new int[s.rank() - countTrue(reduced)];
        for (int d = 0, k = 0; d < s.rank(); d++) if (!reduced[d]) out[k++] = s.dim(d);
        return Shape.of(out);
    }

    private static int countTrue(boolean[] b) {
        int c = 0;
        for (boolean x : b) if (x) c++;
        return c;
    }

    @Override
    public List<HostTensor> evaluate(List<HostTensor> inputs) {
        HostTensor x = inputs.get(0);
        Shape s = x.shape();
        boolean[] reduced = new boolean[s.rank()];
        for (int d : dims) reduced[d] = true;
        Shape outShape = keptShape(s, reduced);
        // Output offset of every input element: strides of the kept dims, zero for reduced ones.
        long[] outStrides = outShape.strides();
        long[] strides = new long[s.rank()];
        for (int d = 0, k = 0; d < s.rank(); d++) strides[d] = reduced[d] ? 0 : outStrides[k++];
        int[] target = IndexMaps.strided(s, strides, 0);
        int m = outShape.intSize();
        double init = inputs.get(1).getDouble(0);
        double[] acc = new double[m];
        Arrays.fill(acc, init);
        if (x.dtype().isInteger()) { // wraps on overflow, as XLA's integer arithmetic
            return List.of(reduceLongs(x.longs(), target, outShape, inputs.get(1).getLong(0)).to(x.dtype()));
        }
        double[] v = x.dtype() == DType.F32 ? null : x.doubles();
        float[] f = x.dtype() == DType.F32 ? x.floats() : null;
        int n = target.length;
        for (int i = 0; i < n; i++) {
            double e = f != null ? f[i] : v[i];
            int o = target[i];
            acc[o] = switch (kind) {
                case SUM -> acc[o] + e;
                case MAX -> Math.max(acc[o], e);
                case MIN -> Math.min(acc[o], e);
            };
        }
        return List.of(HostTensor.fromDoubles(x.dtype(), outShape, acc));
    }

    private HostTensor reduceLongs(long[] v, int[] target, Shape outShape, long init) {
        long[] acc = new long[outShape.intSize()];
        Arrays.fill(acc, init);
        for (int i = 0; i < v.length; i++) {
            int o = target[i];
            acc[o] = switch (kind) {
                case SUM -> acc[o] + v[i];
                case MAX -> Math.max(acc[o], v[i]);
                case MIN -> Math.min(acc[o], v[i]);
            };
        }
        return HostTensor.of(outShape, acc);
    }

    @Override
    public List<Tensor> vjp(VjpArgs args) {
        Tensor x = args.input(0), g = args.cotangent();
        if (!x.dtype().isFloating()) return Arrays.asList(null, null);
        int[] kept = keptDims(x.rank());
        Tensor gb = g.broadcastInDim(x.shape(), kept);
        if (kind == Kind.SUM) return Arrays.asList(gb, g.sum());
        // max/min: the gradient goes to the elements equal to the result, shared evenly among ties (as JAX).
        Tensor hit = x.eq(args.output().broadcastInDim(x.shape(), kept)).convert(x.dtype());
        Tensor count = hit.reduce(Kind.SUM, dims).broadcastInDim(x.shape(), kept);
        return Arrays.asList(gb.mul(hit).div(count), null);
    }

    /** The operand dimensions that survive, in order. */
    public int[] keptDims(int rank) {
        boolean[] reduced = new boolean[rank];
        for (int d : dims) reduced[d] = true;
        int[] kept = new int[rank - dims.length];
        for (int d = 0, k = 0; d < rank; d++) if (!reduced[d]) kept[k++] = d;
        return kept;
    }

    @Override public boolean equals(Object o) { return o instanceof Reduce r && kind == r.kind && Arrays.equals(dims, r.dims); }

    @Override public int hashCode() { return kind.hashCode() * 31 + Arrays.hashCode(dims); }

    @Override public String toString() { return "reduce_" + kind.name().toLowerCase() + Arrays.toString(dims); }
}
