package monetj.core.ir;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import monetj.core.dsl.Tensor;
import monetj.core.tensor.StridedRegion;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Shape;
import monetj.core.tensor.TensorType;

/**
 * slice: elements {@code startIndices[d], startIndices[d] + strides[d], ...} below {@code limitIndices[d]} of
 * every dimension d. The result dimension has {@code ceil((limit - start) / stride)} elements.
 */
public record Slice(int[] startIndices, int[] limitIndices, int[] strides) implements Op {
    @Override public String name() { return "slice"; }

    @Override
    public List<TensorType> inferTypes(List<TensorType> in) {
        ShapeException.arity(name(), in, 1);
        Shape s = in.get(0).shape();
        ShapeException.check(startIndices.length == s.rank() && limitIndices.length == s.rank() && strides.length == s.rank(), name(), in,
                "start_indices, limit_indices and strides need one entry per operand dimension, got " + this);
        int[] out = new int[s.rank()];
        for (int d = 0; d < out.length; d++) {
            ShapeException.check(0 <= startIndices[d] && startIndices[d] <= limitIndices[d] && limitIndices[d] <= s.dim(d), name(), in,
                    "dimension " + d + ": need 0 <= start (" + startIndices[d] + ") <= limit (" + limitIndices[d] + ") <= size (" + s.dim(d) + ")");
            ShapeException.check(strides[d] > 0, name(), in, "dimension " + d + ": stride " + strides[d] + " must be positive");
            out[d] = Math.ceilDiv(limitIndices[d] - startIndices[d], strides[d]);
        }
        return List.of(new TensorType(in.get(0).dtype(), Shape.of(out)));
    }

    @Override
    public List<HostTensor> evaluate(List<HostTensor> inputs) {
        HostTensor x = inputs.get(0);
        Shape outShape = inferTypes(List.of(x.type())).get(0).shape();
        HostTensor out = HostTensor.zeros(x.dtype(), outShape);
        long[] src = x.shape().strides(), srcStrides = new long[src.length];
        long base = 0;
        for (int d = 0; d < src.length; d++) {
            base += startIndices[d] * src[d];
            srcStrides[d] = strides[d] * src[d];
        }
        StridedRegion.copy(x, base, srcStrides, out, 0, outShape.strides(), outShape.dims());
        return List.of(out);
    }

    /** The cotangent goes back where the elements came from: zero padding around and between them. */
    @Override
    public List<Tensor> vjp(VjpArgs args) {
        Tensor x = args.input(0), g = args.cotangent();
        List<Tensor> out = new ArrayList<>();
        if (!x.dtype().isFloating()) {
            out.add(null);
            return out;
        }
        int rank = x.rank();
        int[] high = new int[rank], interior = new int[rank];
        for (int d = 0; d < rank; d++) {
            int n = g.dim(d);
            interior[d] = strides[d] - 1;
            high[d] = x.dim(d) - startIndices[d] - n - Math.max(n - 1, 0) * interior[d];
        }
        out.add(g.pad(0.0, startIndices, high, interior));
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Slice s && Arrays.equals(startIndices, s.startIndices) && Arrays.equals(limitIndices, s.limitIndices)
                && Arrays.equals(strides, s.strides);
    }

    @Override
    public int hashCode() { return (Arrays.hashCode(startIndices) * 31 + Arrays.hashCode(limitIndices)) * 31 + Arrays.hashCode(strides); }

    @Override
    public String toString() { return "slice" + Arrays.toString(startIndices) + ":" + Arrays.toString(limitIndices) + ":" + Arrays.toString(strides); }
}
