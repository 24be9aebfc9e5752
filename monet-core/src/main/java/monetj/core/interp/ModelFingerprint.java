package monetj.core.interp;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.TreeMap;
import monetj.core.model.MonetConfig;

/**
 * The config hash that ties atlases and masks to a model: SHA-256 of the architecture keys of its config.json
 * (sorted, extras such as torch_dtype left out), so a re-export in another dtype keeps its atlases.
 */
public final class ModelFingerprint {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ModelFingerprint() {}

    public static String of(MonetConfig config) {
        ObjectNode json = config.toJson();
        config.extra().fieldNames().forEachRemaining(json::remove);
        try {
            byte[] canonical = JSON.writeValueAsString(new TreeMap<>(JSON.convertValue(json, java.util.Map.class))).getBytes(StandardCharsets.UTF_8);
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(canonical));
        } catch (NoSuchAlgorithmException | com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Refuses a file made for another model, naming both hashes. */
    public static void require(MonetConfig config, String found, String what) {
        String expected = of(config);
        if (!expected.equals(found)) {
            throw new IllegalArgumentException(what + " was made for another model: its config hash is " + found + ", this model's is " + expected
                    + " (architectures differ; recompute it for this model)");
        }
    }
}
