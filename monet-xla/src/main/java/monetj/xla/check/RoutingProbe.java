package monetj.xla.check;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import monetj.core.dsl.Tensor;
import monetj.core.ir.Graph;
import monetj.core.model.MonetConfig;
import monetj.core.model.MonetModel;
import monetj.core.model.RoutingProbabilities;
import monetj.core.nn.ParamTree;
import monetj.core.nn.Precision;
import monetj.core.tensor.DType;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.TensorType;

/**
 * The routing decisions a program makes, as a program of their own: the model's forward pass with the same
 * weights, precision and ids, whose outputs are every router's routing probabilities ({@code layerL.g1/g2}, zero exactly
 * where an expert is not selected) and selection margins ({@code layerL.margin1/2}).
 * Run on two backends, it tells which experts were selected on one and not on the other ({@link RoutingFlips}).
 */
public final class RoutingProbe {
    private final Graph graph;
    private final List<String> weightNames, outputNames;

    private RoutingProbe(Graph graph, List<String> weightNames, List<String> outputNames) {
        this.graph = graph;
        this.weightNames = weightNames;
        this.outputNames = outputNames;
    }

    /** The forward pass of {@code config} under {@code precision} (master weights by path, as a train step takes them). */
    public static RoutingProbe build(MonetConfig config, Precision precision, int batch, int seq, boolean training) {
        MonetModel model = new MonetModel(config, precision);
        Graph g = new Graph("routing_probe");
        Map<String, Tensor> weights = new LinkedHashMap<>();
        List<String> names = new ArrayList<>();
        model.types().asMap().forEach((path, t) -> {
            weights.put(path, new Tensor(g, g.parameter(path, t)));
            names.add(path);
        });
        Tensor ids = new Tensor(g, g.parameter("input_ids", TensorType.of(DType.S32, batch, seq)));
        MonetModel.Output out = model.forward(ParamTree.of(weights), ids, training);
        List<String> outputs = new ArrayList<>();
        List<Tensor> values = new ArrayList<>();
        for (Map.Entry<Integer, RoutingProbabilities> r : out.routing().entrySet()) {
            String layer = "layer" + r.getKey();
            RoutingProbabilities p = r.getValue();
            outputs.addAll(List.of(layer + ".g1", layer + ".margin1", layer + ".g2", layer + ".margin2"));
            values.addAll(List.of(p.g1(), p.margin1(), p.g2(), p.margin2()));
        }
        g.setOutputs(values.stream().map(Tensor::value).toList());
        return new RoutingProbe(g, names, outputs);
    }

    /** The probabilities and margins by name, for the given weights and ids [batch, seq]. */
    public Map<String, HostTensor> run(monetj.core.backend.Backend backend, Map<String, HostTensor> weights, HostTensor ids) {
        List<HostTensor> in = new ArrayList<>();
        for (String n : weightNames) in.add(weights.get(n));
        in.add(ids);
        List<HostTensor> out = backend.run(graph, in);
        Map<String, HostTensor> named = new LinkedHashMap<>();
        for (int i = 0; i < outputNames.size(); i++) named.put(outputNames.get(i), out.get(i));
        return named;
    }
}
