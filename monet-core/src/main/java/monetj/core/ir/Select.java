package monetj.core.ir;

import java.util.Arrays;
import java.util.List;
import monetj.core.dsl.Tensor;
import monetj.core.tensor.DType;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Shape;
import monetj.core.tensor.TensorType;

/** select(pred, on_true, on_false); pred is a scalar or has the operands' shape. */
public record Select() implements Op {
    @Override public String name() { return "select"; }

    @Override
    public List<TensorType> inferTypes(List<TensorType> in) {
        ShapeException.arity(name(), in, 3);
        ShapeException.check(in.get(0).dtype() == DType.PRED, name(), in, "first operand must be pred");
        ShapeException.check(in.get(1).equals(in.get(2)), name(), in, "on_true and on_false must have the same type");
        Shape p = in.get(0).shape();
        ShapeException.check(p.rank() == 0 || p.equals(in.get(1).shape()), name(), in, "pred must be a scalar or match the operands' shape");
        return List.of(in.get(1));
    }

    @Override
    public List<HostTensor> evaluate(List<HostTensor> inputs) {
        HostTensor p = inputs.get(0), t = inputs.get(1), f = inputs.get(2);
        if (p.shape().rank() == 0 && t.shape().rank() != 0) return List.of(p.getLong(0) != 0 ? t : f);
        byte[] c = p.preds();
        int n = t.shape().intSize();
        if (t.dtype() == DType.F32) {
            float[] a = t.floats(), b = f.floats(), r = new float[n];
            for (int i = 0; i < n; i++) r[i] = c[i] != 0 ? a[i] : b[i];
            return List.of(HostTensor.of(t.shape(), r));
        }
        // Other dtypes: pick bytes element by element.
        HostTensor out = HostTensor.zeros(t.dtype(), t.shape());
        long w = t.dtype().byteSize();
        for (int i = 0; i < n; i++) {
            HostTensor src = c[i] != 0 ? t : f;
            java.lang.foreign.MemorySegment.copy(src.data(), i * w, out.data(), i * w, w);
        }
        return List.of(out);
    }

    @Override
    public List<Tensor> vjp(VjpArgs args) {
        Tensor p = args.input(0), g = args.cotangent();
        if (!g.dtype().isFloating()) return Arrays.asList(null, null, null);
        Tensor zero = g.zerosLike();
        return Arrays.asList(null, p.where(g, zero), p.where(zero, g));
    }
}
