package monetj.core.exec;

import java.util.ArrayList;
import java.util.List;
import monetj.core.ir.Convert;
import monetj.core.ir.DotGeneral;
import monetj.core.ir.Op;
import monetj.core.ir.ShapeException;
import monetj.core.tensor.DType;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.TensorType;

/**
 * {@code dot_general(convert(x, bf16), y)} (either operand, or both, so marked) as one op: the f32 operand is rounded to
 * bf16 as the product reads it. It is what the executor runs where a bf16-mixed step rounds an f32 master weight only
 * to multiply by it (see {@link RoundedOperandDotRewrite}): the bf16 copy is never written.
 */
record RoundedOperandDot(DotGeneral dot, boolean roundsLhs, boolean roundsRhs) implements Op {
    @Override public String name() { return "dot_general_of_rounded"; }

    @Override
    public List<TensorType> inferTypes(List<TensorType> inputs) {
        ShapeException.arity(name(), inputs, 2);
        List<TensorType> rounded = new ArrayList<>(inputs);
        for (int i = 0; i < 2; i++) {
            if (!rounds(i)) continue;
            TensorType t = inputs.get(i);
            if (t.dtype() != DType.F32) throw new IllegalArgumentException(name() + ": operand " + i + " is rounded from f32 but is " + t);
            rounded.set(i, new TensorType(DType.BF16, t.shape()));
        }
        return dot.inferTypes(rounded);
    }

    /** The marked operands converted to bf16, then the product. */
    @Override
    public List<HostTensor> evaluate(List<HostTensor> inputs) {
        List<HostTensor> operands = new ArrayList<>(inputs);
        for (int i = 0; i < 2; i++) if (rounds(i)) operands.set(i, new Convert(DType.BF16).evaluate(List.of(inputs.get(i))).get(0));
        return dot.evaluate(operands);
    }

    boolean rounds(int operand) { return operand == 0 ? roundsLhs : roundsRhs; }
}
