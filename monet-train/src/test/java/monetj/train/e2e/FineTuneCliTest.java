package monetj.train.e2e;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import monetj.core.model.MonetConfig;
import monetj.core.model.MonetModel;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Safetensors;
import monetj.data.iter.BatchLayout;
import monetj.data.iter.PrefetchingBatchIterator;
import monetj.data.iter.TrainingBatches;
import monetj.data.source.SkipLog;
import monetj.train.checkpoint.TrainCheckpoint;
import monetj.train.metrics.MetricsLog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Continuing from an exported model (train.init_from) and training with frozen parameters (train.freeze). */
class FineTuneCliTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir Path tmp;

    @Test
    void initFromStartsWithTheExportsLossAndIsNotReadAgainOnResume() throws Exception {
        TinyRun t = new TinyRun(tmp);
        Path pre = tmp.resolve("pre"), hf = tmp.resolve("hf"), sft = tmp.resolve("sft");
        // The step and monet forward are differently fused programs, and routing selects experts by a hard cut
        // (n >= min(max n, threshold)): for many weights some token's selection can flip between them, moving the loss by
        // ~1e-5. The weights of train.seed 5 give this batch no flip, so the two losses agree to rounding.
        assertEquals(0, TinyRun.cli("train", "--config", t.config.toString(), "--run-dir", pre.toString(), "--set", "train.steps=2", "--set", "train.seed=5").exitCode());
        var ex = TinyRun.cli("export-hf", "--checkpoint", pre.resolve("checkpoints/step-2").toString(), "--out", hf.toString(), "--dtype", "f32");
        assertEquals(0, ex.exitCode(), ex.stderr());

        var r = TinyRun.cli("train", "--config", t.config.toString(), "--run-dir", sft.toString(), "--set", "train.steps=2", "--set", "train.micro_batch_size=4",
                "--set", "train.init_from=" + hf, "--set", "data.seed=3");
        assertEquals(0, r.exitCode(), r.stderr());
        double firstLm = MetricsLog.read(sft.resolve("metrics.jsonl")).getFirst().get("lm_loss").asDouble();

        // The run's first batch, through monet forward in train mode (batch statistics, as the train step).
        BatchLayout layout = new BatchLayout(4, 16, 3, true, 0, 1);
        HostTensor first;
        try (PrefetchingBatchIterator it = TrainingBatches.streaming(List.of(t.corpus.toString()), "text", t.tokenizer.toString(), false, layout, 512, null, new SkipLog())) {
            first = it.next().tokens();
        }
        Path ids = tmp.resolve("ids.safetensors"), out = tmp.resolve("out.safetensors");
        Safetensors.write(ids, Map.of("input_ids", first), Map.of());
        var fw = TinyRun.cli("forward", "--model", hf.toString(), "--input", ids.toString(), "--out", out.toString(), "--mode", "train");
        assertEquals(0, fw.exitCode(), fw.stderr());
        double forwardLoss = Safetensors.read(out).tensors().get("loss").getDouble(0);
        assertEquals(forwardLoss, firstLm, 1e-6 * forwardLoss, "first loss of the init_from run vs monet forward on the export");

        JsonNode resolved = JSON.readTree(sft.resolve("config.resolved.json").toFile());
        assertEquals(hf.toAbsolutePath().toString(), resolved.path("train").path("init_from").asText());
        JsonNode state = JSON.readTree(sft.resolve("checkpoints/step-2/state.json").toFile());
        assertEquals(hf.toAbsolutePath().toString(), state.path("init_from").asText());
        TrainCheckpoint.Loaded ck = TrainCheckpoint.read(sft.resolve("checkpoints/step-2"), null);
        assertTrue(ck.state().m().size() > 0);

        // Resuming reads the checkpoint only: the init_from directory may be gone.
        try (var files = Files.walk(hf)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
        var resumed = TinyRun.cli("train", "--config", t.config.toString(), "--run-dir", sft.toString(), "--set", "train.steps=3", "--set", "train.micro_batch_size=4",
                "--set", "train.init_from=" + hf, "--set", "data.seed=3", "--set", "schedule.total_steps=2", "--resume");
        assertEquals(0, resumed.exitCode(), resumed.stderr());
    }

    @Test
    void aMismatchedInitFromDirectoryNamesEveryDifferingKey() throws Exception {
        TinyRun t = new TinyRun(tmp);
        Path pre = tmp.resolve("pre"), hf = tmp.resolve("hf");
        assertEquals(0, TinyRun.cli("train", "--config", t.config.toString(), "--run-dir", pre.toString(), "--set", "train.steps=2").exitCode());
        assertEquals(0, TinyRun.cli("export-hf", "--checkpoint", pre.resolve("checkpoints/step-2").toString(), "--out", hf.toString()).exitCode());
        var other = (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(tmp.resolve("model.json").toFile());
        other.put("moe_experts", 8).put("num_hidden_layers", 4);
        Files.writeString(tmp.resolve("other.json"), other.toString());
        var r = TinyRun.cli("train", "--config", t.config.toString(), "--run-dir", tmp.resolve("bad").toString(), "--set", "train.init_from=" + hf,
                "--set", "model=other.json");
        assertEquals(1, r.exitCode());
        assertTrue(r.stderr().contains("train.init_from") && r.stderr().contains("moe_experts: the run's model has 8, the directory has 16")
                && r.stderr().contains("num_hidden_layers"), r.stderr());
        var bf16 = TinyRun.cli("train", "--config", t.config.toString(), "--run-dir", tmp.resolve("from-bf16").toString(), "--set", "train.init_from=" + hf,
                "--set", "train.steps=1");
        assertEquals(0, bf16.exitCode(), "a bf16 export is a valid starting point: " + bf16.stderr());
        var missing = TinyRun.cli("train", "--config", t.config.toString(), "--run-dir", tmp.resolve("bad2").toString(), "--set", "train.init_from=" + tmp.resolve("nowhere"));
        assertEquals(1, missing.exitCode());
        assertTrue(missing.stderr().contains("nowhere"), missing.stderr());
    }

    @Test
    void frozenRoutersStayBitIdenticalForTenStepsWhileTheRestTrains() throws Exception {
        TinyRun t = new TinyRun(tmp);
        Path run = tmp.resolve("frozen");
        var r = TinyRun.cli("train", "--config", t.config.toString(), "--run-dir", run.toString(), "--set", "train.steps=10", "--set", "checkpoint.every=0",
                "--set", "train.freeze=[model.layers.*.router.*, model.embed_tokens.weight]");
        assertEquals(0, r.exitCode(), r.stderr());
        MonetConfig model = MonetConfig.read(tmp.resolve("model.json"));
        Map<String, HostTensor> initial = new MonetModel(model).init(0).asMap();
        TrainCheckpoint.Loaded ck = TrainCheckpoint.read(run.resolve("checkpoints/step-10"), model);
        int frozen = 0, trained = 0;
        for (var e : ck.state().params().entrySet()) {
            boolean same = java.util.Arrays.equals(initial.get(e.getKey()).floats(), e.getValue().floats());
            if (e.getKey().contains(".router.") || e.getKey().equals("model.embed_tokens.weight")) {
                assertTrue(same, e.getKey() + " is frozen but changed");
                assertFalse(ck.state().m().containsKey(e.getKey()), e.getKey() + " is frozen but has AdamW moments");
                frozen++;
            } else {
                assertFalse(same, e.getKey() + " should have trained");
                trained++;
            }
        }
        assertTrue(frozen >= 5 && trained > 10, frozen + " frozen, " + trained + " trained");
        Map<String, HostTensor> opt = Safetensors.read(run.resolve("checkpoints/step-10/optimizer.safetensors")).tensors();
        assertFalse(opt.keySet().stream().anyMatch(k -> k.contains(".router.")), opt.keySet().toString());
        // Resuming keeps them frozen: the checkpoint has no moments for them, and none are needed.
        var resumed = TinyRun.cli("train", "--config", t.config.toString(), "--run-dir", run.toString(), "--set", "train.steps=12", "--set", "checkpoint.every=0",
                "--set", "train.freeze=[model.layers.*.router.*, model.embed_tokens.weight]", "--set", "schedule.total_steps=10", "--resume");
        assertEquals(0, resumed.exitCode(), resumed.stderr());
        TrainCheckpoint.Loaded later = TrainCheckpoint.read(run.resolve("checkpoints/step-12"), model);
        assertArrayEquals(initial.get("model.layers.0.router.w1.weight").floats(), later.state().params().get("model.layers.0.router.w1.weight").floats());
        List<String> losses = TinyRun.losses(run);
        assertTrue(Double.parseDouble(losses.get(9).split(":")[1]) < Double.parseDouble(losses.get(0).split(":")[1]), losses.toString());
    }

    @Test
    void aFreezeGlobThatMatchesNothingIsRefused() throws Exception {
        TinyRun t = new TinyRun(tmp);
        var r = TinyRun.cli("train", "--config", t.config.toString(), "--run-dir", tmp.resolve("typo").toString(), "--set", "train.freeze=[model.layers.*.routr.*]");
        assertEquals(1, r.exitCode());
        assertTrue(r.stderr().contains("train.freeze") && r.stderr().contains("model.layers.*.routr.*") && r.stderr().contains("match no trainable parameter"), r.stderr());
    }
}
