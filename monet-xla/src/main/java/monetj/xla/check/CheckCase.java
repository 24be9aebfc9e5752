package monetj.xla.check;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import monetj.core.dsl.Tensor;
import monetj.core.ir.Graph;
import monetj.core.tensor.DType;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.TensorType;

/**
 * One program of the cross-backend check: a traced function of random inputs, each drawn from [lo, hi)
 * (integers: rounded). {@code dtype} picks the tolerance its results are compared with.
 */
public record CheckCase(String name, DType dtype, List<Input> inputs, Function<List<Tensor>, List<Tensor>> program) {
    /** An argument's type and the range its random values come from. */
    public record Input(TensorType type, double lo, double hi) {}

    /** The traced program, its outputs set. */
    public Graph graph() {
        Graph g = new Graph(name.replaceAll("[^A-Za-z0-9_]", "_"));
        List<Tensor> params = new ArrayList<>();
        for (int i = 0; i < inputs.size(); i++) params.add(new Tensor(g, g.parameter("arg" + i, inputs.get(i).type())));
        g.setOutputs(program.apply(params).stream().map(Tensor::value).toList());
        return g;
    }

    /** Random arguments, the same for every run with the same seed. */
    public List<HostTensor> arguments(long seed) {
        Random rnd = new Random(seed ^ name.hashCode());
        List<HostTensor> out = new ArrayList<>();
        for (Input in : inputs) {
            double[] v = new double[in.type().shape().intSize()];
            for (int i = 0; i < v.length; i++) {
                double x = in.lo() + (in.hi() - in.lo()) * rnd.nextDouble();
                v[i] = in.type().dtype().isFloating() ? x : Math.floor(x);
            }
            DType t = in.type().dtype();
            out.add(t == DType.PRED ? HostTensor.fromDoubles(DType.S32, in.type().shape(), v).to(DType.PRED)
                    : HostTensor.fromDoubles(t, in.type().shape(), v));
        }
        return out;
    }
}
