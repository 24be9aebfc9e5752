package monetj.core.exec;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import monetj.core.backend.Backend;
import monetj.core.backend.DeviceBuffer;
import monetj.core.backend.Executable;
import monetj.core.ir.CustomCall;
import monetj.core.ir.Graph;
import monetj.core.ir.Node;
import monetj.core.ir.Parameter;
import monetj.core.ir.Value;
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

    private static final class Program implements Executable {
        private final Graph graph;
        private final List<Node> nodes;
        private final int[][] lastUseFrees; // per position in `nodes`: node ids whose values die after it
        private final int maxId;

        Program(Graph graph, List<Node> nodes) {
            this.graph = graph;
            this.nodes = nodes;
            this.maxId = nodes.isEmpty() ? 0 : nodes.get(nodes.size() - 1).id() + 1;
            int[] last = new int[maxId];
            java.util.Arrays.fill(last, -1);
            for (int p = 0; p < nodes.size(); p++) for (Value v : nodes.get(p).inputs()) last[v.node().id()] = p;
            for (Value v : graph.outputs()) last[v.node().id()] = Integer.MAX_VALUE;
            List<List<Integer>> frees = new ArrayList<>();
            for (int p = 0; p < nodes.size(); p++) frees.add(new ArrayList<>());
            for (int id = 0; id < maxId; id++) if (last[id] >= 0 && last[id] != Integer.MAX_VALUE) frees.get(last[id]).add(id);
            lastUseFrees = new int[nodes.size()][];
            for (int p = 0; p < nodes.size(); p++) lastUseFrees[p] = frees.get(p).stream().mapToInt(Integer::intValue).toArray();
        }

        @Override
        public List<DeviceBuffer> execute(List<DeviceBuffer> args, Set<Integer> donated) {
            List<TensorType> expected = graph.parameterTypes();
            if (args.size() != expected.size()) {
                throw new IllegalArgumentException(graph.name() + ": expected " + expected.size() + " arguments, got " + args.size());
            }
            HostTensor[][] values = new HostTensor[maxId][];
            for (int p = 0; p < nodes.size(); p++) {
                Node n = nodes.get(p);
                if (n.op() instanceof Parameter param) {
                    HostTensor t = ((HostBuffer) args.get(param.index())).tensor();
                    if (!t.type().equals(param.type())) {
                        throw new IllegalArgumentException(graph.name() + ": argument " + param.index() + " (" + param.paramName() + ") should be "
                                + param.type() + ", got " + t.type());
                    }
                    values[n.id()] = new HostTensor[] {t};
                } else {
                    List<HostTensor> in = new ArrayList<>(n.inputs().size());
                    for (Value v : n.inputs()) in.add(values[v.node().id()][v.index()]);
                    List<HostTensor> out;
                    long started = OpProfile.ENABLED ? System.nanoTime() : 0;
                    try {
                        out = n.op().evaluate(in);
                        if (OpProfile.ENABLED) OpProfile.record(n.op(), System.nanoTime() - started);
                    } catch (RuntimeException e) {
                        throw new IllegalStateException(graph.name() + ": node %" + n.id() + " (" + n.op().name() + ") failed: " + e.getMessage(), e);
                    }
                    values[n.id()] = out.toArray(new HostTensor[0]);
                }
                for (int id : lastUseFrees[p]) values[id] = null;
            }
            List<DeviceBuffer> result = new ArrayList<>();
            for (Value v : graph.outputs()) result.add(new HostBuffer(values[v.node().id()][v.index()]));
            for (int i : donated) ((HostBuffer) args.get(i)).close();
            return result;
        }
    }
}
