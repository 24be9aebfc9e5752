package monetj.train.e2e;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import monetj.core.model.HfModelDirectory;
import monetj.core.tensor.HostTensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code monet train --set mesh.fsdp=2} on the Java executor (the mesh is logical there: same values, checkpoints
 * written as two shards), resumed with fsdp=1 from the sharded checkpoint, and a one-device run resumed on four:
 * the uninterrupted losses exactly; the sharded checkpoint exports to the same Hugging Face weights as the unsharded
 * run's checkpoint of that step.
 */
class ShardedCheckpointCliTest {
    @TempDir Path tmp;

    @Test
    void shardedRunResumesOnOneDeviceWithTheSameLossesAndExportsTheSameWeights() throws Exception {
        TinyRun t = new TinyRun(tmp);
        Path straight = tmp.resolve("straight"), sharded = tmp.resolve("sharded");
        assertEquals(0, TinyRun.cli("train", "--config", t.config.toString(), "--run-dir", straight.toString()).exitCode());
        List<String> expected = TinyRun.losses(straight);
        assertTrue(Files.isRegularFile(straight.resolve("checkpoints/step-2/model.safetensors")), "a one-device run keeps the single-file format");

        var first = TinyRun.cli("train", "--config", t.config.toString(), "--run-dir", sharded.toString(), "--set", "mesh.fsdp=2", "--set", "train.steps=3",
                "--set", "schedule.total_steps=6");
        assertEquals(0, first.exitCode(), first.stderr());
        for (String step : new String[] {"step-2", "step-3"}) {
            Path dir = sharded.resolve("checkpoints").resolve(step);
            assertTrue(Files.isRegularFile(dir.resolve("index.json")) && Files.isRegularFile(dir.resolve("shard-0.safetensors"))
                    && Files.isRegularFile(dir.resolve("shard-1.safetensors")), step + " is sharded");
            assertFalse(Files.exists(dir.resolve("model.safetensors")), step);
        }

        var resumed = TinyRun.cli("train", "--config", t.config.toString(), "--run-dir", sharded.toString(), "--resume", "--set", "mesh.fsdp=1");
        assertEquals(0, resumed.exitCode(), resumed.stderr());
        assertEquals(expected, TinyRun.losses(sharded), "resumed on one device from the fsdp=2 checkpoint, the losses are the uninterrupted run's");
        assertTrue(Files.isRegularFile(sharded.resolve("checkpoints/step-6/model.safetensors")), "the one-device continuation writes the single-file format");

        // The other way: a one-device run's single-file checkpoint resumed on a mesh of four (fsdp=2 x tensor=2).
        Path grown = tmp.resolve("grown");
        assertEquals(0, TinyRun.cli("train", "--config", t.config.toString(), "--run-dir", grown.toString(), "--set", "train.steps=3", "--set", "schedule.total_steps=6").exitCode());
        var wider = TinyRun.cli("train", "--config", t.config.toString(), "--run-dir", grown.toString(), "--resume", "--set", "mesh.fsdp=2", "--set", "mesh.tensor=2");
        assertEquals(0, wider.exitCode(), wider.stderr());
        assertEquals(expected, TinyRun.losses(grown));
        assertTrue(Files.isRegularFile(grown.resolve("checkpoints/step-6/shard-3.safetensors")), "the four-device continuation writes four shards");

        Path fromShards = tmp.resolve("hf-sharded"), fromWhole = tmp.resolve("hf-whole");
        var ex = TinyRun.cli("export-hf", "--checkpoint", sharded.resolve("checkpoints/step-2").toString(), "--out", fromShards.toString(),
                "--tokenizer", t.tokenizer.toString(), "--dtype", "f32");
        assertEquals(0, ex.exitCode(), ex.stderr());
        assertEquals(0, TinyRun.cli("export-hf", "--checkpoint", straight.resolve("checkpoints/step-2").toString(), "--out", fromWhole.toString(),
                "--tokenizer", t.tokenizer.toString(), "--dtype", "f32").exitCode());
        Map<String, HostTensor> a = HfModelDirectory.read(fromShards).tensors(), b = HfModelDirectory.read(fromWhole).tensors();
        assertEquals(b.keySet(), a.keySet());
        b.forEach((k, v) -> assertTrue(v.contentEquals(a.get(k)), "exported " + k));

        var gen = TinyRun.cli("generate", "--model", sharded.resolve("checkpoints/step-3").toString(), "--prompt", "the model");
        assertEquals(1, gen.exitCode());
        assertTrue(gen.stderr().contains("is a sharded training checkpoint") && gen.stderr().contains("monet export-hf --checkpoint"), gen.stderr());
    }
}
