package monetj.core.exec;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import monetj.core.ir.Convert;
import monetj.core.ir.DotGeneral;
import monetj.core.ir.Graph;
import monetj.core.ir.Node;
import monetj.core.ir.Value;
import monetj.core.tensor.DType;

/**
 * Compile-time rewrite of {@code dot_general(convert(w, bf16), x)} into {@link RoundedOperandDot}{@code (w, x)} where only
 * such products read the convert: the packed product rounds w to bf16 as it packs it (the same bits: rounding is what
 * the convert does, and the product widens its bf16 operands exactly), so the bf16 copy of w is never written: in a
 * bf16-mixed step, the rounded master weights (the vocabulary table's read by the logits and their gradient), and
 * activations and gradients rounded only to be multiplied. Only where the convert is a pass of its own (w is not
 * computed by an elementwise node that would be fused with it: that loop would then write w in f32 instead of bf16)
 * and for products that are packed ({@link F32Gemm}); others would round a copy anyway. Node ids are kept: the
 * converts stay behind, dead.
 */
final class RoundedOperandDotRewrite {
    private RoundedOperandDotRewrite() {}

    /** {@code graph} with every such product rewritten, or {@code graph} itself when it has none. */
    static Graph apply(Graph graph) {
        Map<Integer, Integer> reads = GraphRewrite.reads(graph), packedReads = new HashMap<>();
        for (Node n : graph.liveNodes()) {
            if (!isPackedBf16Product(n)) continue;
            for (Value v : n.inputs()) if (isLoneRounding(v.node(), reads)) packedReads.merge(v.node().id(), 1, Integer::sum);
        }
        packedReads.entrySet().removeIf(e -> !e.getValue().equals(reads.get(e.getKey()))); // something else reads the bf16 copy
        if (packedReads.isEmpty()) return graph;
        return GraphRewrite.copy(graph, (n, out, copies) -> {
            if (!isPackedBf16Product(n)) return null;
            Value lhs = n.inputs().get(0), rhs = n.inputs().get(1);
            boolean roundsLhs = packedReads.containsKey(lhs.node().id()), roundsRhs = packedReads.containsKey(rhs.node().id());
            if (!roundsLhs && !roundsRhs) return null;
            return out.apply(new RoundedOperandDot((DotGeneral) n.op(), roundsLhs, roundsRhs),
                    List.of(copies.of(roundsLhs ? lhs.node().inputs().get(0) : lhs), copies.of(roundsRhs ? rhs.node().inputs().get(0) : rhs)));
        });
    }

    /**
     * A convert of f32 to bf16 that runs as a loop of its own: its operand is materialised anyway (a parameter, the result
     * of a node the fused loops do not compute, or a value something else reads too), so nothing is fused into it.
     */
    private static boolean isLoneRounding(Node n, Map<Integer, Integer> reads) {
        if (!(n.op() instanceof Convert c && c.target() == DType.BF16 && n.inputs().get(0).dtype() == DType.F32)) return false;
        Node operand = n.inputs().get(0).node();
        return !FusionPlan.fusible(operand) || reads.get(operand.id()) > 1;
    }

    /** A dot_general of bf16 operands with an f32 or bf16 result that {@link F32Gemm} packs (neither tiny nor a few rows). */
    static boolean isPackedBf16Product(Node n) {
        if (!(n.op() instanceof DotGeneral d)) return false;
        Value lhs = n.inputs().get(0), rhs = n.inputs().get(1);
        DType out = n.types().get(0).dtype();
        if (lhs.dtype() != DType.BF16 || rhs.dtype() != DType.BF16 || (out != DType.F32 && out != DType.BF16)) return false;
        int[] lf = DotGeneral.freeDims(lhs.shape().rank(), d.lhsBatch(), d.lhsContract());
        int[] rf = DotGeneral.freeDims(rhs.shape().rank(), d.rhsBatch(), d.rhsContract());
        int m = DotKernel.product(lhs.shape(), lf), k = DotKernel.product(lhs.shape(), d.lhsContract()), cols = DotKernel.product(rhs.shape(), rf);
        return DotKernel.product(lhs.shape(), d.lhsBatch()) > 0 && m >= F32Gemm.DIRECT_BELOW_ROWS && k > 0 && cols > 0
                && !F32SmallProduct.suits(m, k, cols);
    }
}
