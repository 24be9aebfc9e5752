package monetj.core.exec;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import monetj.core.backend.Backend;
import monetj.core.backend.DeviceBuffer;
import monetj.core.backend.Executable;
import monetj.core.ir.Binary;
import monetj.core.ir.BroadcastInDim;
import monetj.core.ir.CustomCall;
import monetj.core.ir.Graph;
import monetj.core.ir.Node;
import monetj.core.ir.Parameter;
import monetj.core.ir.Value;
import monetj.core.tensor.DType;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.TensorType;

/**
 * The embedded backend: interprets a graph node by node with each op's Java kernel. Needs nothing but a JDK.
 * Intermediates are dropped after their last use so peak memory follows the live set, not the graph.
 */
public final class JavaExecutor implements Backend {
    @Override
    public String platform() { return "java"; }

    @Override
    public Executable compile(Graph graph) {
        List<Node> live = graph.liveNodes();
        for (Node n : live) {
            if (n.op() instanceof CustomCall c) {
                throw new UnsupportedOperationException("the Java executor cannot run custom_call '" + c.target()
                        + "' (node %" + n.id() + " of graph " + graph.name() + "); run this graph on a PJRT backend");
            }
        }
        return new Program(graph, live);
    }

    @Override
    public DeviceBuffer put(HostTensor tensor) { return new HostBuffer(tensor); }

    @Override
    public HostTensor get(DeviceBuffer buffer) { return ((HostBuffer) buffer).tensor(); }

    /** A "device" buffer of the Java executor: a host tensor. */
    static final class HostBuffer implements DeviceBuffer {
        private HostTensor tensor;

        HostBuffer(HostTensor tensor) { this.tensor = tensor; }

        HostTensor tensor() {
            if (tensor == null) throw new IllegalStateException("buffer was deleted or donated");
            return tensor;
        }

        @Override public TensorType type() { return tensor().type(); }

        @Override public boolean isDeleted() { return tensor == null; }

        @Override public void close() { tensor = null; }
    }

    /**
     * A compiled graph: the live nodes in order, each with the values it reads and the values that die after it.
     * One rewrite saves most of the memory traffic of scalar arithmetic: an f32 binary op whose operand is a
     * scalar broadcast (x * 0.9, g / n) reads the scalar itself, and the broadcast is never materialised unless
     * something else needs it.
     */
    private static final class Program implements Executable {
        private final Graph graph;
        private final List<Node> nodes;
        private final List<List<Value>> reads;   // per position: the values the step reads
        private final int[] scalarOperand;      // per position: for a fused binary op, which operand is the scalar; else -1
        private final boolean[] skipped;        // per position: a broadcast nobody needs materialised
        private final int[][] lastUseFrees;     // per position: node ids whose values die after it
        private final int maxId;
        private volatile long lastPeakLiveBytes = -1;

        Program(Graph graph, List<Node> nodes) {
            this.graph = graph;
            this.nodes = nodes;
            this.maxId = nodes.isEmpty() ? 0 : nodes.get(nodes.size() - 1).id() + 1;
            int n = nodes.size();
            reads = new ArrayList<>(n);
            scalarOperand = new int[n];
            skipped = new boolean[n];
            int[] plainUses = new int[maxId];
            for (Value v : graph.outputs()) plainUses[v.node().id()]++;
            for (int p = 0; p < n; p++) {
                Node node = nodes.get(p);
                int k = fusableScalarOperand(node);
                scalarOperand[p] = k;
                List<Value> r = new ArrayList<>(node.inputs());
                if (k >= 0) r.set(k, node.inputs().get(k).node().inputs().get(0));
                reads.add(r);
                for (Value v : r) plainUses[v.node().id()]++;
            }
            for (int p = 0; p < n; p++) skipped[p] = isScalarSplat(nodes.get(p)) && plainUses[nodes.get(p).id()] == 0;
            int[] last = new int[maxId];
            java.util.Arrays.fill(last, -1);
            for (int p = 0; p < n; p++) for (Value v : reads.get(p)) last[v.node().id()] = p;
            for (Value v : graph.outputs()) last[v.node().id()] = Integer.MAX_VALUE;
            List<List<Integer>> frees = new ArrayList<>();
            for (int p = 0; p < n; p++) frees.add(new ArrayList<>());
            for (int id = 0; id < maxId; id++) if (last[id] >= 0 && last[id] != Integer.MAX_VALUE) frees.get(last[id]).add(id);
            lastUseFrees = new int[n][];
            for (int p = 0; p < n; p++) lastUseFrees[p] = frees.get(p).stream().mapToInt(Integer::intValue).toArray();
        }

