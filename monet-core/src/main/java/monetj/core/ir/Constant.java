package monetj.core.ir;

import java.util.List;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.TensorType;

/** A literal tensor baked into the program. */
public record Constant(HostTensor value) implements Op {
    @Override public String name() { return "constant"; }

    @Override
    public List<TensorType> inferTypes(List<TensorType> inputs) {
        ShapeException.arity(name(), inputs, 0);
        return List.of(value.type());
    }

    @Override
    public List<HostTensor> evaluate(List<HostTensor> inputs) { return List.of(value); }

    @Override
    public String toString() { return "constant " + value; }
}
