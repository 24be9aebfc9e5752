package monetj.train.checkpoint;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import monetj.core.model.MonetConfig;
import monetj.core.model.MonetModel;
import monetj.train.step.TrainState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A checkpoint's files are checked against its manifest, and a state.json that does not parse is named. */
class TrainCheckpointTest {
    @TempDir Path tmp;

    private Path checkpoint() throws IOException {
        MonetConfig model = MonetConfig.read(Path.of("../configs/models/tiny-vd.json"));
        Path dir = Files.createDirectories(tmp.resolve("step-0"));
        TrainCheckpoint.write(dir, TrainState.fresh(model, new MonetModel(model).init(0).asMap()), model, null, new ObjectMapper().createObjectNode(), 0);
        CheckpointManifest.write(dir);
        return dir;
    }

    @Test
    void aCorruptStateJsonIsNamedEvenWithAMatchingManifest() throws Exception {
        Path dir = checkpoint();
        assertEquals(0, TrainCheckpoint.read(dir, null).state().step());
        Files.writeString(dir.resolve("state.json"), "{\"step\": 0, \"data\": {");
        CheckpointManifest.write(dir); // as if written so: the manifest matches the broken file
        var e = assertThrows(IOException.class, () -> TrainCheckpoint.read(dir, null));
        assertTrue(e.getMessage().startsWith(dir.resolve("state.json") + ": not valid JSON"), e.getMessage());
    }

    @Test
    void aFileThatDiffersFromTheManifestIsNamed() throws Exception {
        Path dir = checkpoint();
        byte[] b = Files.readAllBytes(dir.resolve("optimizer.safetensors"));
        b[b.length - 1] ^= 1;
        Files.write(dir.resolve("optimizer.safetensors"), b);
        var e = assertThrows(DamagedCheckpointException.class, () -> TrainCheckpoint.read(dir, null));
        assertTrue(e.getMessage().contains(dir + " is damaged: optimizer.safetensors has SHA-256"), e.getMessage());
    }
}
