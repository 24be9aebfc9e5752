package monetj.train.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import monetj.core.backend.Backend;
import monetj.core.dist.ProcessGroup;
import monetj.train.config.ConfigException;
import monetj.train.config.RunConfig;
import monetj.train.config.RunConfigLoader;
import monetj.train.metrics.MetricsLog;
import monetj.train.run.Backends;
import monetj.train.run.Trainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code monet sweep}: a base run config plus a grid (every combination) or a list of overrides. Runs them one
 * after another, or with {@code --write-configs} writes one run config per run for a cluster scheduler; then
 * prints the final and best validation losses.
 *
 * <pre>
 * base: ../demo.yaml
 * runs_dir: ../../runs/aux-sweep        # default: runs/NAME next to the working directory
 * grid:
 *   loss.uniformity_weight: [0, 1.0e-3, 5.0e-3]
 *   optimizer.lr: [5.0e-4, 1.0e-3]
 * # or: runs: [{name: low-lr, set: {optimizer.lr: 1.0e-4}}, ...]
 * </pre>
 */
@Command(name = "sweep", mixinStandardHelpOptions = true,
        description = {"Run (or write configs for) a grid or list of config overrides and compare validation losses.",
                "",
                "A sweep file (YAML) has these keys; paths are relative to the sweep file:",
                "  base: ../demo.yaml                 the run config to vary (required)",
                "  runs_dir: ../../runs/aux-sweep     where the runs go (default: runs/NAME-OF-SWEEP-FILE)",
                "  grid:                              every combination of the listed values; run names are made from them",
                "    loss.uniformity_weight: [0, 1.0e-3]",
                "    optimizer.lr: [5.0e-4, 1.0e-3]",
                "  runs:                              and/or named runs, each with its own overrides",
                "    - name: low-lr                   a plain name: letters, digits, and . _ , = + -",
                "      set: {optimizer.lr: 1.0e-4}",
                "Each run trains in RUNS_DIR/NAME (resuming one that has checkpoints); --write-configs writes",
                "RUNS_DIR/NAME.yaml instead, with paths made absolute, and prints the command that trains it."})
public final class SweepCommand implements Callable<Integer> {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    @Option(names = "--config", required = true, description = "sweep file (YAML)")
    Path config;

    @Option(names = "--write-configs", description = "only write one run config per run (and print the train commands)")
    boolean writeOnly;

    /** One run of the sweep: a name and its overrides. */
    record SweepRun(String name, Map<String, JsonNode> overrides) {}

    @Override
    public Integer call() throws Exception {
        ObjectNode sweep = RunConfigLoader.readTree(config);
        for (var it = sweep.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!List.of("base", "runs_dir", "grid", "runs").contains(k)) {
                throw new ConfigException(config + ": unknown sweep key '" + k + "' (valid: base, runs_dir, grid, runs)");
            }
        }
        if (!sweep.hasNonNull("base")) throw new ConfigException(config + ": sweep key 'base' (the run config to vary) is required");
        Path dir = config.toAbsolutePath().getParent();
        Path base = dir.resolve(sweep.get("base").asText()).normalize();
        String name = config.getFileName().toString().replaceAll("\\.(ya?ml|json)$", "");
        Path runsDir = sweep.hasNonNull("runs_dir") ? dir.resolve(sweep.get("runs_dir").asText()).normalize() : Path.of("runs", name);
        List<SweepRun> runs = expand(sweep);
        if (runs.isEmpty()) throw new ConfigException(config + ": the sweep has no runs (give 'grid' or 'runs')");

