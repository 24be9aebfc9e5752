package monetj.core.ir;

import java.util.ArrayList;
import java.util.List;
import monetj.core.dsl.Tensor;
import monetj.core.tensor.IndexMaps;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Shape;
import monetj.core.tensor.TensorType;

/**
 * sort: sorts one or more operands of one shape along {@code dimension}, all permuted in the order of the
 * first operand, stably. The comparator is {@code compare(comparisonDirection, lhs_0, rhs_0)}, LT for
 * ascending and GT for descending, with floats in total order (TOTALORDER: -NaN < -inf < ... < -0 < +0 <
 * ... < inf < NaN); the emitter writes that comparator region and {@code is_stable = true}.
 */
public record Sort(int dimension, Compare.Direction comparisonDirection) implements Op {
    @Override public String name() { return "sort"; }

    public boolean descending() { return comparisonDirection == Compare.Direction.GT; }

    @Override
    public List<TensorType> inferTypes(List<TensorType> in) {
        ShapeException.check(!in.isEmpty(), name(), in, "needs at least one operand");
        ShapeException.check(comparisonDirection == Compare.Direction.LT || comparisonDirection == Compare.Direction.GT, name(), in,
                "comparison direction must be LT (ascending) or GT (descending), got " + comparisonDirection);
        Shape s = in.get(0).shape();
        ShapeException.check(dimension >= 0 && dimension < s.rank(), name(), in, "dimension " + dimension + " out of range for rank " + s.rank());
        for (TensorType t : in) ShapeException.check(t.shape().equals(s), name(), in, "operands must have the same shape");
        return List.copyOf(in);
    }

    @Override
    public List<HostTensor> evaluate(List<HostTensor> inputs) {
        HostTensor keys = inputs.get(0);
        Shape s = keys.shape();
        int n = s.dim(dimension), inner = (int) s.strides()[dimension];
        int lanes = n == 0 ? 0 : s.intSize() / n;
        int[] source = new int[s.intSize()]; // result element i comes from operand element source[i]
        long[] laneKeys = new long[n];
        int[] perm = new int[n], scratch = new int[n];
        for (int lane = 0; lane < lanes; lane++) {
            int base = (lane / inner) * n * inner + lane % inner;
            for (int j = 0; j < n; j++) {
                laneKeys[j] = StableArgsort.key(keys, base + (long) j * inner);
                perm[j] = j;
            }
            StableArgsort.sort(laneKeys, descending(), perm, scratch, n);
            for (int j = 0; j < n; j++) source[base + j * inner] = base + perm[j] * inner;
        }
        List<HostTensor> out = new ArrayList<>();
        for (HostTensor x : inputs) out.add(IndexMaps.take(x, source, s));
        return out;
    }

    /**
     * Each result is its operand permuted along the dimension, so its cotangent goes back through the inverse
     * permutation: sorting the positions along the dimension gives the permutation, sorting that gives its
     * inverse, and a take-along-axis applies it.
     */
    @Override
    public List<Tensor> vjp(VjpArgs args) {
        Tensor keys = args.input(0);
        List<Tensor> out = new ArrayList<>();
        Tensor inverse = null;
        for (int k = 0; k < args.inputs().size(); k++) {
            Tensor g = args.cotangents().get(k);
            if (g == null || !g.dtype().isFloating()) {
                out.add(null);
                continue;
            }
            if (inverse == null) {
                Tensor positions = keys.positionsAlong(dimension);
                Tensor perm = keys.sort(dimension, descending(), positions).get(1);
                inverse = perm.sort(dimension, false, positions).get(1);
            }
            out.add(g.takeAlongAxis(inverse, dimension));
        }
        return out;
    }
}
