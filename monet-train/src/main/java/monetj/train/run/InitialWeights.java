package monetj.train.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import monetj.core.model.HfModelDirectory;
import monetj.core.model.MonetConfig;
import monetj.core.tensor.HostTensor;
import monetj.train.config.ConfigException;

/**
 * {@code train.init_from}: the weights a fresh run starts from, read from a Hugging Face model directory (this
 * project's export or the authors' checkpoints; bf16, f16 or f32; one file or a sharded index). The directory's
 * config must describe the run's model: every architecture key that differs is named, then every missing,
 * unexpected or mis-shaped tensor. Extras such as {@code torch_dtype} and {@code initializer_range} may differ.
 */
final class InitialWeights {
    private InitialWeights() {}

    /** The directory's parameters and buffers, floating ones in f32. */
    static Map<String, HostTensor> read(Path dir, MonetConfig runModel) throws IOException {
        if (!Files.isDirectory(dir)) throw new ConfigException("train.init_from", "points at " + dir + ", which is not a directory");
        Path configFile = dir.resolve("config.json");
        if (!Files.isRegularFile(configFile)) throw new ConfigException("train.init_from", dir + " has no config.json (not a Hugging Face model directory)");
        List<String> differences = differences(runModel, MonetConfig.read(configFile));
        if (!differences.isEmpty()) {
            throw new ConfigException("train.init_from", dir + ": its config.json does not match the run's model (" + differences.size() + " key(s)):\n  "
                    + String.join("\n  ", differences));
        }
        try {
            return HfModelDirectory.read(dir).f32Tensors();
        } catch (IllegalArgumentException e) {
            throw new ConfigException("train.init_from", e.getMessage());
        }
    }

    /** "key: run has A, directory has B" for each architecture key that differs. */
    static List<String> differences(MonetConfig run, MonetConfig source) {
        ObjectNode a = architecture(run), b = architecture(source);
        List<String> out = new ArrayList<>();
        a.fieldNames().forEachRemaining(k -> {
            JsonNode x = a.get(k), y = b.get(k);
            if (!x.equals(y)) out.add(k + ": the run's model has " + x + ", the directory has " + y);
        });
        return out;
    }

    private static ObjectNode architecture(MonetConfig c) {
        ObjectNode json = c.toJson();
        c.extra().fieldNames().forEachRemaining(json::remove);
        json.remove("initializer_range"); // only random initialisation reads it
        return json;
    }
}
