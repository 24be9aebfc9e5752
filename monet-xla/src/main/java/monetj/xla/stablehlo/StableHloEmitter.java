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
 * XLA reads for replicas and partitions. Shardings stored in the graph are written for the chosen {@link Partitioner}:
 * for Shardy (the default) a module-level {@code sdy.mesh}, {@code sdy.sharding} on arguments and results and
 * {@code sdy.sharding_constraint} on intermediates; for GSPMD {@code mhlo.sharding} attributes and {@code @Sharding}
 * custom calls. In a sharded program each donated argument that comes back under its own name is aliased to that
 * result ({@code tf.aliasing_output}), so the partitioned state is updated in place on every device.
 */
public final class StableHloEmitter {
    private final OpEmissions emissions;
    private final boolean donorArguments;
    private final Partitioner partitioner;

    /**
     * @param donorArguments mark every argument {@code jax.buffer_donor = true}, so that the caller may donate
     *     any argument at execution time (arguments not donated in a call are passed as non-donatable)
     */
    public StableHloEmitter(OpEmissions emissions, boolean donorArguments) { this(emissions, donorArguments, Partitioner.SHARDY); }

    private StableHloEmitter(OpEmissions emissions, boolean donorArguments, Partitioner partitioner) {
        this.emissions = emissions;
        this.donorArguments = donorArguments;
        this.partitioner = partitioner;
    }

    /** The same emitter writing shardings for {@code partitioner}. */
    public StableHloEmitter withPartitioner(Partitioner p) { return new StableHloEmitter(emissions, donorArguments, p); }

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
            if (s != null) attrs.add(shardingAttribute(s));
            Leaf leaf = signature == null ? null : signature.inputs().get(param.index());
            if (leaf != null) attrs.add("jax.arg_info = " + MlirSyntax.quoted(leaf.name()));
            int alias = mesh != null && leaf != null && leaf.donated() ? aliasedResult(signature, leaf) : -1;
            if (alias >= 0) attrs.add("tf.aliasing_output = " + alias + " : i32");
            else if (leaf != null ? leaf.donated() : donorArguments) attrs.add("jax.buffer_donor = true");
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
                String constrained = partitioner == Partitioner.SHARDY
                        ? out.extraOp("%sharding" + constraint++, "sdy.sharding_constraint", List.of(out.name(n.out(i))), List.of(t), "sharding = " + ShardyText.of(s), t)
                        : out.extraOp("%sharding" + constraint++, "stablehlo.custom_call", List.of(out.name(n.out(i))), List.of(t),
                                "call_target_name = \"Sharding\", mhlo.sharding = " + MlirSyntax.quoted(HloShardingText.of(s)), t);
                out.bind(n, i, constrained);
            }
        }

        List<String> results = new ArrayList<>(), resultTypes = new ArrayList<>(), resultNames = new ArrayList<>();
        for (int i = 0; i < graph.outputs().size(); i++) {
            Value v = graph.outputs().get(i);
            Sharding s = shardings.get(v);
            List<String> attrs = new ArrayList<>();
            if (s != null) attrs.add(shardingAttribute(s));
            if (signature != null) attrs.add("jax.result_info = " + MlirSyntax.quoted(signature.outputs().get(i).name()));
            resultTypes.add(MlirSyntax.type(v.type()));
            results.add(MlirSyntax.type(v.type()) + (attrs.isEmpty() ? "" : " {" + String.join(", ", attrs) + "}"));
            resultNames.add(out.name(v));
        }

        StringBuilder sb = new StringBuilder();
        sb.append("module ").append(MlirSyntax.symbol(graph.name())).append(" attributes {mhlo.num_partitions = ")
                .append(mesh == null ? 1 : mesh.deviceCount()).append(" : i32, mhlo.num_replicas = 1 : i32} {\n");
        if (mesh != null && partitioner == Partitioner.SHARDY) sb.append("  ").append(ShardyText.mesh(mesh)).append('\n');
        sb.append("  func.func public @main(").append(String.join(", ", arguments)).append(") -> (")
                .append(String.join(", ", results)).append(") {\n");
        sb.append(out.body());
        sb.append("    \"func.return\"(").append(String.join(", ", resultNames)).append(") : (")
                .append(String.join(", ", resultTypes)).append(") -> ()\n");
        sb.append("  }\n}\n");
        return new StableHloModule(sb.toString(), mesh, partitioner);
    }

    private String shardingAttribute(Sharding s) {
        return partitioner == Partitioner.SHARDY ? "sdy.sharding = " + ShardyText.of(s) : "mhlo.sharding = " + MlirSyntax.quoted(HloShardingText.of(s));
    }

    /** The position of the result named like a donated argument, of its type; -1 when there is none. */
    private static int aliasedResult(Signature signature, Leaf argument) {
        List<Leaf> outs = signature.outputs();
        for (int i = 0; i < outs.size(); i++) if (outs.get(i).name().equals(argument.name()) && outs.get(i).type().equals(argument.type())) return i;
        return -1;
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
