package monetj.core.exec;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import monetj.core.backend.Backend;
import monetj.core.backend.DeviceBuffer;
import monetj.core.backend.Executable;
import monetj.core.ir.BroadcastInDim;
import monetj.core.ir.Constant;
import monetj.core.ir.CustomCall;
import monetj.core.ir.Graph;
import monetj.core.ir.Node;
import monetj.core.ir.Parameter;
import monetj.core.ir.Scatter;
import monetj.core.ir.Value;
import monetj.core.tensor.DType;
import monetj.core.tensor.ArrayPool;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.TensorType;

/**
 * The embedded backend: interprets a graph node by node with each op's Java kernel. Needs nothing but a JDK.
 * Intermediates are dropped after their last use so peak memory follows the live set, not the graph. A donated
 * argument that the executor alone refers to (an earlier execution's result never handed out by {@link #get}) is
 * the execution's own storage: a kernel may write over it after its last read, as over a dead intermediate.
 */
public final class JavaExecutor implements Backend {
    private final FusedLoop.Code loopCode;

    public JavaExecutor() { this(FusedLoop.Code.DEFAULT); }

    /** An executor whose fused loops run {@code loopCode}: tests compare generated code and the interpreter. */
    JavaExecutor(FusedLoop.Code loopCode) { this.loopCode = loopCode; }

    @Override
    public String platform() { return "java"; }

    @Override
    public Executable compile(Graph graph) {
        VectorMath.prepare(); // its warm-up runs while the program is prepared and its first steps run
        graph = ScatterAddRewrite.apply(graph);
        graph = TransposeFolding.apply(SwappedDotRewrite.apply(graph));
        graph = RoundedResultDotRewrite.apply(RoundedOperandDotRewrite.apply(graph)); // bf16-mixed: converts around products folded into them
        List<Node> live = graph.liveNodes();
        for (Node n : live) {
            if (n.op() instanceof CustomCall c) {
                throw new UnsupportedOperationException("the Java executor cannot run custom_call '" + c.target()
                        + "' (node %" + n.id() + " of graph " + graph.name() + "); run this graph on a PJRT backend");
            }
        }
        return new Program(graph, live, loopCode);
    }

    @Override
    public DeviceBuffer put(HostTensor tensor) { return new HostBuffer(tensor); }

    @Override
    public HostTensor get(DeviceBuffer buffer) {
        HostBuffer b = (HostBuffer) buffer;
        b.owned = false; // the caller holds the tensor now: never written over
        return b.tensor();
    }

    /** The bytes of dead arrays a program compiled here keeps for its next execution. */
    static long pooledBytes(Executable program) { return ((Program) program).pool.bytes(); }

    /** A "device" buffer of the Java executor: a host tensor. */
    static final class HostBuffer implements DeviceBuffer {
        private HostTensor tensor;
        private boolean owned; // no one but this buffer refers to the tensor's storage: donating it lets a kernel reuse it

        HostBuffer(HostTensor tensor) { this.tensor = tensor; }

        HostBuffer(HostTensor tensor, boolean owned) {
            this.tensor = tensor;
            this.owned = owned;
        }

        HostTensor tensor() {
            if (tensor == null) throw new IllegalStateException("buffer was deleted or donated");
            return tensor;
        }

        @Override public TensorType type() { return tensor().type(); }

        @Override public boolean isDeleted() { return tensor == null; }

        @Override public void close() { tensor = null; }
    }

    /**
     * A compiled graph: the live nodes in order, each with its kernel, the values it reads and the values that die
     * after it. Elementwise nodes are fused (see {@link FusionPlan}): a cluster's kernel runs at its root, its other
     * members are never materialised, and a broadcast that only clusters read is never materialised either.
     */
    private static final class Program implements Executable {
        private final Graph graph;
        private final List<Node> nodes;
        private final List<List<Value>> reads;   // per position: the values the step reads
        private final boolean[] skipped;        // per position: computed inside a fused loop, or a broadcast nobody materialises
        private final int[][] lastUseFrees;     // per position: node ids whose values die after it
        private final ExecutorKernel[] kernels; // per position
        private final int[][] extraOutputs;     // per position: ids of the nodes a fused loop writes beside its own (null: none)
        private final boolean[][] dying;        // per position and read: nothing reads the value afterwards (null: none dies)
        private final int maxId;
        private volatile long lastPeakLiveBytes = -1;
        private final ArrayPool pool = new ArrayPool(); // the dead intermediates' arrays, for the kernels of later nodes and executions

