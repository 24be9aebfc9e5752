package monetj.train.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import monetj.core.backend.Backend;
import monetj.core.ir.DotGeneral;
import monetj.core.ir.LogicalAxisRules;
import monetj.core.model.ForwardProgram;
import monetj.core.model.MonetConfig;
import monetj.core.model.MonetModel;
import monetj.core.nn.Param;
import monetj.core.program.Program;
import monetj.core.tensor.TensorType;
import monetj.train.config.RunConfig;
import monetj.train.config.RunConfigLoader;
import monetj.train.emit.ProgramIo;
import monetj.train.emit.SignatureJson;
import monetj.train.run.Backends;
import monetj.train.mesh.MeshPlan;
import monetj.train.mesh.ShardingTable;
import monetj.train.step.TrainInitProgram;
import monetj.train.step.TrainStepProgram;
import monetj.xla.pjrt.ClientOptions;
import monetj.xla.pjrt.PjrtBackend;
import monetj.xla.pjrt.PluginDiscovery;
import monetj.xla.stablehlo.Partitioner;
import monetj.xla.stablehlo.StableHloModule;
import monetj.xla.stablehlo.StableHloEmitter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code monet emit}: the StableHLO module a run would compile for one of its programs, and its signature, built
 * from shapes only (no weights are created), so that even the largest configs emit in seconds.
 */
@Command(name = "emit", mixinStandardHelpOptions = true,
        header = "Write the StableHLO module and signature of one of a run's programs.",
        description = {"Write the StableHLO module the configured backend would compile for a program of the run (step: the update;",
                "gradients: an accumulating micro-batch; eval: validation; forward: eval-mode logits; init: parameters, buffers",
                "and AdamW state made from the seed on the devices), and FILE.signature.json with each argument's and result's",
                "name, group, type, sharding and donation. Built from shapes only."})
public final class EmitCommand implements Callable<Integer> {
    @Option(names = "--config", required = true, description = "run config (YAML or JSON)")
    Path config;

    @Option(names = "--program", required = true, description = "step, gradients, eval, forward or init")
    String program;

    @Option(names = "--set", description = "override a config value, e.g. --set train.precision=f32 (repeatable)")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--devices", description = "devices the mesh spans (default: the product of the mesh sizes, 1 when one is -1)")
    Integer devices;

    @Option(names = "--sharding-table", description = "print each variable's sharding and the bytes per device of parameters and AdamW state")
    boolean shardingTable;

    @Option(names = "--io", paramLabel = "DIR", description = {"also write DIR/inputs.safetensors (deterministic inputs by leaf name, from train.seed) and",
            "DIR/outputs.safetensors (what the Java executor computes from them; it runs the program, so keep the model small)"})
    Path io;

    @Option(names = "--io-backend", paramLabel = "KIND", description = {"with --io, also run the program on this backend (e.g. pjrt: the plugin of backend.plugin or",
            "discovery, its f32 products at HIGHEST precision so TF32 stays out of the comparison) into DIR/outputs.KIND.safetensors"})
    String ioBackend;

    @Option(names = "--out", required = true, description = "the module's path, e.g. step.mlir (the signature goes next to it)")
    Path out;

    @Override
    public Integer call() throws Exception {
        long t0 = System.nanoTime();
        ObjectNode tree = RunConfigLoader.readTree(config);
        for (String o : overrides) RunConfigLoader.override(tree, o);
        RunConfigLoader.Resolved resolved = RunConfigLoader.resolve(tree, config, config.toString());
        RunConfig rc = resolved.config();
        int n = devices != null ? devices : MeshPlan.impliedDevices(rc.mesh());
        LogicalAxisRules rules = n > 1 || rc.mesh().fixed() ? MeshPlan.rules(rc.mesh(), n) : null;
        Program p = build(rc, resolved.model(), rules);
        StableHloModule module = new StableHloEmitter().withPartitioner(Partitioner.named(rc.mesh().partitioner())).emit(p);
        String text = module.text();
        if (out.toAbsolutePath().getParent() != null) Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(out, text);
        Path signature = signaturePath(out);
        Files.writeString(signature, SignatureJson.of(p));
        System.err.printf("monet emit: %s (%d arguments, %d results, %,d bytes, %d partitions%s) to %s and %s (%.1f s)%n", p.name(), p.signature().inputs().size(),
                p.signature().outputs().size(), text.length(), module.numPartitions(), module.mesh() == null ? "" : " over mesh " + module.mesh() + ", " + rc.mesh().partitioner(),
                out, signature, (System.nanoTime() - t0) / 1e9);
        if (io != null) {
            try (Backend other = ioBackend == null ? null : ioBackend(rc)) {
                ProgramIo.write(io, p, resolved.model(), rc.train().seed(), other == null ? Map.of() : Map.of(ioBackend, other));
            }
            System.err.printf("monet emit: inputs and the Java executor's outputs in %s%n", io);
        }
        if (shardingTable) {
            MonetModel model = new MonetModel(resolved.model());
            if (rules != null) model.shard(rules);
            System.out.print(ShardingTable.format(model));
        }
        return 0;
    }

    private Program build(RunConfig rc, MonetConfig model, LogicalAxisRules rules) {
        TrainStepProgram.Settings s = TrainStepProgram.Settings.of(rc, model, Backends.precision(rc));
        return switch (program) {
            case "step" -> TrainStepProgram.build(s.accumulation() == 1 ? TrainStepProgram.Kind.STEP : TrainStepProgram.Kind.STEP_ACCUMULATED, s, rules);
            case "gradients" -> TrainStepProgram.build(TrainStepProgram.Kind.GRADIENTS_FIRST, s, rules);
            case "eval" -> TrainStepProgram.build(TrainStepProgram.Kind.EVAL, s, rules);
            case "init" -> TrainInitProgram.build(s, rules);
            case "forward" -> {
                Map<String, TensorType> types = new LinkedHashMap<>();
                for (Param v : new MonetModel(model).variables()) types.put(v.path(), v.type());
                yield ForwardProgram.build(model, types, s.microBatch(), s.seqLen(), false, false).program();
            }
            default -> throw new IllegalArgumentException("--program must be step, gradients, eval, forward or init, got '" + program + "'");
        };
    }

    private Backend ioBackend(RunConfig rc) {
        if (!ioBackend.equals("pjrt")) return Backends.create(ioBackend, rc.backend().plugin(), rc.backend().memoryFraction());
        Path plugin = PluginDiscovery.system().find(rc.backend().plugin() == null ? null : Path.of(rc.backend().plugin()));
        return PjrtBackend.open(plugin, ClientOptions.forPlugin(plugin, rc.backend().memoryFraction()), DotGeneral.Precision.HIGHEST);
    }

    /** FILE.mlir -> FILE.signature.json (any other name gets .signature.json appended). */
    static Path signaturePath(Path module) {
        String name = module.getFileName().toString();
        String stem = name.endsWith(".mlir") ? name.substring(0, name.length() - ".mlir".length()) : name;
        return module.resolveSibling(stem + ".signature.json");
    }
}
