package monetj.train.run;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import monetj.core.exec.JavaExecutor;
import monetj.core.nn.Precision;
import monetj.train.config.RunConfigLoader;
import monetj.train.step.TrainStepProgram;
import monetj.xla.pjrt.ClientOptions;
import monetj.xla.pjrt.FakePlugin;
import monetj.xla.pjrt.PjrtBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which mesh a run's programs are sharded over, on the Java executor and on a 2-device PJRT client, and the refusal of a mesh too large. */
class TrainingMeshTest {
    @TempDir
    Path tmp;

    private RunConfigLoader.Resolved config(String... sets) throws Exception {
        Files.copy(Path.of("../configs/models/tiny-vd.json"), tmp.resolve("model.json"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Path file = tmp.resolve("run.yaml");
        Files.writeString(file, "model: model.json\ndata: {train: none, seq_len: 8}\ntrain: {batch_size: 4, micro_batch_size: 4}\n");
        var tree = RunConfigLoader.readTree(file);
        for (String s : sets) RunConfigLoader.override(tree, s);
        return RunConfigLoader.resolve(tree, file, file.toString());
    }

    @Test
    void oneDeviceWithoutSizesIsUnshardedAndEveryDeviceGoesToFsdpOtherwise() throws Exception {
        try (JavaExecutor java = new JavaExecutor()) {
            assertNull(TrainingMesh.rules(config().config(), java));
            assertArrayEquals(new int[] {2, 1, 1, 1}, TrainingMesh.rules(config("mesh.data=2", "mesh.fsdp=1").config(), java).mesh().axisSizes(),
                    "sizes given: the Java executor runs the sharded programs whole");
        }
        try (PjrtBackend fake = PjrtBackend.open(FakePlugin.withDevices(2), ClientOptions.none())) {
            assertArrayEquals(new int[] {1, 2, 1, 1}, TrainingMesh.rules(config().config(), fake).mesh().axisSizes());
        }
    }

    @Test
    void aMeshLargerThanTheClientIsRefusedNamingBothCounts() throws Exception {
        var resolved = config("mesh.fsdp=4");
        try (PjrtBackend fake = PjrtBackend.open(FakePlugin.withDevices(2), ClientOptions.none())) {
            var rules = TrainingMesh.rules(resolved.config(), fake);
            var settings = TrainStepProgram.Settings.of(resolved.config(), resolved.model(), Precision.F32);
            var e = assertThrows(IllegalArgumentException.class, () -> new StepRunner(fake, settings, rules).close());
            assertTrue(e.getMessage().contains("mesh [data=1, fsdp=4, tensor=1, expert=1] spans 4 devices") && e.getMessage().contains("has 2 addressable devices"),
                    e.getMessage());
            assertTrue(List.of(e.getMessage().split("; ")).getLast().contains("mesh.fsdp=2"), e.getMessage());
        }
    }
}