        Program(Graph graph, List<Node> nodes, FusedLoop.Code loopCode) {
            this.graph = graph;
            this.nodes = nodes;
            this.maxId = nodes.isEmpty() ? 0 : nodes.get(nodes.size() - 1).id() + 1;
            int n = nodes.size();
            FusionPlan fusion = new FusionPlan(nodes, graph.outputs(), maxId);
            reads = new ArrayList<>(n);
            kernels = new ExecutorKernel[n];
            skipped = new boolean[n];
            extraOutputs = new int[n][];
            int[] plainUses = new int[maxId];
            for (Value v : graph.outputs()) plainUses[v.node().id()]++;
            for (int p = 0; p < n; p++) {
                Node node = nodes.get(p);
                FusionPlan.Cluster c = fusion.runsAt(node);
                if (fusion.inner(node)) {
                    skipped[p] = true;
                    reads.add(List.of());
                } else if (c != null) {
                    LoopKernel loop = LoopKernel.of(c, loopCode);
                    kernels[p] = loop;
                    List<Node> extra = new ArrayList<>(c.extras());
                    if (c.alongside()) extra.add(c.reduce());
                    if (!extra.isEmpty()) extraOutputs[p] = extra.stream().mapToInt(Node::id).toArray();
                    reads.add(loop.reads());
                } else if (node.op() instanceof Scatter scatter && isScalarBroadcast(node.inputs().get(0))) {
                    kernels[p] = new ScatterKernel(scatter, node.types().get(0), true);
                    List<Value> r = new ArrayList<>(node.inputs());
                    r.set(0, node.inputs().get(0).node().inputs().get(0));
                    reads.add(r);
                } else {
                    kernels[p] = KernelTable.forNode(node);
                    reads.add(node.inputs());
                }
                for (Value v : reads.get(p)) plainUses[v.node().id()]++;
            }
            for (int p = 0; p < n; p++) {
                Node node = nodes.get(p);
                if (node.op() instanceof BroadcastInDim && plainUses[node.id()] == 0) skipped[p] = true;
            }
            int[] last = new int[maxId];
            java.util.Arrays.fill(last, -1);
            for (int p = 0; p < n; p++) for (Value v : reads.get(p)) last[v.node().id()] = p;
            for (Value v : graph.outputs()) last[v.node().id()] = Integer.MAX_VALUE;
            List<List<Integer>> frees = new ArrayList<>();
            for (int p = 0; p < n; p++) frees.add(new ArrayList<>());
            for (int id = 0; id < maxId; id++) if (last[id] >= 0 && last[id] != Integer.MAX_VALUE) frees.get(last[id]).add(id);
            lastUseFrees = new int[n][];
            for (int p = 0; p < n; p++) lastUseFrees[p] = frees.get(p).stream().mapToInt(Integer::intValue).toArray();
            dying = new boolean[n][];
            for (int p = 0; p < n; p++) {
                List<Value> r = reads.get(p);
                for (int i = 0; i < r.size(); i++) {
                    Value v = r.get(i);
                    if (last[v.node().id()] == p && r.indexOf(v) == r.lastIndexOf(v)) {
                        if (dying[p] == null) dying[p] = new boolean[r.size()];
                        dying[p][i] = true;
                    }
                }
            }
        }

        /**
         * Runs the kernel at position p on the values it reads and records its outputs. A method of its own so that
         * the node loop stays small: the JIT compiled the loop with this inlined six times over (on-stack
         * replacement, thrown away as the profile of the kernels it calls grew), about 3 s of compile time.
         */
        private void run(int p, HostTensor[][] values, LiveBytes live) {
            Node n = nodes.get(p);
            List<HostTensor> in = new ArrayList<>(n.inputs().size());
            for (Value v : reads.get(p)) in.add(values[v.node().id()][v.index()]);
            List<HostTensor> out;
            long started = OpProfile.ENABLED ? System.nanoTime() : 0;
            try {
                out = dying[p] == null ? kernels[p].run(in) : kernels[p].run(in, overwritable(dying[p], in, live));
                if (OpProfile.ENABLED) OpProfile.record(graph.name(), OpProfile.label(label(kernels[p], n), in), System.nanoTime() - started);
            } catch (RuntimeException e) {
                throw new IllegalStateException(graph.name() + ": node %" + n.id() + " (" + n.op().name() + ") failed: " + e.getMessage(), e);
            }
            int own = extraOutputs[p] == null ? out.size() : 1;
            values[n.id()] = out.subList(0, own).toArray(new HostTensor[0]);
            if (extraOutputs[p] != null) for (int e = 0; e < extraOutputs[p].length; e++) values[extraOutputs[p][e]] = new HostTensor[] {out.get(own + e)};
            boolean fresh = !(n.op() instanceof Constant);
            for (HostTensor t : out) live.hold(t, fresh);
        }

