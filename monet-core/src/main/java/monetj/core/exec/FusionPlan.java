package monetj.core.exec;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import monetj.core.ir.Binary;
import monetj.core.ir.BitcastConvert;
import monetj.core.ir.BroadcastInDim;
import monetj.core.ir.Clamp;
import monetj.core.ir.Compare;
import monetj.core.ir.Constant;
import monetj.core.ir.Convert;
import monetj.core.ir.Iota;
import monetj.core.ir.Node;
import monetj.core.ir.Reduce;
import monetj.core.ir.Select;
import monetj.core.ir.Shift;
import monetj.core.ir.Unary;
import monetj.core.ir.Value;
import monetj.core.tensor.DType;
import monetj.core.tensor.TensorType;

/**
 * Which elementwise nodes the executor runs as one loop: walking the graph from its outputs back, an elementwise
 * node joins the cluster of its consumers when all of them are in one cluster of the same shape; otherwise it roots
 * a cluster of its own. Only a root's value is materialised, and the program outputs that joined a cluster (the
 * cluster's extra outputs: an AdamW update's moments beside its parameter), all written by the one loop. A cluster
 * runs at its root's position (every member is an ancestor of the root, so its operands exist by then; program
 * outputs are read only after the last node).
 * Broadcasts feeding a cluster are read through as index maps instead of being materialised. A cluster whose only
 * reader is an f32 reduction over its leading or trailing dimensions is reduced as it is computed, at the
 * reduction's position, and never materialised at all; one whose value other nodes read too is written and
 * reduced by the same loop, at its own position, when the reduction's init value is a constant (softmax: the
 * exponentials and their sum in one pass). Integer bit mixing (random numbers) clusters apart from
 * the arithmetic: its loop keeps exact s32 values in int registers (see {@link IntFusedLoop}).
 */
final class FusionPlan {
    /**
     * Members in topological order (the root last), the values they read from outside, the reduction of the root
     * the loop computes (or null), whether it computes it alongside the root's value (else instead of it), the
     * members besides the root that are program outputs, in topological order, and whether it is integer bit
     * mixing (see {@link #integerFusible}).
     */
    record Cluster(List<Node> members, List<Value> leaves, Node reduce, boolean alongside, List<Node> extras, boolean integer) {
        Node root() { return members.get(members.size() - 1); }

        /** Where the cluster's loop runs: the reduction that consumes it instead of its value, else its root. */
        Node runsAt() { return reduce != null && !alongside ? reduce : root(); }
    }

    private final int[] clusterOf;        // node id -> cluster index, -1 when not fused
    private final List<Cluster> clusters = new ArrayList<>();
    private final java.util.Map<Integer, Cluster> runningAt = new java.util.HashMap<>();
    private final Set<Integer> reducedAlongside = new java.util.HashSet<>(); // reductions a loop computes beside its root

    FusionPlan(List<Node> nodes, List<Value> outputs, int maxId) {
        clusterOf = new int[maxId];
        java.util.Arrays.fill(clusterOf, -1);
        boolean[] isOutput = new boolean[maxId];
        for (Value v : outputs) isOutput[v.node().id()] = true;
        List<List<Node>> users = new ArrayList<>(maxId);
        for (int i = 0; i < maxId; i++) users.add(null);
        for (Node n : nodes) {
            for (Value v : n.inputs()) {
                int id = v.node().id();
                if (users.get(id) == null) users.set(id, new ArrayList<>());
                users.get(id).add(n);
            }
        }
        List<List<Node>> members = new ArrayList<>();
        for (int p = nodes.size() - 1; p >= 0; p--) {
            Node n = nodes.get(p);
            boolean integer = integerFusible(n);
            if (!integer && !fusible(n)) continue;
            int joined = commonCluster(users.get(n.id()));
            if (joined >= 0 && integerFusible(members.get(joined).get(0)) == integer
                    && members.get(joined).get(0).types().get(0).shape().equals(n.types().get(0).shape())) {
                clusterOf[n.id()] = joined;
                members.get(joined).add(n);
            } else {
                clusterOf[n.id()] = members.size();
                members.add(new ArrayList<>(List.of(n)));
            }
        }
        for (List<Node> m : members) {
            List<Node> ordered = new ArrayList<>(m.reversed());
            Set<Value> leaves = new LinkedHashSet<>();
            for (Node n : ordered) for (Value v : n.inputs()) if (clusterOf[v.node().id()] != clusterOf[n.id()]) leaves.add(v);
            Node root = ordered.get(ordered.size() - 1);
            List<Node> readers = users.get(root.id());
            boolean integer = integerFusible(root);
            Node reduce = null;
            boolean alongside = false;
            if (!integer && readers != null) {
                if (!isOutput[root.id()] && readers.size() == 1 && reducesContiguously(readers.get(0), root)) reduce = readers.get(0);
                else {
                    for (Node q : readers) {
                        if (reducesContiguously(q, root) && q.inputs().get(1).node().op() instanceof Constant) {
                            reduce = q;
                            alongside = true;
                            reducedAlongside.add(q.id());
                            break;
                        }
                    }
                }
            }
            List<Node> extras = ordered.stream().filter(n -> n != root && isOutput[n.id()]).toList();
            clusters.add(new Cluster(ordered, List.copyOf(leaves), reduce, alongside, extras, integer));
        }
        for (Cluster c : clusters) runningAt.put(c.runsAt().id(), c);
    }

