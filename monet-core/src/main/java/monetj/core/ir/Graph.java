package monetj.core.ir;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import monetj.core.tensor.TensorType;

/**
 * A program under construction: parameters, nodes in topological order and the chosen outputs. Nodes are
 * only ever appended, so a gradient is built by appending the backward pass to the forward graph; nodes
 * that no output needs are dropped when the graph is compiled.
 */
public final class Graph {
    private final String name;
    private final List<Node> nodes = new ArrayList<>();
    private final List<Node> parameters = new ArrayList<>();
    private final Map<Value, Sharding> shardings = new LinkedHashMap<>();
    private List<Value> outputs = List.of();
    private LogicalAxisRules axisRules;

    public Graph(String name) { this.name = name; }

    public String name() { return name; }

    /** Declares the next parameter (program argument). */
    public Value parameter(String paramName, TensorType type) {
        Node n = append(new Parameter(parameters.size(), paramName, type), List.of());
        parameters.add(n);
        return n.out();
    }

    /** Appends {@code op} applied to {@code inputs}, inferring its result types; returns the node. */
    public Node apply(Op op, List<Value> inputs) {
        for (Value v : inputs) {
            if (v.node().id() >= nodes.size() || nodes.get(v.node().id()) != v.node()) {
                throw new IllegalArgumentException(op.name() + ": operand " + v + " belongs to another graph");
            }
        }
        return append(op, inputs);
    }

    /** Appends a single-result op and returns its value. */
    public Value apply1(Op op, Value... inputs) { return apply(op, List.of(inputs)).out(); }

    private Node append(Op op, List<Value> inputs) {
        List<TensorType> in = new ArrayList<>(inputs.size());
        for (Value v : inputs) in.add(v.type());
        List<TensorType> out = op.inferTypes(in);
        Node n = new Node(nodes.size(), op, inputs, out);
        nodes.add(n);
        return n;
    }

    public void setOutputs(List<Value> outs) { this.outputs = List.copyOf(outs); }

    public List<Value> outputs() { return outputs; }

    public List<Node> nodes() { return Collections.unmodifiableList(nodes); }

    public List<Node> parameters() { return Collections.unmodifiableList(parameters); }

    public List<TensorType> parameterTypes() { return parameters.stream().map(p -> p.types().get(0)).toList(); }

    /** Attaches a sharding annotation to a value (a parameter, a result or an intermediate). */
    public void shard(Value v, Sharding sharding) {
        sharding.check(v.shape());
        shardings.put(v, sharding);
    }

    public Map<Value, Sharding> shardings() { return Collections.unmodifiableMap(shardings); }

    /** The rules that turn logical axis names of intermediates into shardings; null for an unsharded program. */
    public LogicalAxisRules axisRules() { return axisRules; }

    public void setAxisRules(LogicalAxisRules rules) { this.axisRules = rules; }

    /** The nodes the outputs depend on, in topological order (parameters always kept, so arity is stable). */
    public List<Node> liveNodes() {
        boolean[] live = new boolean[nodes.size()];
        for (Value v : outputs) live[v.node().id()] = true;
        for (int i = nodes.size() - 1; i >= 0; i--) {
            if (!live[i]) continue;
            for (Value in : nodes.get(i).inputs()) live[in.node().id()] = true;
        }
        for (Node p : parameters) live[p.id()] = true;
        List<Node> out = new ArrayList<>();
        for (int i = 0; i < nodes.size(); i++) if (live[i]) out.add(nodes.get(i));
        return out;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("graph " + name + " {\n");
        for (Node n : nodes) sb.append("  ").append(n).append(" : ").append(n.types()).append('\n');
        return sb.append("  return ").append(outputs).append("\n}").toString();
    }
}
