package monetj.train.step;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import monetj.core.model.MonetConfig;
import monetj.train.config.ConfigException;
import monetj.train.config.RunConfig;
import monetj.train.config.RunConfigLoader;
import org.junit.jupiter.api.Test;

class FrozenParametersTest {
    private static MonetConfig tiny() throws Exception { return MonetConfig.read(Path.of("../configs/models/tiny-vd.json")); }

    @Test
    void globsMatchWholeNamesWithStarAcrossDots() throws Exception {
        Set<String> f = FrozenParameters.select(tiny(), List.of("model.layers.*.router.*"));
        assertEquals(Set.of("model.layers.0.router.w1.weight", "model.layers.0.router.w2.weight", "model.layers.4.router.w1.weight",
                "model.layers.4.router.w2.weight"), f);
        assertEquals(Set.of("model.norm.weight"), FrozenParameters.select(tiny(), List.of("model.nor?.weight")));
        assertTrue(FrozenParameters.select(tiny(), List.of()).isEmpty());
    }

    @Test
    void refusesAGlobThatMatchesNothingAndFreezingEverything() throws Exception {
        var e = assertThrows(ConfigException.class, () -> FrozenParameters.select(tiny(), List.of("model.layers.*.router.*", "lm_head.weights")));
        assertTrue(e.getMessage().contains("[lm_head.weights]") && e.getMessage().contains("train.freeze"), e.getMessage());
        assertThrows(ConfigException.class, () -> FrozenParameters.select(tiny(), List.of("*")));
    }

    @Test
    void setTakesAYamlListOrOneGlob() {
        var tree = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode();
        RunConfigLoader.override(tree, "train.freeze=[model.layers.*.router.*, model.embed_tokens.weight]");
        RunConfig rc = RunConfigLoader.bind(tree, "test");
        assertEquals(List.of("model.layers.*.router.*", "model.embed_tokens.weight"), rc.train().freeze());
        RunConfigLoader.override(tree, "train.freeze=[*.router.*, lm_head.*]");
        assertEquals(List.of("*.router.*", "lm_head.*"), RunConfigLoader.bind(tree, "test").train().freeze());
        RunConfigLoader.override(tree, "train.freeze=model.norm.weight");
        assertEquals(List.of("model.norm.weight"), RunConfigLoader.bind(tree, "test").train().freeze());
    }
}
