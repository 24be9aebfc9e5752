package monetj.core.interp;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import monetj.core.backend.Backend;
import monetj.core.backend.DeviceBuffer;
import monetj.core.backend.Executable;
import monetj.core.dsl.Tensor;
import monetj.core.ir.Graph;
import monetj.core.model.MonetConfig;
import monetj.core.model.MonetModel;
import monetj.core.model.MonetParameters;
import monetj.core.model.RoutingProbabilities;
import monetj.core.nn.ParamTree;
import monetj.core.tensor.DType;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.TensorType;

/**
 * Eval-mode routing of a model on token ids: the program outputs only ĝ1, ĝ2 [B, T, H, E] of every router, so
 * the layers after the last router and the LM head are never computed. Weights stay on the device; one program
 * is compiled per batch shape.
 */
public final class RoutingCapture implements AutoCloseable {
    private final MonetConfig config;
    private final Backend backend;
    private final Map<String, TensorType> weightTypes = new LinkedHashMap<>();
    private final List<DeviceBuffer> weights = new ArrayList<>();
    private final Map<List<Integer>, Executable> programs = new LinkedHashMap<>();

    public RoutingCapture(MonetConfig config, Map<String, HostTensor> tensors, Backend backend) {
        this.config = config;
        this.backend = backend;
        for (String name : MonetParameters.layout(config).keySet()) {
            HostTensor t = tensors.get(name);
            if (t == null) throw new IllegalArgumentException("model weight '" + name + "' is missing");
            weightTypes.put(name, t.type());
            weights.add(backend.put(t));
        }
    }

    /** Routing of one router layer, host side: g1 and g2 as [B, T, H, E] row-major floats. */
    public record GroupRouting(int routerLayer, float[] g1, float[] g2) {}

    /** Routes ids [B, T] (s32); one entry per router layer, in layer order. */
    public List<GroupRouting> route(HostTensor ids) {
        Executable exe = programs.computeIfAbsent(List.of(ids.shape().dim(0), ids.shape().dim(1)), k -> compile(k.get(0), k.get(1)));
        List<DeviceBuffer> args = new ArrayList<>(weights);
        DeviceBuffer in = backend.put(ids);
        args.add(in);
        List<DeviceBuffer> out = exe.execute(args);
        in.close();
        List<GroupRouting> result = new ArrayList<>();
        List<Integer> layers = config.routerLayers();
        for (int r = 0; r < layers.size(); r++) {
            result.add(new GroupRouting(layers.get(r), backend.get(out.get(2 * r)).floats(), backend.get(out.get(2 * r + 1)).floats()));
        }
        out.forEach(DeviceBuffer::close);
        return result;
    }

    private Executable compile(int batch, int seq) {
        Graph g = new Graph("monet_routing");
        Map<String, Tensor> w = new LinkedHashMap<>();
        weightTypes.forEach((name, t) -> w.put(name, new Tensor(g, g.parameter(name, t))));
        Tensor ids = new Tensor(g, g.parameter("input_ids", TensorType.of(DType.S32, batch, seq)));
        MonetModel.Output out = new MonetModel(config).forward(ParamTree.of(w), ids, false);
        List<monetj.core.ir.Value> results = new ArrayList<>();
        for (RoutingProbabilities r : out.routers()) {
            results.add(r.g1().value());
            results.add(r.g2().value());
        }
        g.setOutputs(results);
        return backend.compile(g);
    }

    @Override
    public void close() {
        programs.values().forEach(Executable::close);
        weights.forEach(DeviceBuffer::close);
    }
}
