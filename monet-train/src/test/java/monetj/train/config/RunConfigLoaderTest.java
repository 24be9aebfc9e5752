package monetj.train.config;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunConfigLoaderTest {
    @TempDir Path dir;

    private Path write(String yaml) throws Exception {
        Path f = dir.resolve("run.yaml");
        Files.writeString(f, yaml);
        return f;
    }

    @Test
    void defaultsOverridesAndModelPath() throws Exception {
        Files.createDirectories(dir.resolve("models"));
        Files.copy(Path.of("../configs/models/tiny-vd.json"), dir.resolve("models/tiny.json"));
        Path f = write("model: models/tiny.json\ntrain:\n  steps: 10\n  batch_size: 4\noptimizer:\n  lr: 1.0e-3\n");
        RunConfig rc = RunConfigLoader.load(f, List.of("train.micro_batch_size=2", "optimizer.betas=[0.8, 0.99]", "data.train=/tmp/x"));
        assertEquals(10, rc.train().steps());
        assertEquals(2, rc.train().accumulationSteps());
        assertEquals(List.of(0.8, 0.99), rc.optimizer().betas());
        assertEquals(1e-3, rc.optimizer().lr());
        assertEquals("/tmp/x", rc.data().train());
        assertEquals("cosine", rc.schedule().decay());
        assertEquals(1e-3, rc.loss().uniformityWeight());
        assertEquals(64, RunConfigLoader.modelConfig(rc, f).hiddenSize());
    }

    @Test
    void unknownKeysSuggestTheNearestValidKey() throws Exception {
        Path f = write("train:\n  step: 10\n");
        var e = assertThrows(ConfigException.class, () -> RunConfigLoader.load(f, List.of()));
        assertTrue(e.getMessage().contains("unknown config key 'train.step'") && e.getMessage().contains("did you mean 'train.steps'"), e.getMessage());
        var e2 = assertThrows(ConfigException.class, () -> RunConfigLoader.load(write("optimiser:\n  lr: 1\n"), List.of()));
        assertTrue(e2.getMessage().contains("'optimiser'") && e2.getMessage().contains("did you mean 'optimizer'"), e2.getMessage());
    }

    @Test
    void everyValueIsCheckedByName() throws Exception {
        var e = assertThrows(ConfigException.class, () -> RunConfigLoader.load(write("train:\n  batch_size: 6\n  micro_batch_size: 4\n"), List.of()));
        assertTrue(e.getMessage().contains("'train.micro_batch_size' must divide train.batch_size (6)"), e.getMessage());
        var e2 = assertThrows(ConfigException.class, () -> RunConfigLoader.load(write("train:\n  steps: lots\n"), List.of()));
        assertTrue(e2.getMessage().contains("'train.steps' has the wrong type"), e2.getMessage());
        var e3 = assertThrows(ConfigException.class, () -> RunConfigLoader.load(write("{}"), List.of("schedule.decay=exponential")));
        assertTrue(e3.getMessage().contains("'schedule.decay' must be one of [cosine, linear, constant]"), e3.getMessage());
        var e4 = assertThrows(ConfigException.class, () -> RunConfigLoader.load(write("train: [1, 2\n"), List.of()));
        assertTrue(e4.getMessage().contains("not valid YAML"), e4.getMessage());
        var e5 = assertThrows(ConfigException.class, () -> RunConfigLoader.load(dir.resolve("absent.yaml"), List.of()));
        assertTrue(e5.getMessage().contains("absent.yaml does not exist"), e5.getMessage());
        RunConfig rc = RunConfigLoader.load(write("model: nowhere.json\n"), List.of());
        var e6 = assertThrows(ConfigException.class, () -> RunConfigLoader.modelConfig(rc, dir.resolve("run.yaml")));
        assertTrue(e6.getMessage().contains("'model' points at"), e6.getMessage());
    }
}