        /** An f32 broadcast_in_dim of a single element. */
        private static boolean isScalarSplat(Node n) {
            return n.op() instanceof BroadcastInDim && n.types().get(0).dtype() == DType.F32 && n.inputs().get(0).shape().size() == 1;
        }

        /** For an f32 binary op with exactly one scalar-splat operand, that operand's index; else -1. */
        private static int fusableScalarOperand(Node n) {
            if (!(n.op() instanceof Binary) || n.types().get(0).dtype() != DType.F32) return -1;
            boolean a = isScalarSplat(n.inputs().get(0).node()), b = isScalarSplat(n.inputs().get(1).node());
            return a == b ? -1 : a ? 0 : 1;
        }

        @Override
        public OptionalLong peakLiveBytes() { return lastPeakLiveBytes < 0 ? OptionalLong.empty() : OptionalLong.of(lastPeakLiveBytes); }

        @Override
        public List<DeviceBuffer> execute(List<DeviceBuffer> args, Set<Integer> donated) {
            List<TensorType> expected = graph.parameterTypes();
            if (args.size() != expected.size()) {
                throw new IllegalArgumentException(graph.name() + ": expected " + expected.size() + " arguments, got " + args.size());
            }
            HostTensor[][] values = new HostTensor[maxId][];
            LiveBytes live = new LiveBytes();
            for (DeviceBuffer a : args) live.hold(((HostBuffer) a).tensor()); // the caller's reference, held throughout
            for (int p = 0; p < nodes.size(); p++) {
                Node n = nodes.get(p);
                if (n.op() instanceof Parameter param) {
                    HostTensor t = ((HostBuffer) args.get(param.index())).tensor();
                    if (!t.type().equals(param.type())) {
                        throw new IllegalArgumentException(graph.name() + ": argument " + param.index() + " (" + param.paramName() + ") should be "
                                + param.type() + ", got " + t.type());
                    }
                    values[n.id()] = new HostTensor[] {t};
                    live.hold(t);
                } else if (!skipped[p]) {
                    List<HostTensor> in = new ArrayList<>(n.inputs().size());
                    for (Value v : reads.get(p)) in.add(values[v.node().id()][v.index()]);
                    List<HostTensor> out;
                    long started = OpProfile.ENABLED ? System.nanoTime() : 0;
                    try {
                        int k = scalarOperand[p];
                        out = k < 0 ? n.op().evaluate(in) : List.of(((Binary) n.op()).evaluateWithScalar(in.get(1 - k), (float) in.get(k).getDouble(0), k == 0));
                        if (OpProfile.ENABLED) OpProfile.record(n.op(), System.nanoTime() - started);
                    } catch (RuntimeException e) {
                        throw new IllegalStateException(graph.name() + ": node %" + n.id() + " (" + n.op().name() + ") failed: " + e.getMessage(), e);
                    }
                    values[n.id()] = out.toArray(new HostTensor[0]);
                    for (HostTensor t : values[n.id()]) live.hold(t);
                }
                for (int id : lastUseFrees[p]) {
                    if (values[id] != null) for (HostTensor t : values[id]) live.release(t);
                    values[id] = null;
                }
            }
            lastPeakLiveBytes = live.peak();
            if (OpProfile.ENABLED) OpProfile.recordPeakLiveBytes(graph.name(), live.peak());
            List<DeviceBuffer> result = new ArrayList<>();
            for (Value v : graph.outputs()) result.add(new HostBuffer(values[v.node().id()][v.index()]));
            for (int i : donated) ((HostBuffer) args.get(i)).close();
            return result;
        }
    }
}
