package monetj.train.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * {@code RUN/config.resolved.json} is the config of the latest start of a run. When a resumed run starts with a
 * different config, the earlier one is kept as {@code config.resolved.N.json} (N = 1, 2, ... in order) and the
 * changed keys are printed, so a run's history of settings is never lost.
 */
final class ResolvedConfigHistory {
    static final String FILE_NAME = "config.resolved.json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private ResolvedConfigHistory() {}

    static void record(Path runDir, JsonNode config, PrintStream console) throws IOException {
        Path file = runDir.resolve(FILE_NAME);
        if (Files.isRegularFile(file)) {
            JsonNode earlier;
            try {
                earlier = JSON.readTree(Files.readString(file));
            } catch (IOException e) {
                earlier = null; // unreadable: kept as it is, and reported as changed as a whole
            }
            if (config.equals(earlier)) return;
            Path kept = nextFree(runDir);
            Files.move(file, kept);
            List<String> changes = new ArrayList<>();
            if (earlier == null) changes.add("(the earlier file was not valid JSON)");
            else diff("", earlier, config, changes);
            console.printf("the run config changed since the previous start of %s (the earlier one is kept as %s):%n  %s%n", runDir,
                    kept.getFileName(), String.join("\n  ", changes));
        }
        Files.writeString(file, JSON.writeValueAsString(config) + "\n");
    }

    private static Path nextFree(Path runDir) {
        for (int n = 1; ; n++) {
            Path p = runDir.resolve("config.resolved." + n + ".json");
            if (!Files.exists(p)) return p;
        }
    }

    /** Dotted keys whose values differ, as {@code key: old -> new}. */
    private static void diff(String prefix, JsonNode a, JsonNode b, List<String> out) {
        boolean sections = (a == null || a.isObject()) && (b == null || b.isObject()) && (a != null || b != null);
        if (sections) { // a section on one side only is compared key by key with an empty one
            Set<String> keys = new TreeSet<>();
            if (a != null) a.fieldNames().forEachRemaining(keys::add);
            if (b != null) b.fieldNames().forEachRemaining(keys::add);
            for (String k : keys) diff(prefix.isEmpty() ? k : prefix + "." + k, a == null ? null : a.get(k), b == null ? null : b.get(k), out);
        } else if (a == null ? b != null : !a.equals(b)) {
            out.add(prefix + ": " + (a == null ? "(absent)" : a) + " -> " + (b == null ? "(absent)" : b));
        }
    }
}
