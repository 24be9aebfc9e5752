package monetj.core.ir;

import java.util.List;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.TensorType;

/** A program argument. Its value is bound by the executable, never computed. */
public record Parameter(int index, String paramName, TensorType type) implements Op {
    @Override public String name() { return "parameter"; }

    @Override
    public List<TensorType> inferTypes(List<TensorType> inputs) {
        ShapeException.arity(name(), inputs, 0);
        return List.of(type);
    }

    @Override
    public List<HostTensor> evaluate(List<HostTensor> inputs) {
        throw new IllegalStateException("parameter " + paramName + " is bound by the executable, not evaluated");
    }
}
