package monetj.core.nn;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import monetj.core.exec.JavaExecutor;
import monetj.core.ir.Sharding;
import monetj.core.program.InitProgram;
import monetj.core.tensor.DType;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Shape;
import monetj.core.tensor.TensorType;

/**
 * A layer: named parameters, buffers and submodules, registered in the constructor. A module holds no
 * values; its forward method reads them from a {@link ParamTree} by each {@link Param}'s path, so one
 * module describes the model for initialisation, tracing and checkpoints alike.
 *
 * <p>Paths are dotted names from the root: a root with child {@code "model"}, which has a
 * {@link ModuleList} {@code "layers"}, whose element 3 has a child {@code "self_attn"} with a child
 * {@code "q_proj"} owning {@code "weight"}, gives {@code "model.layers.3.self_attn.q_proj.weight"}, the
 * Hugging Face key. Trees list entries depth-first in registration order.
 */
public abstract class Module {
    private Module parent;
    private String name = "";
    private final Map<String, Object> members = new LinkedHashMap<>(); // Param or Module, by local name

    /** Registers a trainable parameter that AdamW decays (a matrix of a projection, an expert or an embedding). */
    protected final Param parameter(String name, DType dtype, Shape shape, Initializer init) { return parameter(name, dtype, shape, init, true); }

    /** Registers a trainable parameter; {@code decayed} false exempts it from weight decay (norm scales, biases). */
    protected final Param parameter(String name, DType dtype, Shape shape, Initializer init, boolean decayed) {
        return register(name, new Param(this, name, new TensorType(dtype, shape), init, true, decayed));
    }

    /** Registers a buffer: state saved with the parameters but never differentiated. */
    protected final Param buffer(String name, DType dtype, Shape shape, Initializer init) {
        return register(name, new Param(this, name, new TensorType(dtype, shape), init, false, false));
    }

    /** Registers a submodule under {@code name}; returns it, for {@code this.mlp = child("mlp", new Mlp(..))}. */
    protected final <M extends Module> M child(String name, M module) {
        Module c = module; // private fields are not reachable through the type variable
        if (c.parent != null) throw new IllegalArgumentException("module '" + c.path() + "' is already registered; cannot also register it as '" + name + "'");
        for (Module m = this; m != null; m = m.parent) {
            if (m == c) throw new IllegalArgumentException("registering '" + name + "' in '" + path() + "' would make a cycle");
        }
        register(name, c);
        c.parent = this;
        c.name = name;
        return module;
    }

    private <X> X register(String local, X member) {
        if (local == null || local.isEmpty() || local.contains(".")) {
            throw new IllegalArgumentException("invalid name '" + local + "' in module '" + path() + "' (non-empty, no dots)");
        }
        if (members.putIfAbsent(local, member) != null) throw new IllegalArgumentException("module '" + path() + "' already has a member named '" + local + "'");
        return member;
    }

    /** The dotted path from the root ("" for the root itself). */
    public final String path() {
        if (parent == null) return "";
        String p = parent.path();
        return p.isEmpty() ? name : p + "." + name;
    }

    /** Parameters and buffers of this module and its submodules, depth-first in registration order. */
    public final List<Param> variables() {
        List<Param> out = new ArrayList<>();
        for (Object m : members.values()) {
            if (m instanceof Param p) out.add(p);
            else out.addAll(((Module) m).variables());
        }
        return out;
    }

    /** Every variable by path, in tree order: the checkpoint layout. */
    public final Map<String, Param> variablesByPath() {
        Map<String, Param> out = new LinkedHashMap<>();
        for (Param p : variables()) out.put(p.path(), p);
        return out;
    }

    /** The trainable parameters, in tree order. */
    public final List<Param> parameters() { return variables().stream().filter(Param::trainable).toList(); }

    /** The buffers, in tree order. */
    public final List<Param> buffers() { return variables().stream().filter(p -> !p.trainable()).toList(); }

    /** Paths of the trainable parameters: the usual choice of what to differentiate. */
    public final Set<String> trainablePaths() { return parameters().stream().map(Param::path).collect(Collectors.toUnmodifiableSet()); }

    /** The type of every variable, by path. */
    public final ParamTree<TensorType> types() {
        List<Param> vs = variables();
        return ParamTree.of(vs.stream().map(Param::path).toList(), vs.stream().map(Param::type).toList());
    }

    /**
     * Fresh values of every variable for a run seeded with {@code seed} (each depends only on seed and path): the
     * module's init program run on the Java executor, so they equal what any backend's init program makes.
     */
    public final ParamTree<HostTensor> init(long seed) { return InitProgram.run(new JavaExecutor(), this, seed); }

    /** The sharding annotations attached to variables, by path. */
    public final Map<String, Sharding> shardings() {
        Map<String, Sharding> out = new LinkedHashMap<>();
        for (Param p : variables()) if (p.sharding() != null) out.put(p.path(), p.sharding());
        return out;
    }

    /** Shards every variable as the rules map the logical axes its module declared (refusing axes that do not divide). */
    public final void shard(monetj.core.ir.LogicalAxisRules rules) {
        for (Param p : variables()) p.shard(rules.sharding(p.path(), p.axes(), p.type().shape()));
    }

    /**
     * Checks that {@code values} (e.g. loaded from a checkpoint) has exactly this module's variables with their
     * types; the error lists the missing, unexpected and mistyped keys.
     */
    public final void checkValues(ParamTree<HostTensor> values) {
        ParamTree<TensorType> expected = types();
        List<String> missing = expected.names().stream().filter(k -> !values.contains(k)).toList();
        List<String> unexpected = values.names().stream().filter(k -> !expected.contains(k)).toList();
        List<String> mistyped = expected.names().stream().filter(values::contains).filter(k -> !values.get(k).type().equals(expected.get(k)))
                .map(k -> k + " (" + values.get(k).type() + ", expected " + expected.get(k) + ")").toList();
        if (!missing.isEmpty() || !unexpected.isEmpty() || !mistyped.isEmpty()) {
            throw new IllegalArgumentException(getClass().getSimpleName() + " '" + path() + "': values do not fit the module: missing " + missing
                    + ", unexpected " + unexpected + ", mistyped " + mistyped);
        }
    }

    @Override
    public String toString() { return getClass().getSimpleName() + "('" + path() + "', " + variables().size() + " variables)"; }
}
