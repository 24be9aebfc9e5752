package monetj.core.ir;

import monetj.core.tensor.DType;
import monetj.core.tensor.Shape;
import monetj.core.tensor.TensorType;

/** One result of a node. */
public record Value(Node node, int index) {
    public TensorType type() { return node.types().get(index); }

    public DType dtype() { return type().dtype(); }

    public Shape shape() { return type().shape(); }

    @Override
    public String toString() { return "%" + node.id() + (node.types().size() > 1 ? "#" + index : "") + ":" + type(); }
}
