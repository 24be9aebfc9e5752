package monetj.core.ir;

import java.util.Arrays;
import java.util.List;
import monetj.core.dsl.Tensor;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.TensorType;

/** clamp(min, operand, max); min and max are scalars or have the operand's shape. */
public record Clamp() implements Op {
    @Override public String name() { return "clamp"; }

    @Override
    public List<TensorType> inferTypes(List<TensorType> in) {
        ShapeException.arity(name(), in, 3);
        TensorType x = in.get(1);
        for (int i : new int[] {0, 2}) {
            TensorType b = in.get(i);
            ShapeException.check(b.dtype() == x.dtype(), name(), in, "bounds must have the operand's dtype");
            ShapeException.check(b.rank() == 0 || b.shape().equals(x.shape()), name(), in, "bounds must be scalars or match the operand's shape");
        }
        return List.of(x);
    }

    @Override
    public List<HostTensor> evaluate(List<HostTensor> inputs) {
        HostTensor lo = inputs.get(0), x = inputs.get(1), hi = inputs.get(2);
        int n = x.shape().intSize();
        double[] v = x.doubles(), l = lo.doubles(), h = hi.doubles(), r = new double[n];
        for (int i = 0; i < n; i++) {
            double a = l[l.length == 1 ? 0 : i], b = h[h.length == 1 ? 0 : i];
            r[i] = Math.min(Math.max(v[i], a), b);
        }
        return List.of(HostTensor.fromDoubles(x.dtype(), x.shape(), r));
    }

    @Override
    public List<Tensor> vjp(VjpArgs args) {
        Tensor lo = args.input(0), x = args.input(1), hi = args.input(2), g = args.cotangent();
        if (!x.dtype().isFloating()) return Arrays.asList(null, null, null);
        Tensor loB = lo.broadcastTo(x.shape()), hiB = hi.broadcastTo(x.shape());
        Tensor zero = g.zerosLike();
        Tensor below = x.lt(loB), above = x.gt(hiB);
        Tensor dx = below.or(above).where(zero, g);
        Tensor dlo = below.where(g, zero).sumTo(lo.shape());
        Tensor dhi = above.where(g, zero).sumTo(hi.shape());
        return List.of(dlo, dx, dhi);
    }
}
