package monetj.core.interp;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import monetj.core.backend.Backend;
import monetj.core.backend.DeviceBuffer;
import monetj.core.backend.CompiledProgram;
import monetj.core.dsl.Tensor;
import monetj.core.model.MonetConfig;
import monetj.core.model.MonetModel;
import monetj.core.model.RoutingProbabilities;
import monetj.core.nn.ParamTree;
import monetj.core.program.ProgramBuilder;
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
    private final Map<String, DeviceBuffer> weights = new LinkedHashMap<>();
    private final Map<List<Integer>, CompiledProgram> programs = new LinkedHashMap<>();

    public RoutingCapture(MonetConfig config, Map<String, HostTensor> tensors, Backend backend) {
        this.config = config;
        this.backend = backend;
        for (String name : new MonetModel(config).variablesByPath().keySet()) {
            HostTensor t = tensors.get(name);
            if (t == null) throw new IllegalArgumentException("model weight '" + name + "' is missing");
            weightTypes.put(name, t.type());
            weights.put(name, backend.put(t));
        }
    }

    /** Routing of one router layer, host side: g1 and g2 as [B, T, H, E] row-major floats. */
    public record GroupRouting(int routerLayer, float[] g1, float[] g2) {}

    /** Routes ids [B, T] (s32); one entry per router layer, in layer order. */
    public List<GroupRouting> route(HostTensor ids) {
        CompiledProgram exe = programs.computeIfAbsent(List.of(ids.shape().dim(0), ids.shape().dim(1)), k -> compile(k.get(0), k.get(1)));
        Map<String, DeviceBuffer> args = new LinkedHashMap<>(weights);
        DeviceBuffer in = backend.put(ids);
        args.put("input_ids", in);
        Map<String, DeviceBuffer> out = exe.run(args);
        in.close();
        List<GroupRouting> result = new ArrayList<>();
        for (int layer : config.routerLayers()) {
            result.add(new GroupRouting(layer, backend.get(out.get("layer" + layer + ".g1")).floats(), backend.get(out.get("layer" + layer + ".g2")).floats()));
        }
        out.values().forEach(DeviceBuffer::close);
        return result;
    }

    private CompiledProgram compile(int batch, int seq) {
        MonetModel model = new MonetModel(config);
        ProgramBuilder b = new ProgramBuilder("monet_routing");
        ParamTree<Tensor> w = b.variables(model, weightTypes, false, false);
        Tensor ids = b.input("batch", "input_ids", TensorType.of(DType.S32, batch, seq));
        MonetModel.Output out = model.forward(w, ids, false);
        for (Map.Entry<Integer, RoutingProbabilities> r : out.routing().entrySet()) {
            b.output("routing", "layer" + r.getKey() + ".g1", r.getValue().g1());
            b.output("routing", "layer" + r.getKey() + ".g2", r.getValue().g2());
        }
        return backend.compile(b.build());
    }

    @Override
    public void close() {
        programs.values().forEach(CompiledProgram::close);
        weights.values().forEach(DeviceBuffer::close);
    }
}
