package monetj.core.ir;

import java.util.ArrayList;
import java.util.List;
import monetj.core.dsl.Tensor;
import monetj.core.tensor.DType;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.TensorType;

/**
 * Reinterprets each element's bits as another dtype of the same width (s32 <-> f32, s64 <-> f64): how random
 * bits become floats exactly, the same on every backend.
 */
public record BitcastConvert(DType target) implements Op {
    @Override public String name() { return "bitcast_convert"; }

    @Override
    public List<TensorType> inferTypes(List<TensorType> in) {
        ShapeException.arity(name(), in, 1);
        DType from = in.get(0).dtype();
        ShapeException.check(from.byteSize() == target.byteSize() && from != DType.PRED && target != DType.PRED, name(), in,
                "can only reinterpret between dtypes of the same width, not " + from + " as " + target);
        return List.of(new TensorType(target, in.get(0).shape()));
    }

    @Override
    public List<HostTensor> evaluate(List<HostTensor> inputs) {
        HostTensor x = inputs.get(0);
        HostTensor r = HostTensor.zeros(target, x.shape());
        java.lang.foreign.MemorySegment.copy(x.data(), 0, r.data(), 0, x.data().byteSize());
        return List.of(r);
    }

    @Override
    public List<Tensor> vjp(VjpArgs args) {
        List<Tensor> out = new ArrayList<>();
        out.add(null);
        return out;
    }
}
