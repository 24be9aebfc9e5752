package monetj.core.exec;

import java.util.Arrays;
import java.util.List;
import monetj.core.ir.Binary;
import monetj.core.ir.Compare;
import monetj.core.ir.Op;
import monetj.core.ir.Scatter;
import monetj.core.ir.Select;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.TensorType;

/**
 * The updates of a scatter-add summed apart and added into x: where windows reach an element, {@code x + s} (or
 * {@code s + x} when {@code sumFirst}) with {@code s = ((+0 + u1) + u2) + ...} over its updates in window order, the
 * value a scatter into zeros holds there; elsewhere x unchanged. It is what the executor runs for a gradient's
 * scatter into zeros that only an add reads (see {@link ScatterAddRewrite}): the zeros are never materialised.
 * Operands: x, then the scatter's indices and updates; the result has x's type.
 */
record AddScattered(Scatter scatter, boolean sumFirst) implements Op {
    @Override public String name() { return "add_scattered"; }

    @Override
    public List<TensorType> inferTypes(List<TensorType> inputs) { return scatter.inferTypes(inputs); }

    /** The scatter into zeros, added where a window reached (counted by scattering ones), x elsewhere. */
    @Override
    public List<HostTensor> evaluate(List<HostTensor> inputs) {
        HostTensor x = inputs.get(0), indices = inputs.get(1), updates = inputs.get(2);
        HostTensor zeros = HostTensor.zeros(x.dtype(), x.shape());
        HostTensor sums = scatter.evaluate(List.of(zeros, indices, updates)).get(0);
        double[] one = new double[updates.shape().intSize()];
        Arrays.fill(one, 1);
        HostTensor ones = HostTensor.fromDoubles(updates.dtype(), updates.shape(), one);
        HostTensor reached = scatter.evaluate(List.of(zeros, indices, ones)).get(0);
        HostTensor added = new Binary(Binary.Kind.ADD).evaluate(sumFirst ? List.of(sums, x) : List.of(x, sums)).get(0);
        HostTensor mask = new Compare(Compare.Direction.GT).evaluate(List.of(reached, zeros)).get(0);
        return new Select().evaluate(List.of(mask, added, x));
    }
}
