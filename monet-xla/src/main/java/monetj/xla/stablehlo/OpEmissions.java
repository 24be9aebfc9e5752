package monetj.xla.stablehlo;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import monetj.core.ir.Binary;
import monetj.core.ir.BroadcastInDim;
import monetj.core.ir.Clamp;
import monetj.core.ir.Compare;
import monetj.core.ir.Constant;
import monetj.core.ir.Convert;
import monetj.core.ir.CustomCall;
import monetj.core.ir.CustomVjp;
import monetj.core.ir.DotGeneral;
import monetj.core.ir.Node;
import monetj.core.ir.Op;
import monetj.core.ir.Reduce;
import monetj.core.ir.Reshape;
import monetj.core.ir.Select;
import monetj.core.ir.StopGradient;
import monetj.core.ir.Transpose;
import monetj.core.ir.Unary;
import monetj.core.tensor.DType;
import monetj.core.tensor.TensorType;

/**
 * The emission table: one entry per op family, keyed by the op's record class. A new op family adds one
 * small method here and one {@code register} line in {@link #standard()}.
 */
public final class OpEmissions {
    /**
     * custom_call API version written for {@link CustomCall}: 2 = status-returning, the convention of XLA's
     * registered GPU/CPU custom-call targets that take an opaque string backend_config.
     */
    static final int CUSTOM_CALL_API_VERSION = 2;

    private final Map<Class<? extends Op>, OpEmission<? extends Op>> table = new HashMap<>();

    /** The table for every op family of monet-core. */
    public static OpEmissions standard() {
        OpEmissions t = new OpEmissions();
        t.register(Unary.class, (op, n, out) -> out.op(n, "stablehlo." + op.name(), ""));
        t.register(Binary.class, (op, n, out) -> out.op(n, "stablehlo." + op.name(), ""));
        t.register(Compare.class, OpEmissions::compare);
        t.register(Select.class, (op, n, out) -> out.op(n, "stablehlo.select", ""));
        t.register(Clamp.class, (op, n, out) -> out.op(n, "stablehlo.clamp", ""));
        t.register(Convert.class, (op, n, out) -> out.op(n, "stablehlo.convert", ""));
        t.register(BroadcastInDim.class, (op, n, out) -> out.op(n, "stablehlo.broadcast_in_dim", "broadcast_dimensions = " + MlirSyntax.i64Array(op.dims())));
        t.register(Reshape.class, (op, n, out) -> out.op(n, "stablehlo.reshape", ""));
        t.register(Transpose.class, (op, n, out) -> out.op(n, "stablehlo.transpose", "permutation = " + MlirSyntax.i64Array(op.permutation())));
        t.register(Reduce.class, OpEmissions::reduce);
        t.register(DotGeneral.class, OpEmissions::dotGeneral);
        t.register(Constant.class, (op, n, out) -> out.op(n, "stablehlo.constant", "value = " + DenseLiteral.of(op.value()) + " : " + MlirSyntax.type(op.value().type())));
        t.register(StopGradient.class, (op, n, out) -> out.bind(n, 0, out.operands(n).get(0)));
        t.register(CustomVjp.class, OpEmissions::forwardCustomVjp);
        t.register(CustomCall.class, OpEmissions::customCall);
        return t;
    }

    /** Adds or replaces the emission of one op family. */
    public <T extends Op> OpEmissions register(Class<T> family, OpEmission<T> emission) {
        table.put(family, emission);
        return this;
    }

    @SuppressWarnings("unchecked")
    void emit(Node node, FunctionWriter out) {
        OpEmission<Op> e = (OpEmission<Op>) table.get(node.op().getClass());
        if (e == null) {
            throw new UnsupportedOperationException("no StableHLO emission for op " + node.op().name() + " (" + node.op().getClass().getSimpleName()
                    + ", node %" + node.id() + "); add one to " + OpEmissions.class.getName());
        }
        e.emit(node.op(), node, out);
    }

    private static void compare(Compare op, Node n, FunctionWriter out) {
        DType t = n.inputs().get(0).dtype();
        String type = t.isFloating() ? "FLOAT" : t == DType.PRED ? "UNSIGNED" : "SIGNED";
        out.op(n, "stablehlo.compare", "comparison_direction = #stablehlo<comparison_direction " + op.direction().name()
                + ">, compare_type = #stablehlo<comparison_type " + type + ">");
    }

    private static void reduce(Reduce op, Node n, FunctionWriter out) {
        TensorType scalar = n.inputs().get(1).type();
        String combiner = switch (op.kind()) {
            case SUM -> "stablehlo.add";
            case MAX -> "stablehlo.maximum";
            case MIN -> "stablehlo.minimum";
        };
        String body = out.region(List.of(scalar, scalar), b -> {
            String r = b.op(combiner, List.of(b.argument(0), b.argument(1)), List.of(scalar, scalar), "", scalar);
            b.ret(List.of(r), List.of(scalar));
        });
        out.opWithRegions(n, "stablehlo.reduce", "dimensions = " + MlirSyntax.i64Array(op.dims()), body);
    }

    private static void dotGeneral(DotGeneral op, Node n, FunctionWriter out) {
        StringBuilder dims = new StringBuilder("#stablehlo.dot<");
        String sep = "";
        String[] names = {"lhs_batching_dimensions", "rhs_batching_dimensions", "lhs_contracting_dimensions", "rhs_contracting_dimensions"};
        int[][] lists = {op.lhsBatch(), op.rhsBatch(), op.lhsContract(), op.rhsContract()};
        for (int i = 0; i < names.length; i++) {
            if (lists[i].length == 0) continue; // StableHLO's own printer leaves empty lists out
            dims.append(sep).append(names[i]).append(" = ").append(MlirSyntax.intList(lists[i]));
            sep = ", ";
        }
        dims.append('>');
        String precision = "#stablehlo<precision " + op.precision().name() + ">";
        // The result type carries the preferred element type (e.g. f32 from bf16 operands).
        out.op(n, "stablehlo.dot_general", "dot_dimension_numbers = " + dims + ", precision_config = [" + precision + ", " + precision + "]");
    }

    private static void forwardCustomVjp(CustomVjp op, Node n, FunctionWriter out) {
        List<String> operands = out.operands(n);
        for (int i = 0; i < n.types().size(); i++) out.bind(n, i, operands.get(op.inputCount() + i));
    }

    private static void customCall(CustomCall op, Node n, FunctionWriter out) {
        out.op(n, "stablehlo.custom_call", "call_target_name = " + MlirSyntax.quoted(op.target()) + ", backend_config = "
                + MlirSyntax.quoted(op.backendConfig() == null ? "" : op.backendConfig()) + ", api_version = " + CUSTOM_CALL_API_VERSION
                + " : i32, has_side_effect = false");
    }
}
