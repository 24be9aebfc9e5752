package monetj.core.ir;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import monetj.core.dsl.Tensor;
import monetj.core.tensor.IndexMaps;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Shape;
import monetj.core.tensor.TensorType;

/** transpose: result dimension d is operand dimension {@code permutation[d]}. */
public record Transpose(int[] permutation) implements Op {
    @Override public String name() { return "transpose"; }

    @Override
    public List<TensorType> inferTypes(List<TensorType> in) {
        ShapeException.arity(name(), in, 1);
        Shape s = in.get(0).shape();
        ShapeException.check(isPermutation(permutation, s.rank()), name(), in,
                "permutation " + Arrays.toString(permutation) + " is not a permutation of " + s.rank() + " dimensions");
        int[] d = new int[s.rank()];
        for (int i = 0; i < d.length; i++) d[i] = s.dim(permutation[i]);
        return List.of(new TensorType(in.get(0).dtype(), Shape.of(d)));
    }

    static boolean isPermutation(int[] p, int rank) {
        if (p.length != rank) return false;
        boolean[] seen = new boolean[rank];
        for (int i : p) {
            if (i < 0 || i >= rank || seen[i]) return false;
            seen[i] = true;
        }
        return true;
    }

    public int[] inverse() {
        int[] inv = new int[permutation.length];
        for (int i = 0; i < inv.length; i++) inv[permutation[i]] = i;
        return inv;
    }

    @Override
    public List<HostTensor> evaluate(List<HostTensor> inputs) {
        HostTensor x = inputs.get(0);
        Shape out = inferTypes(List.of(x.type())).get(0).shape();
        long[] src = x.shape().strides(), strides = new long[out.rank()];
        for (int d = 0; d < strides.length; d++) strides[d] = src[permutation[d]];
        return List.of(IndexMaps.take(x, IndexMaps.strided(out, strides, 0), out));
    }

    @Override
    public List<Tensor> vjp(VjpArgs args) {
        List<Tensor> out = new ArrayList<>();
        out.add(args.input(0).dtype().isFloating() ? args.cotangent().transpose(inverse()) : null);
        return out;
    }

    @Override public boolean equals(Object o) { return o instanceof Transpose t && Arrays.equals(permutation, t.permutation); }

    @Override public int hashCode() { return Arrays.hashCode(permutation); }

    @Override public String toString() { return "transpose" + Arrays.toString(permutation); }
}
