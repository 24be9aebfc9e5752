package monetj.xla.stablehlo;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import monetj.core.ir.Binary;
import monetj.core.ir.BitcastConvert;
import monetj.core.ir.BroadcastInDim;
import monetj.core.ir.Clamp;
import monetj.core.ir.Compare;
import monetj.core.ir.Concatenate;
import monetj.core.ir.Constant;
import monetj.core.ir.Convert;
import monetj.core.ir.CustomCall;
import monetj.core.ir.CustomVjp;
import monetj.core.ir.DotGeneral;
import monetj.core.ir.DynamicSlice;
import monetj.core.ir.DynamicUpdateSlice;
import monetj.core.ir.Gather;
import monetj.core.ir.Iota;
import monetj.core.ir.Node;
import monetj.core.ir.Op;
import monetj.core.ir.OptimizationBarrier;
import monetj.core.ir.Pad;
import monetj.core.ir.Reduce;
import monetj.core.ir.Reshape;
import monetj.core.ir.Scatter;
import monetj.core.ir.Select;
import monetj.core.ir.Shift;
import monetj.core.ir.Slice;
import monetj.core.ir.Sort;
import monetj.core.ir.StopGradient;
import monetj.core.ir.Transpose;
import monetj.core.ir.Unary;
import monetj.core.ir.Value;
import monetj.core.tensor.DType;
import monetj.core.tensor.Shape;
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
    public static OpEmissions standard() { return standard(DotGeneral.Precision.DEFAULT); }

    /**
     * The table with every dot_general emitted at least {@code dotFloor} precise. HIGHEST keeps f32 products in
     * f32 on GPUs, whose default precision for them may be TF32 (reference comparisons need that).
     */
    public static OpEmissions standard(DotGeneral.Precision dotFloor) {
        OpEmissions t = new OpEmissions();
        t.register(Unary.class, (op, n, out) -> out.op(n, "stablehlo." + op.name(), ""));
        t.register(Binary.class, (op, n, out) -> out.op(n, "stablehlo." + op.name(), ""));
        t.register(Shift.class, (op, n, out) -> out.op(n, "stablehlo." + op.name(), ""));
        t.register(Compare.class, OpEmissions::compare);
        t.register(Select.class, (op, n, out) -> out.op(n, "stablehlo.select", ""));
        t.register(Clamp.class, (op, n, out) -> out.op(n, "stablehlo.clamp", ""));
        t.register(Convert.class, (op, n, out) -> out.op(n, "stablehlo.convert", ""));
        t.register(BitcastConvert.class, (op, n, out) -> out.op(n, "stablehlo.bitcast_convert", ""));
        t.register(BroadcastInDim.class, (op, n, out) -> out.op(n, "stablehlo.broadcast_in_dim", "broadcast_dimensions = " + MlirSyntax.i64Array(op.dims())));
        t.register(Reshape.class, (op, n, out) -> out.op(n, "stablehlo.reshape", ""));
        t.register(Transpose.class, (op, n, out) -> out.op(n, "stablehlo.transpose", "permutation = " + MlirSyntax.i64Array(op.permutation())));
        t.register(Reduce.class, OpEmissions::reduce);
        t.register(DotGeneral.class, (op, n, out) -> dotGeneral(op, n, out, dotFloor));
        t.register(Constant.class, (op, n, out) -> out.op(n, "stablehlo.constant", "value = " + DenseLiteral.of(op.value()) + " : " + MlirSyntax.type(op.value().type())));
        t.register(StopGradient.class, (op, n, out) -> out.bind(n, 0, out.operands(n).get(0)));
        t.register(CustomVjp.class, OpEmissions::forwardCustomVjp);
        t.register(CustomCall.class, OpEmissions::customCall);
        t.register(Slice.class, (op, n, out) -> out.op(n, "stablehlo.slice", "start_indices = " + MlirSyntax.i64Array(op.startIndices())
                + ", limit_indices = " + MlirSyntax.i64Array(op.limitIndices()) + ", strides = " + MlirSyntax.i64Array(op.strides())));
        t.register(DynamicSlice.class, (op, n, out) -> out.op(n, "stablehlo.dynamic_slice", "slice_sizes = " + MlirSyntax.i64Array(op.sliceSizes())));
        t.register(DynamicUpdateSlice.class, (op, n, out) -> out.op(n, "stablehlo.dynamic_update_slice", ""));
        t.register(Concatenate.class, (op, n, out) -> out.op(n, "stablehlo.concatenate", "dimension = " + op.dimension() + " : i64"));
        t.register(Pad.class, (op, n, out) -> out.op(n, "stablehlo.pad", "edge_padding_low = " + MlirSyntax.i64Array(op.edgePaddingLow())
                + ", edge_padding_high = " + MlirSyntax.i64Array(op.edgePaddingHigh()) + ", interior_padding = " + MlirSyntax.i64Array(op.interiorPadding())));
        t.register(Iota.class, (op, n, out) -> out.op(n, "stablehlo.iota", "iota_dimension = " + op.iotaDimension() + " : i64"));
        t.register(OptimizationBarrier.class, (op, n, out) -> out.op(n, "stablehlo.optimization_barrier", ""));
        t.register(Gather.class, OpEmissions::gather);
        t.register(Scatter.class, OpEmissions::scatter);
        t.register(Sort.class, OpEmissions::sort);
        return t;
    }

    /** Adds or replaces the emission of one op family. */
    public <T extends Op> OpEmissions register(Class<T> family, OpEmission<T> emission) {
        table.put(family, emission);
        return this;
    }

    /** The op families this table can write. */
    public java.util.Set<Class<? extends Op>> families() { return java.util.Set.copyOf(table.keySet()); }

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
        out.op(n, "stablehlo.compare", compareAttributes(op.direction(), n.inputs().get(0).dtype(), false));
    }

    /** Floats compare as IEEE values (FLOAT), or in total order where NaNs and signed zeros must sort. */
    private static String compareAttributes(Compare.Direction direction, DType t, boolean totalOrder) {
        String type = t.isFloating() ? (totalOrder ? "TOTALORDER" : "FLOAT") : t == DType.PRED ? "UNSIGNED" : "SIGNED";
        return "comparison_direction = #stablehlo<comparison_direction " + direction.name() + ">, compare_type = #stablehlo<comparison_type " + type + ">";
    }

    /** {@code #stablehlo.NAME<field = [..], ...>} with empty lists left out, as StableHLO prints them; {@code tail} (if any) last. */
    private static String dimensionNumbers(String name, String[] fields, int[][] lists, String tail) {
        StringBuilder sb = new StringBuilder("#stablehlo.").append(name).append('<');
        String sep = "";
        for (int i = 0; i < fields.length; i++) {
            if (lists[i].length == 0) continue;
            sb.append(sep).append(fields[i]).append(" = ").append(MlirSyntax.intList(lists[i]));
            sep = ", ";
        }
        if (!tail.isEmpty()) sb.append(sep).append(tail);
        return sb.append('>').toString();
    }

    private static void gather(Gather op, Node n, FunctionWriter out) {
        String dims = dimensionNumbers("gather",
                new String[] {"offset_dims", "collapsed_slice_dims", "operand_batching_dims", "start_indices_batching_dims", "start_index_map"},
                new int[][] {op.offsetDims(), op.collapsedSliceDims(), op.operandBatchingDims(), op.startIndicesBatchingDims(), op.startIndexMap()},
                "index_vector_dim = " + op.indexVectorDim());
        out.op(n, "stablehlo.gather", "dimension_numbers = " + dims + ", slice_sizes = " + MlirSyntax.i64Array(op.sliceSizes())
                + ", indices_are_sorted = " + op.indicesAreSorted());
    }

    private static void scatter(Scatter op, Node n, FunctionWriter out) {
        TensorType scalar = new TensorType(n.inputs().get(0).dtype(), Shape.SCALAR);
        String body = out.region(List.of(scalar, scalar), b -> {
            String r = b.op("stablehlo.add", List.of(b.argument(0), b.argument(1)), List.of(scalar, scalar), "", scalar);
            b.ret(List.of(r), List.of(scalar));
        });
        String dims = dimensionNumbers("scatter",
                new String[] {"update_window_dims", "inserted_window_dims", "input_batching_dims", "scatter_indices_batching_dims", "scatter_dims_to_operand_dims"},
                new int[][] {op.updateWindowDims(), op.insertedWindowDims(), op.inputBatchingDims(), op.scatterIndicesBatchingDims(), op.scatterDimsToOperandDims()},
                "index_vector_dim = " + op.indexVectorDim());
        out.opWithRegions(n, "stablehlo.scatter", "scatter_dimension_numbers = " + dims + ", indices_are_sorted = " + op.indicesAreSorted()
                + ", unique_indices = " + op.uniqueIndices(), body);
    }

    /** The comparator orders by the first operand only (lhs_0, rhs_0); the others are carried along. */
    private static void sort(Sort op, Node n, FunctionWriter out) {
        List<TensorType> scalars = new ArrayList<>();
        for (Value v : n.inputs()) {
            TensorType s = new TensorType(v.dtype(), Shape.SCALAR);
            scalars.add(s);
            scalars.add(s);
        }
        DType key = n.inputs().get(0).dtype();
        TensorType pred = new TensorType(DType.PRED, Shape.SCALAR);
        String body = out.region(scalars, b -> {
            String r = b.op("stablehlo.compare", List.of(b.argument(0), b.argument(1)), List.of(scalars.get(0), scalars.get(1)),
                    compareAttributes(op.comparisonDirection(), key, true), pred);
            b.ret(List.of(r), List.of(pred));
        });
        out.opWithRegions(n, "stablehlo.sort", "dimension = " + op.dimension() + " : i64, is_stable = true", body);
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

    private static void dotGeneral(DotGeneral op, Node n, FunctionWriter out, DotGeneral.Precision floor) {
        String dims = dimensionNumbers("dot",
                new String[] {"lhs_batching_dimensions", "rhs_batching_dimensions", "lhs_contracting_dimensions", "rhs_contracting_dimensions"},
                new int[][] {op.lhsBatch(), op.rhsBatch(), op.lhsContract(), op.rhsContract()}, "");
        DotGeneral.Precision p = op.precision().compareTo(floor) >= 0 ? op.precision() : floor;
        String precision = "#stablehlo<precision " + p.name() + ">";
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