        /** The profile's name for a node's kernel: fused loops apart, and those the interpreter runs apart from those. */
        private static String label(ExecutorKernel k, Node n) {
            return k instanceof FusedLoop f && f.interpreted() ? "fused " + n.op().name() + " (interpreted)"
                    : k instanceof LoopKernel ? "fused " + n.op().name() : n.op().name();
        }

        /** A broadcast of a single element. */
        private static boolean isScalarBroadcast(Value v) {
            return v.node().op() instanceof BroadcastInDim && v.node().inputs().get(0).shape().size() == 1;
        }

        /** Which operands a kernel may overwrite: dying here, allocated by this execution and referred to by nothing else. */
        private static boolean[] overwritable(boolean[] dying, List<HostTensor> in, LiveBytes live) {
            boolean[] ok = new boolean[dying.length];
            for (int i = 0; i < ok.length; i++) ok[i] = dying[i] && live.exclusive(in.get(i));
            return ok;
        }

        @Override
        public OptionalLong peakLiveBytes() { return lastPeakLiveBytes < 0 ? OptionalLong.empty() : OptionalLong.of(lastPeakLiveBytes); }

        @Override
        public void close() { pool.clear(); }

        @Override
        public List<DeviceBuffer> execute(List<DeviceBuffer> args, Set<Integer> donated) {
            try {
                return pool.within(() -> executeInPool(args, donated));
            } finally {
                pool.trim(Math.max(0, lastPeakLiveBytes)); // what the program keeps between executions stays within what one holds at once
                if (OpProfile.ENABLED) OpProfile.recordPooledBytes(graph.name(), pool.bytes());
            }
        }

        private List<DeviceBuffer> executeInPool(List<DeviceBuffer> args, Set<Integer> donated) {
            List<TensorType> expected = graph.parameterTypes();
            if (args.size() != expected.size()) {
                throw new IllegalArgumentException(graph.name() + ": expected " + expected.size() + " arguments, got " + args.size());
            }
            HostTensor[][] values = new HostTensor[maxId][];
            LiveBytes live = new LiveBytes();
            boolean[] given = new boolean[args.size()]; // donated and owned: the execution's own storage
            for (int i = 0; i < args.size(); i++) given[i] = donated.contains(i) && ((HostBuffer) args.get(i)).owned;
            for (int i = 0; i < args.size(); i++) if (!given[i]) live.hold(((HostBuffer) args.get(i)).tensor(), false); // the caller's reference, held throughout
            for (int p = 0; p < nodes.size(); p++) {
                Node n = nodes.get(p);
                if (n.op() instanceof Parameter param) {
                    HostTensor t = ((HostBuffer) args.get(param.index())).tensor();
                    if (!t.type().equals(param.type())) {
                        throw new IllegalArgumentException(graph.name() + ": argument " + param.index() + " (" + param.paramName() + ") should be "
                                + param.type() + ", got " + t.type());
                    }
                    values[n.id()] = new HostTensor[] {t};
                    live.hold(t, given[param.index()]);
                } else if (!skipped[p]) {
                    run(p, values, live);
                }
                for (int id : lastUseFrees[p]) {
                    if (values[id] != null) for (HostTensor t : values[id]) pool.giveIfDead(live.release(t));
                    values[id] = null;
                }
            }
            lastPeakLiveBytes = live.peak();
            if (OpProfile.ENABLED) OpProfile.recordPeakLiveBytes(graph.name(), live.peak());
            List<HostTensor> outputs = graph.outputs().stream().map(v -> values[v.node().id()][v.index()]).toList();
            List<DeviceBuffer> result = new ArrayList<>();
            for (HostTensor t : outputs) { // owned by its buffer when the execution owned it and no other result shares it
                result.add(new HostBuffer(t, live.owned(t) && outputs.stream().filter(o -> LiveBytes.sameStorage(o, t)).count() == 1));
            }
            for (int i : donated) ((HostBuffer) args.get(i)).close();
            return result;
        }
    }
}
