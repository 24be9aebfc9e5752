package monetj.core.ir;

import java.util.ArrayList;
import java.util.List;
import monetj.core.dsl.Tensor;
import monetj.core.tensor.StridedRegion;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Shape;
import monetj.core.tensor.TensorType;

/**
 * dynamic_update_slice(operand, update, start_0, ..., start_{r-1}): the operand with the block at the
 * run-time start indices replaced by {@code update}. Starts are clamped into [0, size - update size] as in
 * StableHLO.
 */
public record DynamicUpdateSlice() implements Op {
    @Override public String name() { return "dynamic_update_slice"; }

    @Override
    public List<TensorType> inferTypes(List<TensorType> in) {
        ShapeException.check(in.size() >= 2, name(), in, "needs an operand, an update and start indices");
        TensorType x = in.get(0), u = in.get(1);
        ShapeException.check(u.dtype() == x.dtype(), name(), in, "update must have the operand's dtype");
        ShapeException.check(u.rank() == x.rank(), name(), in, "update must have the operand's rank");
        DynamicSlice.checkStartIndices(name(), in, 2, x.rank());
        for (int d = 0; d < x.rank(); d++) {
            ShapeException.check(u.shape().dim(d) <= x.shape().dim(d), name(), in, "update is larger than the operand in dimension " + d);
        }
        return List.of(x);
    }

    @Override
    public List<HostTensor> evaluate(List<HostTensor> inputs) {
        HostTensor x = inputs.get(0), u = inputs.get(1);
        HostTensor out = x.copy();
        Shape us = u.shape();
        long base = DynamicSlice.clampedBase(inputs.subList(2, inputs.size()), x.shape(), us.dims());
        StridedRegion.copy(u, 0, us.strides(), out, base, x.shape().strides(), us.dims());
        return List.of(out);
    }

    /** The operand keeps the cotangent outside the block; the update gets the block. */
    @Override
    public List<Tensor> vjp(VjpArgs args) {
        Tensor x = args.input(0), u = args.input(1), g = args.cotangent();
        List<Tensor> starts = args.inputs().subList(2, args.inputs().size());
        List<Tensor> out = new ArrayList<>();
        boolean floating = x.dtype().isFloating();
        out.add(floating ? g.dynamicUpdateSlice(u.zerosLike(), starts) : null);
        out.add(floating ? g.dynamicSlice(starts, u.shape().dims()) : null);
        for (int i = 0; i < starts.size(); i++) out.add(null);
        return out;
    }
}
