package monetj.core.ir;

import java.util.List;
import monetj.core.dsl.Tensor;
import monetj.core.tensor.DType;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Shape;
import monetj.core.tensor.TensorType;

/**
 * iota: a tensor of the given type whose element at index {@code (i_0, .., i_n)} is {@code i_iotaDimension}.
 * It has no operands, so no gradient: it is the source of one-hot masks and diagonals.
 */
public record Iota(TensorType type, int iotaDimension) implements Op {
    @Override public String name() { return "iota"; }

    @Override
    public List<TensorType> inferTypes(List<TensorType> in) {
        ShapeException.arity(name(), in, 0);
        ShapeException.check(type.dtype() != DType.PRED, name(), in, "result type " + type + " must be integer or floating point");
        ShapeException.check(iotaDimension >= 0 && iotaDimension < type.rank(), name(), in,
                "iota_dimension " + iotaDimension + " out of range for result type " + type);
        return List.of(type);
    }

    @Override
    public List<HostTensor> evaluate(List<HostTensor> inputs) {
        Shape s = type.shape();
        int n = s.intSize();
        int size = s.dim(iotaDimension);
        long stride = s.strides()[iotaDimension];
        // Row-major: the index along iotaDimension of flat element i is (i / stride) % size.
        if (type.dtype() == DType.S32) { // runs of stride equal values, repeated: no division per element
            int[] v = new int[n];
            for (int i = 0, k = 0; i < n; k = (k + 1) % size) {
                for (long j = 0; j < stride; j++) v[i++] = k;
            }
            return List.of(HostTensor.of(s, v));
        }
        if (type.dtype() == DType.S64) {
            long[] v = new long[n];
            for (int i = 0; i < n; i++) v[i] = (i / stride) % size;
            return List.of(HostTensor.of(s, v));
        }
        double[] v = new double[n];
        for (int i = 0; i < n; i++) v[i] = (i / stride) % size;
        return List.of(HostTensor.fromDoubles(type.dtype(), s, v));
    }

    @Override
    public List<Tensor> vjp(VjpArgs args) { return List.of(); }

    @Override
    public String toString() { return "iota[" + iotaDimension + "]:" + type; }
}
