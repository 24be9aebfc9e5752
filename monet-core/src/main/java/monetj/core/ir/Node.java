package monetj.core.ir;

import java.util.List;
import monetj.core.tensor.TensorType;

/** An op applied to values of earlier nodes. Nodes are immutable and numbered in creation (topological) order. */
public final class Node {
    private final int id;
    private final Op op;
    private final List<Value> inputs;
    private final List<TensorType> types;

    Node(int id, Op op, List<Value> inputs, List<TensorType> types) {
        this.id = id;
        this.op = op;
        this.inputs = List.copyOf(inputs);
        this.types = List.copyOf(types);
    }

    public int id() { return id; }

    public Op op() { return op; }

    public List<Value> inputs() { return inputs; }

    public List<TensorType> types() { return types; }

    public Value out(int i) { return new Value(this, i); }

    public Value out() {
        if (types.size() != 1) throw new IllegalStateException(op.name() + " has " + types.size() + " results; pick one with out(i)");
        return new Value(this, 0);
    }

    @Override
    public String toString() { return "%" + id + " = " + op + inputs; }
}
