package monetj.core.model;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import monetj.core.tensor.DType;
import monetj.core.tensor.Float16;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Safetensors;
import monetj.core.tensor.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HfModelDirectoryTest {
    private static final Path GOLDEN = Path.of("src/test/resources/golden");

    /** The golden weights laid out as an HF directory. */
    static Path goldenDir(Path tmp, String name) throws Exception {
        Path dir = tmp.resolve(name);
        Files.createDirectories(dir);
        Files.copy(GOLDEN.resolve(name + ".config.json"), dir.resolve("config.json"));
        Files.copy(GOLDEN.resolve(name + ".weights.safetensors"), dir.resolve("model.safetensors"));
        return dir;
    }

    @Test
    void readsTheReferenceCheckpointsOfBothDecompositions(@TempDir Path tmp) throws Exception {
        for (String name : new String[] {"tiny-vd", "tiny-hd"}) {
            HfModelDirectory.Model m = HfModelDirectory.read(goldenDir(tmp, name));
            assertEquals(new MonetModel(m.config()).variablesByPath().keySet(), m.tensors().keySet().stream().collect(java.util.stream.Collectors.toSet()));
            long params = m.tensors().entrySet().stream().filter(e -> new MonetModel(m.config()).variablesByPath().get(e.getKey()).trainable())
                    .mapToLong(e -> e.getValue().size()).sum();
            assertEquals(m.config().parameterCount(), params, name);
        }
    }

    @Test
    void writesBf16ShardsThatReadBack(@TempDir Path tmp) throws Exception {
        HfModelDirectory.Model m = HfModelDirectory.read(goldenDir(tmp, "tiny-vd"));
        Path out = tmp.resolve("export");
        HfModelDirectory.write(out, m.config(), m.tensors(), DType.BF16, 200_000);
        assertTrue(Files.exists(out.resolve("model.safetensors.index.json")));
        assertTrue(Files.exists(out.resolve("model-00001-of-00003.safetensors")), "expected three shards of at most 200 kB");
        var cfg = new ObjectMapper().readTree(Files.readString(out.resolve("config.json")));
        assertEquals("monet", cfg.get("model_type").asText());
        assertEquals("MonetForCausalLM", cfg.get("architectures").get(0).asText());
        assertEquals("MonetLLM/monet-vd-1.4B-100BT-hf--modeling_monet.MonetForCausalLM", cfg.get("auto_map").get("AutoModelForCausalLM").asText());
        assertEquals("bfloat16", cfg.get("torch_dtype").asText());
        assertEquals(1, new ObjectMapper().readTree(Files.readString(out.resolve("generation_config.json"))).get("bos_token_id").asInt());

        HfModelDirectory.Model back = HfModelDirectory.read(out);
        HostTensor w = m.tensors().get("model.layers.0.moe.u1.weight"), wb = back.tensors().get("model.layers.0.moe.u1.weight");
        assertEquals(DType.BF16, wb.dtype());
        for (int i = 0; i < w.size(); i++) assertEquals(Float16.roundToBf16((float) w.getDouble(i)), (float) wb.getDouble(i));
        assertEquals(DType.S64, back.tensors().get("model.layers.4.router.norm2.num_batches_tracked").dtype());
    }

    @Test
    void reportsMissingExtraAndMisShapedTensorsByName(@TempDir Path tmp) throws Exception {
        Path dir = goldenDir(tmp, "tiny-hd");
        Map<String, HostTensor> t = new LinkedHashMap<>(Safetensors.read(dir.resolve("model.safetensors")).tensors());
        t.remove("model.layers.2.moe.v.weight");
        t.put("model.layers.1.moe.b", HostTensor.zeros(DType.F32, Shape.of(16, 63)));
        t.put("model.layers.1.router.w1.weight", HostTensor.zeros(DType.F32, Shape.of(32, 64)));
        Safetensors.write(dir.resolve("model.safetensors"), t, null);
        var e = assertThrows(IllegalArgumentException.class, () -> HfModelDirectory.read(dir));
        String msg = e.getMessage();
        assertTrue(msg.contains("missing model.layers.2.moe.v.weight f32[64, 128]"), msg);
        assertTrue(msg.contains("mis-shaped model.layers.1.moe.b: expected f32[16, 64], found f32[16, 63]"), msg);
        assertTrue(msg.contains("unexpected model.layers.1.router.w1.weight f32[32, 64]"), msg);
    }

    @Test
    void truncatedSafetensorsNameTheTensor(@TempDir Path tmp) throws Exception {
        Path dir = goldenDir(tmp, "tiny-vd");
        Path f = dir.resolve("model.safetensors");
        byte[] b = Files.readAllBytes(f);
        Files.write(f, java.util.Arrays.copyOf(b, b.length - 1000));
        var e = assertThrows(java.io.IOException.class, () -> HfModelDirectory.read(dir));
        assertTrue(e.getMessage().contains("truncated or corrupt"), e.getMessage());
    }

    @Test
    void aMissingShardOrAnEntryOutsideTheDirectoryIsRefusedNamingTheIndexEntry(@TempDir Path tmp) throws Exception {
        HfModelDirectory.Model m = HfModelDirectory.read(goldenDir(tmp, "tiny-vd"));
        Path out = tmp.resolve("export");
        HfModelDirectory.write(out, m.config(), m.tensors(), DType.F32, 200_000);
        Path index = out.resolve("model.safetensors.index.json");
        String original = Files.readString(index);
        java.util.List<String> shards;
        try (var files = Files.list(out)) {
            shards = files.map(f -> f.getFileName().toString()).filter(n -> n.startsWith("model-")).sorted().toList();
        }
        assertTrue(shards.size() >= 2, shards.toString());
        String second = shards.get(1);

        Files.move(out.resolve(second), tmp.resolve("moved.safetensors"));
        var missing = assertThrows(java.io.IOException.class, () -> HfModelDirectory.read(out));
        assertTrue(missing.getMessage().contains(index.toString()) && missing.getMessage().contains("weight_map names " + second + " for")
                && missing.getMessage().contains("model.layers.") && missing.getMessage().contains("missing shard"), missing.getMessage());
        Files.move(tmp.resolve("moved.safetensors"), out.resolve(second));

        Files.writeString(index, original.replaceFirst("\"" + shards.get(0) + "\"", "\"../other/x.safetensors\""));
        var outside = assertThrows(java.io.IOException.class, () -> HfModelDirectory.read(out));
        assertTrue(outside.getMessage().contains("\"../other/x.safetensors\" is not a file name in the model directory"), outside.getMessage());
    }
}
