package monetj.xla.stablehlo;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import monetj.core.ir.Node;
import monetj.core.ir.Value;
import monetj.core.tensor.TensorType;

/**
 * The body of {@code @main} being written: SSA names of values and the generic-form op lines. Ops are written
 * in MLIR's generic syntax ({@code %1 = "stablehlo.add"(%0, %0) : (...) -> ...}), whose shape has not
 * changed across StableHLO versions, unlike the custom pretty forms of some ops.
 */
public final class FunctionWriter {
    private final StringBuilder body = new StringBuilder();
    private final Map<Value, String> names = new HashMap<>();
    private int regionCount;

    /** The SSA name of an already written value. */
    public String name(Value v) {
        String n = names.get(v);
        if (n == null) throw new IllegalStateException("value " + v + " is used before it is written");
        return n;
    }

    /** The names of a node's operands, in order. */
    public List<String> operands(Node node) {
        return node.inputs().stream().map(this::name).toList();
    }

    /** Binds result {@code index} of {@code node} to an existing name (ops that forward values emit nothing). */
    public void bind(Node node, int index, String name) { names.put(node.out(index), name); }

    void bind(Value v, String name) { names.put(v, name); }

    /** Writes {@code node}'s own op with its operands, attributes (without braces, may be empty) and result types. */
    public void op(Node node, String opName, String attributes) {
        op(node, opName, operands(node), node.inputs().stream().map(Value::type).toList(), attributes, "");
    }

    /** As {@link #op(Node, String, String)} with regions ({@link #region}) written after the operands. */
    public void opWithRegions(Node node, String opName, String attributes, String regions) {
        op(node, opName, operands(node), node.inputs().stream().map(Value::type).toList(), attributes, regions);
    }

    /** Writes an op whose results are {@code node}'s results, with explicit operands. */
    public void op(Node node, String opName, List<String> operands, List<TensorType> operandTypes, String attributes, String regions) {
        String result = "%v" + node.id();
        int results = node.types().size();
        body.append("    ");
        if (results > 0) body.append(results == 1 ? result : result + ":" + results).append(" = ");
        appendGeneric(body, opName, operands, operandTypes, attributes, regions, node.types());
        for (int i = 0; i < results; i++) bind(node, i, results == 1 ? result : result + "#" + i);
    }

    /** Writes an op that is not a node of the graph (e.g. a sharding constraint); returns its result's name. */
    String extraOp(String resultName, String opName, List<String> operands, List<TensorType> operandTypes, String attributes, TensorType result) {
        body.append("    ").append(resultName).append(" = ");
        appendGeneric(body, opName, operands, operandTypes, attributes, "", List.of(result));
        return resultName;
    }

    private static void appendGeneric(StringBuilder sb, String opName, List<String> operands, List<TensorType> operandTypes,
            String attributes, String regions, List<TensorType> results) {
        sb.append('"').append(opName).append("\"(").append(String.join(", ", operands)).append(')');
        if (!regions.isEmpty()) sb.append(" (").append(regions).append(')');
        if (!attributes.isEmpty()) sb.append(" {").append(attributes).append('}');
        sb.append(" : ").append(MlirSyntax.typeList(operandTypes)).append(" -> ");
        sb.append(results.size() == 1 ? MlirSyntax.type(results.get(0)) : MlirSyntax.typeList(results)).append('\n');
    }

    /**
     * A single-block region (reduction bodies, sort comparators) taking arguments of the given types. The
     * block's names are unique in the function, because regions of StableHLO ops see the enclosing values.
     */
    public String region(List<TensorType> argumentTypes, Consumer<Block> body) {
        Block b = new Block("%r" + regionCount++, argumentTypes);
        body.accept(b);
        if (!b.returned) throw new IllegalStateException("region body did not end with a return");
        return b.text.toString();
    }

    /** The block of a region under construction. */
    public static final class Block {
        private final String prefix;
        private final List<String> arguments = new ArrayList<>();
        private final StringBuilder text = new StringBuilder();
        private int next;
        private boolean returned;

        private Block(String prefix, List<TensorType> argumentTypes) {
            this.prefix = prefix;
            text.append("{\n    ^bb0(");
            for (int i = 0; i < argumentTypes.size(); i++) {
                String a = prefix + "_arg" + i;
                arguments.add(a);
                text.append(i == 0 ? "" : ", ").append(a).append(": ").append(MlirSyntax.type(argumentTypes.get(i)));
            }
            text.append("):\n");
        }

        public String argument(int i) { return arguments.get(i); }

        /** Writes an op inside the block and returns its result's name. */
        public String op(String opName, List<String> operands, List<TensorType> operandTypes, String attributes, TensorType result) {
            String name = prefix + "_" + next++;
            text.append("      ").append(name).append(" = ");
            appendGeneric(text, opName, operands, operandTypes, attributes, "", List.of(result));
            return name;
        }

        public void ret(List<String> values, List<TensorType> types) {
            text.append("      \"stablehlo.return\"(").append(String.join(", ", values)).append(") : ")
                    .append(MlirSyntax.typeList(types)).append(" -> ()\n    }");
            returned = true;
        }
    }

    String body() { return body.toString(); }
}
