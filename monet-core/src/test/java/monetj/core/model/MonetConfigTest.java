package monetj.core.model;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MonetConfigTest {
    private static final Path MODELS = Path.of("..", "configs", "models");
    private static final ObjectMapper JSON = new ObjectMapper();

    private static MonetConfig model(String name) throws Exception { return MonetConfig.read(MODELS.resolve(name + ".json")); }

    @Test
    void publishedSizesHaveThePublishedParameterCounts() throws Exception {
        for (String dec : List.of("vd", "hd")) {
            assertEquals(853_501_440L, model("monet-" + dec + "-850m").parameterCount(), dec + " 850M");
            assertEquals(1_465_157_632L, model("monet-" + dec + "-1.4b").parameterCount(), dec + " 1.4B");
            assertEquals(4_173_401_088L, model("monet-" + dec + "-4.1b").parameterCount(), dec + " 4.1B");
        }
        assertEquals(1_465_157_632L, model("codemonet-vd-1.4b").parameterCount());
    }

    @Test
    void everyModelFileDecomposesAsItsNameSays() throws Exception {
        try (var files = Files.list(MODELS)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".json")).toList()) {
                String name = f.getFileName().toString();
                MonetConfig.Decompose want = name.contains("-hd") ? MonetConfig.Decompose.HORIZONTAL : MonetConfig.Decompose.VERTICAL;
                assertEquals(want, MonetConfig.read(f).moeDecompose(), name);
            }
        }
    }

    @Test
    void routersLiveEveryFourLayers() throws Exception {
        assertEquals(List.of(0, 4, 8, 12, 16, 20), model("monet-vd-1.4b").routerLayers());
        assertEquals(8, model("monet-vd-4.1b").routerLayers().size());
    }

    @Test
    void thresholdIsTheStandardNormalQuantile() throws Exception {
        assertEquals(2.1538746940614564, model("monet-vd-850m").routingThreshold(), 1e-12);
    }

    @Test
    void readsTheGoldenConfigWithRopeParameters() throws Exception {
        MonetConfig c = MonetConfig.read(Path.of("src/test/resources/golden/tiny-vd.config.json"));
        assertEquals(MonetConfig.Decompose.VERTICAL, c.moeDecompose());
        assertEquals(16, c.headDim());
        assertEquals(10000.0, c.ropeTheta());
        assertEquals(List.of(0, 4), c.routerLayers());
        assertEquals(1e-6, c.rmsNormEps());
    }

    @Test
    void writeThenReadKeepsEveryKey(@TempDir Path dir) throws Exception {
        MonetConfig c = model("monet-hd-1.4b");
        c.write(dir.resolve("config.json"));
        MonetConfig back = MonetConfig.read(dir.resolve("config.json"));
        assertEquals(c.toJson(), back.toJson());
        assertEquals("bfloat16", back.extra().get("torch_dtype").asText());
    }

    private static void assertRejected(String key, Object value, String expectedKey, String fragment) throws Exception {
        ObjectNode n = (ObjectNode) JSON.readTree(Files.readString(MODELS.resolve("tiny-vd.json")));
        n.set(key, JSON.valueToTree(value));
        var e = assertThrows(InvalidConfigException.class, () -> MonetConfig.fromJson(n));
        assertTrue(e.getMessage().contains("'" + expectedKey + "'") && e.getMessage().contains(fragment), e.getMessage());
    }

    @Test
    void invalidConfigsNameTheKeyAndTheRule() throws Exception {
        assertRejected("hidden_size", 66, "hidden_size", "divisible by num_attention_heads");
        assertRejected("moe_dim", 7, "moe_dim", "even");
        assertRejected("moe_topk", 16, "moe_topk", "smaller than moe_experts");
        assertRejected("num_key_value_heads", 3, "num_key_value_heads", "divide");
        assertRejected("moe_decompose", "diagonal", "moe_decompose", "horizontal");
        assertRejected("moe_heads", 0, "moe_heads", "positive");
        assertRejected("vocab_size", "many", "vocab_size", "integer");
        assertRejected("hidden_act", "gelu", "hidden_act", "relu2");
        ObjectNode n = (ObjectNode) JSON.readTree(Files.readString(MODELS.resolve("tiny-vd.json")));
        n.remove("moe_experts");
        var e = assertThrows(InvalidConfigException.class, () -> MonetConfig.fromJson(n));
        assertTrue(e.getMessage().contains("'moe_experts' is required"), e.getMessage());
    }

    @Test
    void unknownKeysAndUnimplementedFeaturesAreRefusedByName() throws Exception {
        assertRejected("moe_top_k", 4, "moe_top_k", "is not a Monet model config key (did you mean 'moe_topk'?)");
        assertRejected("rope_scaling", java.util.Map.of("type", "linear", "factor", 2.0), "rope_scaling", "is not supported");
        assertRejected("rope_parameters", java.util.Map.of("rope_type", "yarn", "rope_theta", 10000.0), "rope_parameters.rope_type", "must be \"default\"");
        assertRejected("attention_bias", true, "attention_bias", "must be false");
        assertRejected("attention_dropout", 0.1, "attention_dropout", "must be 0");
        for (String name : List.of("tiny-vd", "demo-vd", "monet-vd-1.4b", "monet-hd-4.1b", "codemonet-vd-1.4b")) model(name); // shipped configs pass
    }
}