    /** An f32 reduction of {@code root}'s value over its leading or its trailing dimensions (the two layouts reduced in one pass). */
    private static boolean reducesContiguously(Node n, Node root) {
        if (!(n.op() instanceof Reduce r) || n.inputs().get(0).node() != root || n.inputs().get(1).node() == root) return false;
        int rank = root.types().get(0).rank(), count = r.dims().length;
        if (root.types().get(0).dtype() != DType.F32 || count == 0 || n.types().get(0).shape().size() == 0) return false;
        return ReduceLayout.of(r.dims(), rank) != null;
    }

    /** The cluster all of {@code users} belong to, or -1. */
    private int commonCluster(List<Node> users) {
        if (users == null) return -1;
        int c = clusterOf[users.get(0).id()];
        for (Node u : users) if (clusterOf[u.id()] != c) return -1;
        return c;
    }

    /** The cluster whose loop runs at {@code n}, or null. */
    Cluster runsAt(Node n) { return runningAt.get(n.id()); }

    /** Whether {@code n} is computed inside a loop that runs elsewhere (a member never materialised, or a reduction computed beside its operand). */
    boolean inner(Node n) {
        int c = clusterOf[n.id()];
        return c >= 0 && clusters.get(c).runsAt() != n || reducedAlongside.contains(n.id());
    }

    /** Whether the loop kernel can compute {@code n}: f32 and bf16 arithmetic, their comparisons and selects, and the converts around them. */
    static boolean fusible(Node n) {
        DType out = n.types().get(0).dtype();
        if (n.types().get(0).shape().size() == 0) return false;
        boolean real = out == DType.F32 || out == DType.BF16; // bf16 computes in f32 registers, rounded after each op
        return switch (n.op()) {
            case Binary b -> real;
            case Unary u -> real && u.kind() != Unary.Kind.NOT;
            case Compare c -> n.inputs().get(0).dtype() == DType.F32 || n.inputs().get(0).dtype() == DType.BF16;
            case Select s -> real && n.inputs().get(0).shape().equals(n.types().get(0).shape());
            case Clamp c -> real;
            case Convert c -> {
                DType in = n.inputs().get(0).dtype();
                yield out == DType.F32 ? in == DType.F32 || in == DType.BF16 || in == DType.PRED || in == DType.S32 : out == DType.BF16 && in == DType.F32;
            }
            default -> false;
        };
    }

    /**
     * Whether the integer loop kernel can compute {@code n}: s32 iota, wrapping add, subtract and multiply, and/or/xor,
     * shifts, and the bitcast of s32 bits to f32 (the counter-based random numbers of init programs).
     */
    static boolean integerFusible(Node n) {
        TensorType t = n.types().get(0);
        if (t.shape().size() == 0 || n.types().size() != 1) return false;
        return switch (n.op()) {
            case Binary b -> t.dtype() == DType.S32 && switch (b.kind()) {
                case ADD, SUBTRACT, MULTIPLY, AND, OR, XOR -> true;
                default -> false;
            };
            case Shift s -> t.dtype() == DType.S32;
            case Iota i -> t.dtype() == DType.S32;
            case BitcastConvert c -> t.dtype() == DType.F32 && n.inputs().get(0).dtype() == DType.S32;
            default -> false;
        };
    }

    /** Whether a cluster reads {@code v} through its broadcast instead of materialising it. */
    static boolean readThrough(Value v) {
        if (!(v.node().op() instanceof BroadcastInDim)) return false;
        DType t = v.dtype();
        return t == DType.F32 || t == DType.BF16 || t == DType.PRED || t == DType.S32;
    }
}
