package monetj.core.nn;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import monetj.core.autodiff.Autodiff;
import monetj.core.backend.Backend;
import monetj.core.dsl.Tensor;
import monetj.core.ir.Graph;
import monetj.core.ir.Sharding;
import monetj.core.ir.Value;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.TensorType;

/**
 * {@code jax.value_and_grad} / {@code jax.grad} over a parameter tree, as a graph that runs on any backend.
 * The objective's first result is the scalar loss that is differentiated; further results (metrics) are
 * returned as values only.
 *
 * <p>The graph's arguments are every entry of the parameter tree in tree order (buffers and frozen
 * parameters included), then the extra inputs. Its results are the objective's results (for
 * {@link #valueAndGrad}), then the loss gradient of each chosen parameter, in tree order.
 */
public final class GradientProgram {
    /** The traced function: results from the parameters and the extra inputs; results.get(0) is the loss. */
    @FunctionalInterface
    public interface Objective {
        List<Tensor> apply(ParamTree<Tensor> params, List<Tensor> inputs);
    }

    /** What one run gives back: the objective's results and the gradients by parameter path. */
    public record Result(List<HostTensor> values, ParamTree<HostTensor> gradients) {
        /** The differentiated loss (only for {@link #valueAndGrad} programs). */
        public HostTensor loss() {
            if (values.isEmpty()) throw new IllegalStateException("a grad program returns no values; build it with valueAndGrad");
            return values.get(0);
        }
    }

    private final Graph graph;
    private final List<String> paramNames;
    private final int inputCount;
    private final int valueCount;
    private final List<String> gradientNames;

    private GradientProgram(Graph graph, List<String> paramNames, int inputCount, int valueCount, List<String> gradientNames) {
        this.graph = graph;
        this.paramNames = paramNames;
        this.inputCount = inputCount;
        this.valueCount = valueCount;
        this.gradientNames = gradientNames;
    }

    /** Values and gradients with respect to the parameters whose paths pass {@code wrt}. */
    public static GradientProgram valueAndGrad(String name, ParamTree<TensorType> params, Map<String, Sharding> shardings, List<TensorType> inputs,
            Predicate<String> wrt, Objective objective) {
        return build(name, params, shardings, inputs, wrt, objective, true);
    }

    /** Gradients only, with respect to the parameters whose paths pass {@code wrt}. */
    public static GradientProgram grad(String name, ParamTree<TensorType> params, Map<String, Sharding> shardings, List<TensorType> inputs,
            Predicate<String> wrt, Objective objective) {
        return build(name, params, shardings, inputs, wrt, objective, false);
    }

    /** Values and gradients of a module's trainable parameters, its shardings attached. */
    public static GradientProgram valueAndGrad(String name, Module model, List<TensorType> inputs, Objective objective) {
        return valueAndGrad(name, model.types(), model.shardings(), inputs, model.trainablePaths()::contains, objective);
    }

    /** Gradients of a module's trainable parameters, its shardings attached. */
    public static GradientProgram grad(String name, Module model, List<TensorType> inputs, Objective objective) {
        return grad(name, model.types(), model.shardings(), inputs, model.trainablePaths()::contains, objective);
    }

    private static GradientProgram build(String name, ParamTree<TensorType> params, Map<String, Sharding> shardings, List<TensorType> inputTypes,
            Predicate<String> wrt, Objective objective, boolean withValues) {
        Graph g = new Graph(name);
        ParamTree<Tensor> p = ParamTree.declare(g, params, shardings);
        List<Tensor> inputs = new ArrayList<>();
        for (int i = 0; i < inputTypes.size(); i++) inputs.add(new Tensor(g, g.parameter("input" + i, inputTypes.get(i))));
        List<Tensor> values = objective.apply(p, List.copyOf(inputs));
        if (values.isEmpty()) throw new IllegalArgumentException(name + ": the objective returned no results (the first must be the loss)");
        Tensor loss = values.get(0);
        if (loss.rank() != 0 || !loss.dtype().isFloating()) throw new IllegalArgumentException(name + ": the loss must be a floating point scalar, got " + loss.type());
        List<String> chosen = params.names().stream().filter(wrt).toList();
        if (chosen.isEmpty()) throw new IllegalArgumentException(name + ": no parameter was chosen for differentiation");
        for (String k : chosen) {
            if (!params.get(k).dtype().isFloating()) throw new IllegalArgumentException(name + ": cannot differentiate with respect to '" + k + "' of type " + params.get(k));
        }
        List<Tensor> grads = Autodiff.grad(loss, chosen.stream().map(p::get).toList());
        List<Value> outs = new ArrayList<>();
        if (withValues) for (Tensor v : values) outs.add(v.value());
        for (Tensor t : grads) outs.add(t.value());
        g.setOutputs(outs);
        return new GradientProgram(g, params.names(), inputTypes.size(), withValues ? values.size() : 0, chosen);
    }

    /** The traced program, ready for any backend's compile. */
    public Graph graph() { return graph; }

    /** The paths of the parameters whose gradients the program returns, in result order. */
    public List<String> gradientNames() { return gradientNames; }

    /** How many objective results precede the gradients (0 for a grad program). */
    public int valueCount() { return valueCount; }

    /** The flat argument list: the parameters (which must match the traced tree's names and order), then the inputs. */
    public List<HostTensor> arguments(ParamTree<HostTensor> params, List<HostTensor> inputs) {
        if (!params.names().equals(paramNames)) {
            List<String> missing = paramNames.stream().filter(k -> !params.contains(k)).toList();
            List<String> extra = params.names().stream().filter(k -> !paramNames.contains(k)).toList();
            throw new IllegalArgumentException(graph.name() + ": parameter tree does not match the traced one (missing " + missing + ", unexpected " + extra
                    + (missing.isEmpty() && extra.isEmpty() ? ", order differs" : "") + ")");
        }
        if (inputs.size() != inputCount) throw new IllegalArgumentException(graph.name() + ": expected " + inputCount + " inputs, got " + inputs.size());
        List<HostTensor> args = new ArrayList<>(params.values());
        args.addAll(inputs);
        return args;
    }

    /** Splits the program's flat results into values and gradients. */
    public Result unpack(List<HostTensor> results) {
        if (results.size() != valueCount + gradientNames.size()) {
            throw new IllegalArgumentException(graph.name() + ": expected " + (valueCount + gradientNames.size()) + " results, got " + results.size());
        }
        return new Result(List.copyOf(results.subList(0, valueCount)), ParamTree.of(gradientNames, results.subList(valueCount, results.size())));
    }

    /** Compiles and runs once on {@code backend}. */
    public Result run(Backend backend, ParamTree<HostTensor> params, List<HostTensor> inputs) {
        return unpack(backend.run(graph, arguments(params, inputs)));
    }
}
