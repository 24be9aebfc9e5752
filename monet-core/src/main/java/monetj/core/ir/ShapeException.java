package monetj.core.ir;

import java.util.List;
import monetj.core.tensor.TensorType;

/** A type or shape rule was broken while building a graph. The message names the op and the operand types. */
public final class ShapeException extends IllegalArgumentException {
    public ShapeException(String op, List<TensorType> operands, String problem) {
        super(op + ": " + problem + " (operands: " + operands + ")");
    }

    public ShapeException(String op, String problem) {
        super(op + ": " + problem);
    }

    /** Throws unless {@code condition} holds. */
    public static void check(boolean condition, String op, List<TensorType> operands, String problem) {
        if (!condition) throw new ShapeException(op, operands, problem);
    }

    /** Throws unless there are exactly {@code n} operands. */
    public static void arity(String op, List<TensorType> operands, int n) {
        check(operands.size() == n, op, operands, "expects " + n + " operand(s), got " + operands.size());
    }
}