        List<Path> runDirs = new ArrayList<>();
        for (SweepRun r : runs) {
            ObjectNode tree = RunConfigLoader.readTree(base);
            for (var o : r.overrides().entrySet()) RunConfigLoader.set(tree, o.getKey(), o.getValue(), base);
            RunConfigLoader.Resolved resolved = RunConfigLoader.resolve(tree, base, base + " with " + r.name());
            RunConfig rc = resolved.config();
            Path runDir = runsDir.resolve(r.name());
            runDirs.add(runDir);
            if (writeOnly) {
                Files.createDirectories(runsDir);
                Path file = runsDir.resolve(r.name() + ".yaml");
                // The written config lives elsewhere than the base: its data paths are written resolved (the model is inlined).
                ObjectNode written = resolved.tree().deepCopy();
                if (rc.data().train() != null) RunConfigLoader.set(written, "data.train", YAML.getNodeFactory().textNode(rc.data().train()));
                if (rc.data().validation() != null) RunConfigLoader.set(written, "data.validation", YAML.getNodeFactory().textNode(rc.data().validation()));
                Files.writeString(file, YAML.writeValueAsString(written));
                System.out.println(Launcher.command() + " train --config " + file + " --run-dir " + runDir);
                continue;
            }
            System.out.println("=== sweep run " + r.name() + " " + r.overrides());
            try (Backend backend = Backends.forRun(rc, ProcessGroup.single())) {
                // A run that already saved a checkpoint (an interrupted sweep run again) continues from it.
                boolean resume = new monetj.train.checkpoint.CheckpointStore(runDir, rc.checkpoint().keep()).latest().isPresent();
                new Trainer(rc, resolved.tree(), resolved.model(), runDir, backend, System.out).run(resume);
            }
        }
        if (!writeOnly) printTable(runs, runDirs);
        return 0;
    }

    static List<SweepRun> expand(ObjectNode sweep) {
        List<SweepRun> out = new ArrayList<>();
        if (sweep.has("grid")) {
            if (!sweep.get("grid").isObject() || sweep.get("grid").isEmpty()) {
                throw new ConfigException("grid", "must map config keys to lists of values, got " + sweep.get("grid") + " (remove it when only 'runs' are meant)");
            }
            List<Map<String, JsonNode>> combos = new ArrayList<>();
            combos.add(new LinkedHashMap<>());
            for (var it = sweep.get("grid").fields(); it.hasNext(); ) {
                var axis = it.next();
                if (!axis.getValue().isArray() || axis.getValue().isEmpty()) throw new ConfigException("grid." + axis.getKey(), "must be a non-empty list of values");
                List<Map<String, JsonNode>> next = new ArrayList<>();
                for (Map<String, JsonNode> c : combos) {
                    for (JsonNode v : axis.getValue()) {
                        Map<String, JsonNode> m = new LinkedHashMap<>(c);
                        m.put(axis.getKey(), v);
                        next.add(m);
                    }
                }
                combos = next;
            }
            for (Map<String, JsonNode> c : combos) {
                StringBuilder n = new StringBuilder();
                c.forEach((k, v) -> n.append(n.isEmpty() ? "" : ",").append(k.substring(k.lastIndexOf('.') + 1)).append('=')
                        .append(v.isValueNode() ? v.asText() : v.toString()));
                out.add(new SweepRun(n.toString().replaceAll("[^A-Za-z0-9_.,=\\[\\]-]", "_"), c));
            }
        }
        if (sweep.has("runs")) {
            if (!sweep.get("runs").isArray()) throw new ConfigException("runs", "must be a list of {name, set} entries, got " + sweep.get("runs"));
            for (JsonNode r : sweep.get("runs")) {
                if (!r.isObject() || !r.hasNonNull("name")) throw new ConfigException("runs[]", "each run needs a name, got " + r);
                for (var it = r.fieldNames(); it.hasNext(); ) {
                    String k = it.next();
                    if (!k.equals("name") && !k.equals("set")) {
                        throw new ConfigException("runs[" + r.get("name").asText() + "]." + k, "is not a run key (valid: name, set; overrides go under set)");
                    }
                }
                Map<String, JsonNode> m = new LinkedHashMap<>();
                if (r.has("set") && !r.get("set").isObject()) throw new ConfigException("runs[" + r.get("name").asText() + "].set", "must map config keys to values");
                if (r.has("set")) r.get("set").fields().forEachRemaining(e -> m.put(e.getKey(), e.getValue()));
                out.add(new SweepRun(r.get("name").asText(), m));
            }
        }
        java.util.Set<String> names = new java.util.HashSet<>();
        for (SweepRun r : out) {
            // A name becomes a directory and a file under runs_dir: nothing that could point elsewhere.
            if (!r.name().matches("[A-Za-z0-9_][A-Za-z0-9_.,=+\\[\\]-]*")) {
                throw new ConfigException("the sweep run name '" + r.name() + "' is not a plain name (letters, digits, . _ , = + - [ ], not starting with '.' or '-')");
            }
            if (!names.add(r.name())) throw new ConfigException("the sweep has two runs named '" + r.name() + "'; give distinct values or names");
        }
        return out;
    }

    private static void printTable(List<SweepRun> runs, List<Path> dirs) throws java.io.IOException {
        System.out.printf("%n%-40s %12s %12s %12s%n", "run", "final loss", "final val", "best val");
        for (int i = 0; i < runs.size(); i++) {
            List<JsonNode> m = MetricsLog.read(dirs.get(i).resolve("metrics.jsonl"));
            double finalLoss = m.isEmpty() ? Double.NaN : m.get(m.size() - 1).get("loss").asDouble();
            double lastVal = Double.NaN, bestVal = Double.POSITIVE_INFINITY;
            for (JsonNode r : m) {
                if (r.has("val_loss")) {
                    lastVal = r.get("val_loss").asDouble();
                    bestVal = Math.min(bestVal, lastVal);
                }
            }
            System.out.printf("%-40s %12.4f %12.4f %12.4f%n", runs.get(i).name(), finalLoss, lastVal, bestVal == Double.POSITIVE_INFINITY ? Double.NaN : bestVal);
        }
    }
}
