package monetj.core.exec;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import monetj.core.ir.Binary;
import monetj.core.ir.BroadcastInDim;
import monetj.core.ir.Concatenate;
import monetj.core.ir.DotGeneral;
import monetj.core.ir.Node;
import monetj.core.ir.Op;
import monetj.core.ir.Pad;
import monetj.core.ir.Reduce;
import monetj.core.ir.Scatter;
import monetj.core.ir.Slice;
import monetj.core.ir.Transpose;
import monetj.core.ir.Unary;
import monetj.core.tensor.TensorType;

/**
 * The executor's optimised kernels, keyed by op class (as the emitter's table is for StableHLO text). An op
 * without an entry runs its own reference evaluation, {@link Op#evaluate}, which is also every kernel's oracle
 * in the tests.
 */
public final class KernelTable {
    private KernelTable() {}

    /** Binds an op of class O, with its node's result types, to a kernel. */
    @FunctionalInterface
    private interface Binder<O extends Op> {
        ExecutorKernel bind(O op, List<TensorType> results);
    }

    private static final Map<Class<? extends Op>, Binder<? extends Op>> TABLE = new HashMap<>();

    static {
        put(Binary.class, (op, t) -> in -> List.of(BinaryKernel.run(op, in.get(0), in.get(1))));
        put(Unary.class, (op, t) -> in -> List.of(UnaryKernel.run(op, in.get(0))));
        put(BroadcastInDim.class, (op, t) -> in -> List.of(BroadcastKernel.run(op, in.get(0))));
        put(Reduce.class, (op, t) -> in -> List.of(ReduceKernel.run(op, in.get(0), in.get(1), t.get(0))));
        put(Scatter.class, (op, t) -> new ScatterKernel(op, t.get(0), false));
        put(AddScattered.class, (op, t) -> new AddScatteredKernel(op));
        put(RoundedOperandDot.class, (op, t) -> in -> List.of(DotKernel.roundedOperandDot(op, in.get(0), in.get(1), t.get(0))));
        put(RoundedResultDot.class, (op, t) -> in -> List.of(DotKernel.roundedResultDot(op, in.get(0), in.get(1), t.get(0))));
        put(Slice.class, (op, t) -> in -> List.of(RegionKernel.slice(op, in.get(0))));
        put(Pad.class, (op, t) -> in -> List.of(RegionKernel.pad(op, in.get(0), in.get(1))));
        put(Concatenate.class, (op, t) -> in -> List.of(RegionKernel.concatenate(op, in)));
        put(Transpose.class, (op, t) -> in -> List.of(TransposeKernel.run(op, in.get(0))));
    }

    private static <O extends Op> void put(Class<O> type, Binder<O> binder) { TABLE.put(type, binder); }

    /** The kernel the executor runs for {@code node}. */
    public static ExecutorKernel forNode(Node node) {
        if (node.op() instanceof DotGeneral dot) { // bound to its operand types too: tiny products keep a plan
            return new DotNodeKernel(dot, node.inputs().get(0).type(), node.inputs().get(1).type(), node.types().get(0));
        }
        return bind(node.op(), node.types());
    }

    @SuppressWarnings("unchecked")
    private static <O extends Op> ExecutorKernel bind(O op, List<TensorType> results) {
        Binder<O> binder = (Binder<O>) TABLE.get(op.getClass());
        return binder != null ? binder.bind(op, results) : op::evaluate;
    }
}
