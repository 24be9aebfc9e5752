package monetj.core.exec;

import java.util.List;
import monetj.core.ir.Scatter;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.TensorType;

/**
 * scatter-add without copying its operand where it can: into the operand itself when nothing reads it afterwards,
 * or, when the operand is a broadcast scalar (the zeros a gradient starts from), into a fresh array filled with it.
 */
final class ScatterKernel implements ExecutorKernel {
    private final Scatter op;
    private final TensorType result;
    private final boolean scalarOperand;

    /** {@code scalarOperand}: operand 0 is passed as the single element its broadcast repeats. */
    ScatterKernel(Scatter op, TensorType result, boolean scalarOperand) {
        this.op = op;
        this.result = result;
        this.scalarOperand = scalarOperand;
    }

    @Override
    public List<HostTensor> run(List<HostTensor> inputs) { return run(inputs, new boolean[inputs.size()]); }

    @Override
    public List<HostTensor> run(List<HostTensor> inputs, boolean[] overwritable) {
        HostTensor x = inputs.get(0), indices = inputs.get(1), updates = inputs.get(2);
        if (scalarOperand) {
            boolean positiveZero = Double.doubleToRawLongBits(x.getDouble(0)) == 0; // what a new Java array holds already
            HostTensor filled = positiveZero ? HostTensor.zeros(result.dtype(), result.shape()) : BlockRepeat.eachElement(x, result.shape());
            return List.of(op.addInto(filled, indices, updates));
        }
        return List.of(overwritable[0] ? op.addInto(x, indices, updates) : op.evaluate(inputs).get(0));
    }
}
