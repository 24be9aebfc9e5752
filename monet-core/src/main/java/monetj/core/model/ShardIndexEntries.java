package monetj.core.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code weight_map} of a sharded Hugging Face directory, checked before any shard is opened: every entry
 * must name a plain file inside the model directory (an entry like {@code ../other/x.safetensors} would read
 * outside it), and every named file must exist; a problem names the index entry and the tensors it holds.
 */
final class ShardIndexEntries {
    private ShardIndexEntries() {}

    /** The tensors of each shard file, in index order. */
    static Map<String, List<String>> byFile(Path index, Path dir, JsonNode weightMap) throws IOException {
        Map<String, List<String>> byFile = new LinkedHashMap<>();
        for (var it = weightMap.fields(); it.hasNext(); ) {
            var e = it.next();
            if (!e.getValue().isTextual()) throw new IOException(index + ": weight_map entry '" + e.getKey() + "' must be a file name, got " + e.getValue());
            String file = e.getValue().asText();
            if (file.isEmpty() || file.contains("/") || file.contains("\\") || file.equals("..") || file.equals(".")) {
                throw new IOException(index + ": weight_map entry '" + e.getKey() + "': \"" + file
                        + "\" is not a file name in the model directory (shards must lie next to the index)");
            }
            byFile.computeIfAbsent(file, f -> new ArrayList<>()).add(e.getKey());
        }
        for (var e : byFile.entrySet()) {
            if (!Files.isRegularFile(dir.resolve(e.getKey()))) {
                List<String> names = e.getValue();
                throw new IOException(index + ": weight_map names " + e.getKey() + " for " + names.size() + " tensor(s) ("
                        + String.join(", ", names.subList(0, Math.min(5, names.size()))) + (names.size() > 5 ? ", ..." : "")
                        + "), but " + dir.resolve(e.getKey()) + " does not exist (missing shard)");
            }
        }
        return byFile;
    }
}
