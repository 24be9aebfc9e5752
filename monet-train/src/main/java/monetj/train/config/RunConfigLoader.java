package monetj.train.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.stream.Collectors;
import monetj.core.model.MonetConfig;
import monetj.core.model.NearestKey;

/**
 * Reads run configs (YAML or JSON, snake_case keys), applies {@code --set a.b=value} overrides, and turns
 * every mistake into a message naming the key: unknown keys get the nearest valid key suggested.
 */
public final class RunConfigLoader {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.ACCEPT_SINGLE_VALUE_AS_ARRAY) // train.freeze=GLOB is a list of one
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT); // batch_size=2.5 is an error, not a silent 2

    private RunConfigLoader() {}

    /** The parsed tree of a config file, before overrides. */
    public static ObjectNode readTree(Path file) throws IOException {
        if (!Files.isRegularFile(file)) throw new ConfigException("run config " + file + " does not exist");
        JsonNode n;
        try {
            n = YAML.readTree(Files.readString(file));
        } catch (JsonProcessingException e) {
            throw new ConfigException(file + ": not valid YAML/JSON: " + e.getOriginalMessage()
                    + (e.getLocation() != null ? " (line " + e.getLocation().getLineNr() + ")" : ""));
        }
        if (n == null || n.isMissingNode() || n.isNull()) return YAML.createObjectNode();
        if (!n.isObject()) throw new ConfigException(file + ": a run config must be a mapping of sections");
        return (ObjectNode) n;
    }

    /** Applies one {@code a.b.c=value} override; the value is parsed as a YAML scalar or flow value. */
    public static void override(ObjectNode root, String assignment) {
        int eq = assignment.indexOf('=');
        if (eq <= 0) throw new ConfigException("--set expects key=value, got \"" + assignment + "\"");
        String key = assignment.substring(0, eq).trim();
        String raw = assignment.substring(eq + 1);
        JsonNode value;
        try {
            value = raw.isEmpty() ? YAML.getNodeFactory().textNode("") : YAML.readTree(raw);
        } catch (JsonProcessingException e) {
            value = plainList(raw);
            if (value == null) value = YAML.getNodeFactory().textNode(raw);
        }
        set(root, key, value);
    }

    /** {@code [a, *.b]} that YAML refuses (a leading {@code *} is an alias there): a list of the plain strings, else null. */
    private static JsonNode plainList(String raw) {
        String t = raw.strip();
        if (!t.startsWith("[") || !t.endsWith("]")) return null;
        var list = YAML.getNodeFactory().arrayNode();
        for (String item : t.substring(1, t.length() - 1).split(",")) {
            if (!item.isBlank()) list.add(item.strip());
        }
        return list;
    }

    /** Applies an override to a config read from {@code configFile}; a {@code model.*} key may override a model given as a path. */
    public static void override(ObjectNode root, String assignment, Path configFile) throws IOException {
        inlineModelFileFor(assignment.substring(0, Math.max(0, assignment.indexOf('='))).trim(), root, configFile);
        override(root, assignment);
    }

    /** Sets a dotted key of a config read from {@code configFile}; a {@code model.*} key may override a model given as a path. */
    public static void set(ObjectNode root, String key, JsonNode value, Path configFile) throws IOException {
        inlineModelFileFor(key, root, configFile);
        set(root, key, value);
    }

    /** Before a {@code model.*} key is set, a model named by path is replaced by that file's keys, so the override edits them. */
    private static void inlineModelFileFor(String key, ObjectNode root, Path configFile) throws IOException {
        JsonNode m = root.get("model");
        if (!key.startsWith("model.") || m == null || !m.isTextual()) return;
        Path p = modelPath(m.asText(), configFile);
        JsonNode file;
        try {
            file = YAML.readTree(Files.readString(p));
        } catch (JsonProcessingException e) {
            throw new ConfigException("model", "points at " + p + ", which is not valid JSON: " + e.getOriginalMessage());
        }
        if (!file.isObject()) throw new ConfigException("model", "points at " + p + ", which is not a JSON object");
        root.set("model", file);
    }

    /** Sets the value at a dotted key, creating sections on the way. */
    public static void set(ObjectNode root, String key, JsonNode value) {
        String[] path = key.split("\\.");
        ObjectNode node = root;
        for (int i = 0; i < path.length - 1; i++) {
            JsonNode child = node.get(path[i]);
            if (child == null || child.isNull()) child = node.putObject(path[i]);
            if (!child.isObject()) throw new ConfigException(String.join(".", List.of(path).subList(0, i + 1)), "is not a section, cannot set " + key);
            node = (ObjectNode) child;
        }
        node.set(path[path.length - 1], value);
    }

    /** Binds a tree to a {@link RunConfig}, translating binding errors into key-naming messages. */
    public static RunConfig bind(JsonNode tree, String source) {
        try {
            return YAML.treeToValue(tree, RunConfig.class);
        } catch (UnrecognizedPropertyException e) {
            String key = dotted(e);
            String hint = nearest(e.getPropertyName(), e.getKnownPropertyIds());
            throw new ConfigException(source + ": unknown config key '" + key + "'"
                    + (hint != null ? " (did you mean '" + parentOf(key) + hint + "'?)" : "")
                    + "; valid keys here: " + e.getKnownPropertyIds().stream().map(Object::toString).sorted().collect(Collectors.joining(", ")));
        } catch (JsonMappingException e) {
            Throwable root = e;
            while (root.getCause() != null) root = root.getCause();
            if (root instanceof ConfigException ce) throw new ConfigException(source + ": " + ce.getMessage());
            throw new ConfigException(source + ": config key '" + dotted(e) + "' has the wrong type: " + e.getOriginalMessage());
        } catch (JsonProcessingException e) {
            throw new ConfigException(source + ": " + e.getOriginalMessage());
        }
    }

    /**
     * A run config ready to train: the bound config with its paths resolved, its model, and the tree to record in
     * the run directory (the config as given, with the model config written out in full).
     */
    public record Resolved(RunConfig config, MonetConfig model, ObjectNode tree) {}

    /** Binds a tree read from {@code file} (overrides already applied), resolves its paths and loads its model. */
    public static Resolved resolve(ObjectNode tree, Path file, String source) throws IOException {
        RunConfig rc = withPathsResolved(bind(tree, source), file);
        MonetConfig model = modelConfig(rc, file);
        monetj.train.mesh.MeshPlan.check(rc, model);
        ObjectNode recorded = tree.deepCopy();
        recorded.set("model", model.toJson());
        // The directory a run started from, as an absolute path: the run's origin stays known after a move.
        if (rc.train().initFrom() != null) recorded.withObjectProperty("train").put("init_from", rc.train().initFrom());
        return new Resolved(rc, model, recorded);
    }

    /** Reads a file, applies overrides, binds and validates. */
    public static RunConfig load(Path file, List<String> overrides) throws IOException {
        ObjectNode tree = readTree(file);
        for (String o : overrides) override(tree, o);
        return bind(tree, file.toString());
    }

    /**
     * The config with its data paths made absolute: {@code ~/} is the home directory, and relative paths (and
     * globs, comma-separated) are taken relative to the run config's directory, like the model path.
     */
    public static RunConfig withPathsResolved(RunConfig rc, Path runConfigFile) {
        Path base = runConfigFile.toAbsolutePath().getParent();
        RunConfig.Data d = rc.data();
        RunConfig.Data resolved = new RunConfig.Data(resolve(d.train(), base), resolve(d.validation(), base), d.tokenizer(), d.seqLen(), d.seed(), d.eos(),
                d.allowTokenizerMismatch());
        RunConfig.Train t = rc.train();
        RunConfig.Train train = new RunConfig.Train(t.steps(), t.batchSize(), t.microBatchSize(), t.seed(), t.logEvery(), t.evalEvery(), t.evalBatches(),
                t.precision(), t.remat(), resolve(t.initFrom(), base), t.freeze());
        return new RunConfig(rc.model(), resolved, train, rc.optimizer(), rc.schedule(), rc.loss(), rc.checkpoint(), rc.backend(), rc.mesh());
    }

    private static String resolve(String paths, Path base) {
        if (paths == null) return null;
        List<String> out = new java.util.ArrayList<>();
        for (String p : paths.split(",")) {
            String t = p.trim();
            if (t.startsWith("~/")) t = System.getProperty("user.home") + t.substring(1);
            out.add(t.startsWith("/") ? t : base.resolve(t).normalize().toString());
        }
        return String.join(",", out);
    }

    /** The model config a run config names: a path (relative to the run config's directory) or an inline object. */
    public static MonetConfig modelConfig(RunConfig rc, Path runConfigFile) throws IOException {
        JsonNode m = rc.model();
        if (m == null || m.isNull()) throw new ConfigException("model", "is required (a path to a model config.json, or the config inline)");
        if (m.isTextual()) return MonetConfig.read(modelPath(m.asText(), runConfigFile));
        if (m.isObject()) return MonetConfig.fromJson(m);
        throw new ConfigException("model", "must be a path or a mapping, got " + m.getNodeType());
    }

    /** A model config path, relative to the run config's directory, that must exist. */
    private static Path modelPath(String path, Path runConfigFile) {
        Path p = Path.of(path);
        if (!p.isAbsolute()) p = runConfigFile.toAbsolutePath().getParent().resolve(p).normalize();
        if (!Files.isRegularFile(p)) throw new ConfigException("model", "points at " + p + ", which does not exist");
        return p;
    }

    private static String dotted(JsonMappingException e) {
        return e.getPath().stream().map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                .collect(Collectors.joining(".")).replace(".[", "[");
    }

    private static String parentOf(String key) {
        int i = key.lastIndexOf('.');
        return i < 0 ? "" : key.substring(0, i + 1);
    }

    /** The known key closest in edit distance, if it is close enough to be a plausible typo. */
    static String nearest(String word, Collection<Object> candidates) { return NearestKey.of(word, candidates); }
}
