package monetj.xla.stablehlo;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import monetj.core.ir.Graph;
import monetj.core.ir.Node;
import monetj.core.ir.Parameter;
import monetj.core.ir.Sharding;
import monetj.core.ir.Value;
import monetj.core.program.Leaf;
import monetj.core.program.Program;
import monetj.core.program.Signature;
import monetj.core.tensor.TensorType;

/**
 * Writes a {@link Graph} as a StableHLO module: one {@code func.func public @main} whose arguments are the
 * graph's parameters and whose results are its outputs (flattened, never a tuple), with the module attributes
 * XLA reads for replicas and partitions. Shardings stored in the graph become {@code mhlo.sharding} attributes
 * on arguments and results and {@code @Sharding} custom-call constraints on intermediates.
 */
public final class StableHloEmitter {
    private final OpEmissions emissions;
    private final boolean donorArguments;

    /**
     * @param donorArguments mark every argument {@code jax.buffer_donor = true}, so that the caller may donate
     *     any argument at execution time (arguments not donated in a call are passed as non-donatable)
     */
    public StableHloEmitter(OpEmissions emissions, boolean donorArguments) {
        this.emissions = emissions;
        this.donorArguments = donorArguments;
    }

    public StableHloEmitter() { this(OpEmissions.standard(), false); }

    /** A bare graph: arguments and results by position; every argument a donor when the emitter was made so. */
    public StableHloModule emit(Graph graph) { return emit(graph, null); }

    /**
     * A program with its signature: each argument and result carries its leaf name ({@code jax.arg_info},
     * {@code jax.result_info}), and exactly the donated arguments are buffer donors.
     */
    public StableHloModule emit(Program program) { return emit(program.graph(), program.signature()); }

    private StableHloModule emit(Graph graph, Signature signature) {
        Sharding.Mesh mesh = commonMesh(graph);
        Map<Value, Sharding> shardings = graph.shardings();
        FunctionWriter out = new FunctionWriter();

        List<String> arguments = new ArrayList<>();
        for (Node p : graph.parameters()) {
            Parameter param = (Parameter) p.op();
            String name = "%arg" + param.index();
            out.bind(p.out(), name);
            List<String> attrs = new ArrayList<>();
            Sharding s = shardings.get(p.out());
            if (s != null) attrs.add("mhlo.sharding = " + MlirSyntax.quoted(HloShardingText.of(s)));
            Leaf leaf = signature == null ? null : signature.inputs().get(param.index());
            if (leaf != null) attrs.add("jax.arg_info = " + MlirSyntax.quoted(leaf.name()));
            if (leaf != null ? leaf.donated() : donorArguments) attrs.add("jax.buffer_donor = true");
            arguments.add(name + ": " + MlirSyntax.type(param.type()) + (attrs.isEmpty() ? "" : " {" + String.join(", ", attrs) + "}"));
        }

        int constraint = 0;
        for (Node n : graph.liveNodes()) {
            if (n.op() instanceof Parameter) continue;
            emissions.emit(n, out);
            for (int i = 0; i < n.types().size(); i++) {
                Sharding s = shardings.get(n.out(i));
                if (s == null) continue;
                TensorType t = n.types().get(i);
                String constrained = out.extraOp("%sharding" + constraint++, "stablehlo.custom_call", List.of(out.name(n.out(i))), List.of(t),
                        "call_target_name = \"Sharding\", mhlo.sharding = " + MlirSyntax.quoted(HloShardingText.of(s)), t);
                out.bind(n, i, constrained);
            }
        }

        List<String> results = new ArrayList<>(), resultTypes = new ArrayList<>(), resultNames = new ArrayList<>();
        for (int i = 0; i < graph.outputs().size(); i++) {
            Value v = graph.outputs().get(i);
            Sharding s = shardings.get(v);
            List<String> attrs = new ArrayList<>();
            if (s != null) attrs.add("mhlo.sharding = " + MlirSyntax.quoted(HloShardingText.of(s)));
            if (signature != null) attrs.add("jax.result_info = " + MlirSyntax.quoted(signature.outputs().get(i).name()));
            resultTypes.add(MlirSyntax.type(v.type()));
            results.add(MlirSyntax.type(v.type()) + (attrs.isEmpty() ? "" : " {" + String.join(", ", attrs) + "}"));
            resultNames.add(out.name(v));
        }

        StringBuilder sb = new StringBuilder();
        sb.append("module ").append(MlirSyntax.symbol(graph.name())).append(" attributes {mhlo.num_partitions = ")
                .append(mesh == null ? 1 : mesh.deviceCount()).append(" : i32, mhlo.num_replicas = 1 : i32} {\n");
        sb.append("  func.func public @main(").append(String.join(", ", arguments)).append(") -> (")
                .append(String.join(", ", results)).append(") {\n");
        sb.append(out.body());
        sb.append("    \"func.return\"(").append(String.join(", ", resultNames)).append(") : (")
                .append(String.join(", ", resultTypes)).append(") -> ()\n");
        sb.append("  }\n}\n");
        return new StableHloModule(sb.toString(), mesh);
    }

    /** The one mesh every sharding in the graph is over (null when there are none). */
    private static Sharding.Mesh commonMesh(Graph graph) {
        Sharding.Mesh mesh = null;
        for (Map.Entry<Value, Sharding> e : graph.shardings().entrySet()) {
            Sharding.Mesh m = e.getValue().mesh();
            if (mesh == null) mesh = m;
            else if (!mesh.equals(m)) {
                throw new IllegalArgumentException("graph " + graph.name() + " shards values over two meshes, " + describe(mesh) + " and "
                        + describe(m) + " (value " + e.getKey() + "); one program runs on one mesh");
            }
        }
        return mesh;
    }

    private static String describe(Sharding.Mesh m) { return m.axisNames() + "=" + java.util.Arrays.toString(m.axisSizes()); }
}
