package monetj.core.ir;

import java.util.Arrays;
import java.util.List;
import monetj.core.dsl.Tensor;
import monetj.core.tensor.DType;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.TensorType;

/** Elementwise comparison giving pred. No gradient flows through it. */
public record Compare(Direction direction) implements Op {
    public enum Direction { EQ, NE, LT, LE, GT, GE }

    @Override public String name() { return "compare"; }

    @Override
    public List<TensorType> inferTypes(List<TensorType> in) {
        ShapeException.arity(name(), in, 2);
        ShapeException.check(in.get(0).equals(in.get(1)), name(), in, "operands must have the same dtype and shape");
        return List.of(new TensorType(DType.PRED, in.get(0).shape()));
    }

    @Override
    public List<HostTensor> evaluate(List<HostTensor> inputs) {
        HostTensor x = inputs.get(0), y = inputs.get(1);
        int n = x.shape().intSize();
        byte[] r = new byte[n];
        if (x.dtype().isFloating()) {
            double[] a = x.doubles(), b = y.doubles();
            for (int i = 0; i < n; i++) r[i] = test(a[i], b[i]) ? (byte) 1 : 0;
        } else {
            long[] a = x.longs(), b = y.longs();
            for (int i = 0; i < n; i++) r[i] = test(Long.compare(a[i], b[i])) ? (byte) 1 : 0;
        }
        return List.of(HostTensor.ofPred(x.shape(), r));
    }

    private boolean test(double a, double b) {
        return switch (direction) { // IEEE semantics: every comparison with NaN is false except NE
            case EQ -> a == b;
            case NE -> a != b;
            case LT -> a < b;
            case LE -> a <= b;
            case GT -> a > b;
            case GE -> a >= b;
        };
    }

    private boolean test(int c) {
        return switch (direction) {
            case EQ -> c == 0;
            case NE -> c != 0;
            case LT -> c < 0;
            case LE -> c <= 0;
            case GT -> c > 0;
            case GE -> c >= 0;
        };
    }

    @Override
    public List<Tensor> vjp(VjpArgs args) { return Arrays.asList(null, null); }
}
