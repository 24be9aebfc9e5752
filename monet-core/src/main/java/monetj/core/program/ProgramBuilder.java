package monetj.core.program;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import monetj.core.dsl.Tensor;
import monetj.core.ir.Graph;
import monetj.core.ir.Sharding;
import monetj.core.ir.Value;
import monetj.core.nn.Module;
import monetj.core.nn.Param;
import monetj.core.nn.ParamTree;
import monetj.core.tensor.TensorType;

/**
 * Traces a program and its signature together: each argument is declared with its leaf (name, group,
 * sharding, donation) and each result is named as it is chosen, so the two can never disagree.
 */
public final class ProgramBuilder {
    private final Graph graph;
    private final List<Leaf> inputs = new ArrayList<>(), outputs = new ArrayList<>();
    private final List<Value> results = new ArrayList<>();
    private final Set<String> inputNames = new HashSet<>(), outputNames = new HashSet<>();
    private Sharding.Mesh mesh;

    public ProgramBuilder(String name) { this.graph = new Graph(name); }

    public Graph graph() { return graph; }

    /**
     * Makes this a program over {@code mesh}: every argument and result given no sharding (scalars, metrics) is
     * replicated over it, so each leaf of the signature says how it is laid out. Call before declaring leaves.
     */
    public ProgramBuilder onMesh(Sharding.Mesh mesh) {
        this.mesh = mesh;
        return this;
    }

    /** Declares the next argument. */
    public Tensor input(String group, String name, TensorType type, Sharding sharding, boolean donated) {
        if (!inputNames.add(name)) throw new IllegalArgumentException(graph.name() + ": argument '" + name + "' declared twice");
        Value v = graph.parameter(name, type);
        if (sharding == null && mesh != null) sharding = Sharding.replicated(mesh, type.rank());
        if (sharding != null) graph.shard(v, sharding);
        inputs.add(new Leaf(name, group, type, sharding, donated, null));
        return new Tensor(graph, v);
    }

    /** Declares a read-only, unsharded argument. */
    public Tensor input(String group, String name, TensorType type) { return input(group, name, type, null, false); }

    /**
     * Declares one argument per entry of {@code types}, in order, named {@code prefix + path}, with the shardings
     * given for some paths; returns the traced tensors under the paths (without the prefix).
     */
    public ParamTree<Tensor> inputs(String group, String prefix, ParamTree<TensorType> types, Map<String, Sharding> shardings, boolean donated) {
        return types.map((path, type) -> input(group, prefix + path, type, shardings.get(path), donated));
    }

    /**
     * Declares a module's variables through its tree: trainable parameters in group {@code params}, then buffers
     * in group {@code buffers}, each named by its path and carrying its sharding. Returns all of them by path.
     */
    public ParamTree<Tensor> variables(Module module, boolean donateParams, boolean donateBuffers) { return variables(module, Map.of(), donateParams, donateBuffers); }

    /**
     * As {@link #variables(Module, boolean, boolean)}, with the stored dtype of some variables (e.g. bf16 weights
     * of a Hugging Face directory) in place of the module's; the shapes must be the module's.
     */
    public ParamTree<Tensor> variables(Module module, Map<String, TensorType> storedTypes, boolean donateParams, boolean donateBuffers) {
        return variables(module, storedTypes, Set.of(), donateParams, donateBuffers);
    }

    /**
     * As {@link #variables(Module, Map, boolean, boolean)}, with the parameters in {@code frozen} declared in group
     * {@code frozen} instead of {@code params}: read-only inputs, never donated (a program passes them through).
     */
    public ParamTree<Tensor> variables(Module module, Map<String, TensorType> storedTypes, Set<String> frozen, boolean donateParams, boolean donateBuffers) {
        Map<String, Tensor> byPath = new LinkedHashMap<>();
        for (Param p : module.parameters()) {
            boolean f = frozen.contains(p.path());
            byPath.put(p.path(), input(f ? "frozen" : "params", p.path(), typeOf(p, storedTypes), p.sharding(), donateParams && !f));
        }
        for (Param p : module.buffers()) byPath.put(p.path(), input("buffers", p.path(), typeOf(p, storedTypes), p.sharding(), donateBuffers));
        return ParamTree.of(module.variables().stream().map(Param::path).toList(), module.variables().stream().map(p -> byPath.get(p.path())).toList());
    }

    private TensorType typeOf(Param p, Map<String, TensorType> storedTypes) {
        TensorType t = storedTypes.getOrDefault(p.path(), p.type());
        if (!t.shape().equals(p.type().shape())) throw new IllegalArgumentException(graph.name() + ": '" + p.path() + "' is " + t + ", the model expects " + p.type());
        return t;
    }

    /** Chooses the next result. A result named like a sharded argument keeps that sharding. */
    public void output(String group, String name, Tensor value) { addOutput(new Leaf(name, group, value.type(), inheritedSharding(name, value), false, null), value); }

    /** Chooses every entry of a tree as results {@code prefix + path}, in order. */
    public void outputs(String group, String prefix, ParamTree<Tensor> values) { values.asMap().forEach((path, t) -> output(group, prefix + path, t)); }

    /** A scalar metric result, in the {@code metrics} group, with its micro-batch combine rule. */
    public void metric(String name, Tensor scalar, MetricCombine combine) {
        if (scalar.rank() != 0) throw new IllegalArgumentException(graph.name() + ": metric '" + name + "' must be a scalar, got " + scalar.type());
        addOutput(new Leaf(name, "metrics", scalar.type(), meshDefault(scalar), false, combine), scalar);
    }

    private Sharding inheritedSharding(String name, Tensor value) {
        for (Leaf l : inputs) {
            if (l.name().equals(name) && l.sharding() != null && l.type().equals(value.type())) {
                graph.shard(value.value(), l.sharding());
                return l.sharding();
            }
        }
        return meshDefault(value);
    }

    /** On a mesh: the value's sharding if it has one, else replicated (and so constrained). Null off a mesh. */
    private Sharding meshDefault(Tensor value) {
        if (mesh == null) return null;
        Sharding s = graph.shardings().get(value.value());
        if (s != null) return s;
        s = Sharding.replicated(mesh, value.rank());
        graph.shard(value.value(), s);
        return s;
    }

    private void addOutput(Leaf leaf, Tensor value) {
        if (value.graph() != graph) throw new IllegalArgumentException(graph.name() + ": result '" + leaf.name() + "' belongs to another graph");
        if (!outputNames.add(leaf.name())) throw new IllegalArgumentException(graph.name() + ": result '" + leaf.name() + "' chosen twice");
        outputs.add(leaf);
        results.add(value.value());
    }

    /** The program: the graph with its outputs set, and the signature. */
    public Program build() {
        graph.setOutputs(results);
        return new Program(graph, new Signature(inputs, outputs));
    }
}
