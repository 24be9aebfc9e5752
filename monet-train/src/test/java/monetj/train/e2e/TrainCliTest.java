package monetj.train.e2e;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import monetj.core.model.HfModelDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The train / resume / export / generate path of the monet CLI, on a tiny model and corpus. */
class TrainCliTest {
    @TempDir Path tmp;

    @Test
    void resumedRunRepeatsTheUninterruptedLossesExactlyThenExportsAndGenerates() throws Exception {
        TinyRun t = new TinyRun(tmp);
        Path straight = tmp.resolve("straight"), split = tmp.resolve("split");
        assertEquals(0, TinyRun.cli("train", "--config", t.config.toString(), "--run-dir", straight.toString()).exitCode());
        List<String> expected = TinyRun.losses(straight);
        assertEquals(6, expected.size());
        double first = Double.parseDouble(expected.get(0).split(":")[1]), last = Double.parseDouble(expected.get(5).split(":")[1]);
        assertTrue(last < first, "loss should fall: " + expected);

        // Stopped after 3 of 6 steps: the schedule's horizon is the whole run's, so the resumed run continues it.
        assertEquals(0, TinyRun.cli("train", "--config", t.config.toString(), "--run-dir", split.toString(), "--set", "train.steps=3",
                "--set", "schedule.total_steps=6").exitCode());
        var r = TinyRun.cli("train", "--config", t.config.toString(), "--run-dir", split.toString(), "--resume");
        assertEquals(0, r.exitCode(), r.stderr());
        assertEquals(expected, TinyRun.losses(split), "a resumed run must reproduce the uninterrupted losses");
        assertTrue(Files.isDirectory(split.resolve("checkpoints/step-6")));
        assertTrue(Files.exists(split.resolve("config.resolved.json")));

        Path hf = tmp.resolve("hf");
        var ex = TinyRun.cli("export-hf", "--checkpoint", split.resolve("checkpoints/step-6").toString(), "--out", hf.toString(), "--tokenizer", t.tokenizer.toString());
        assertEquals(0, ex.exitCode(), ex.stderr());
        HfModelDirectory.Model m = HfModelDirectory.read(hf);
        assertEquals(512, m.config().vocabSize());
        assertTrue(Files.exists(hf.resolve("tokenizer.json")));
        var gen = TinyRun.cli("generate", "--model", hf.toString(), "--prompt", "the model", "--max-new-tokens", "5");
        assertEquals(0, gen.exitCode(), gen.stderr());
        var plot = TinyRun.cli("plot", split.toString());
        assertEquals(0, plot.exitCode(), plot.stderr());
        assertTrue(Files.size(split.resolve("curves.png")) > 1000);
    }

    @Test
    void mixedPrecisionTrainsWithF32MasterWeights() throws Exception {
        TinyRun t = new TinyRun(tmp);
        Path run = tmp.resolve("bf16");
        var r = TinyRun.cli("train", "--config", t.config.toString(), "--run-dir", run.toString(), "--set", "train.precision=bf16-mixed");
        assertEquals(0, r.exitCode(), r.stderr());
        List<String> losses = TinyRun.losses(run);
        assertTrue(Double.parseDouble(losses.get(5).split(":")[1]) < Double.parseDouble(losses.get(0).split(":")[1]), losses.toString());
        var ck = monetj.train.checkpoint.TrainCheckpoint.read(run.resolve("checkpoints/step-6"), null);
        assertEquals(monetj.core.tensor.DType.F32, ck.state().params().get("model.layers.0.moe.u1.weight").dtype());
    }

    @Test
    void badInputGivesClearErrors() throws Exception {
        TinyRun t = new TinyRun(tmp);
        Files.writeString(tmp.resolve("typo.yaml"), Files.readString(t.config).replace("steps: 6", "stepz: 6"));
        var r1 = TinyRun.cli("train", "--config", tmp.resolve("typo.yaml").toString(), "--run-dir", tmp.resolve("r1").toString());
        assertEquals(1, r1.exitCode());
        assertTrue(r1.stderr().contains("unknown config key 'train.stepz'") && r1.stderr().contains("did you mean 'train.steps'"), r1.stderr());

        var r2 = TinyRun.cli("train", "--config", t.config.toString(), "--run-dir", tmp.resolve("r2").toString(), "--set", "data.train=missing/*.parquet");
        assertEquals(1, r2.exitCode());
        assertTrue(r2.stderr().contains("data.train") && r2.stderr().contains("missing"), r2.stderr());

        Files.writeString(tmp.resolve("a-file"), "not a directory");
        var r3 = TinyRun.cli("train", "--config", t.config.toString(), "--run-dir", tmp.resolve("a-file/run").toString());
        assertEquals(1, r3.exitCode());
        assertTrue(r3.stderr().contains("cannot create run directory"), r3.stderr());

        var r4 = TinyRun.cli("train", "--config", t.config.toString(), "--run-dir", tmp.resolve("r4").toString(), "--set", "optimizer.lr=-1");
        assertEquals(1, r4.exitCode());
        assertTrue(r4.stderr().contains("'optimizer.lr' must be positive"), r4.stderr());
    }

    @Test
    void nonFiniteLossStopsAndKeepsTheLastGoodCheckpoint() throws Exception {
        TinyRun t = new TinyRun(tmp);
        Path run = tmp.resolve("nan");
        var r = TinyRun.cli("train", "--config", t.config.toString(), "--run-dir", run.toString(), "--set", "optimizer.lr=1.0e30",
                "--set", "optimizer.grad_clip=0", "--set", "train.steps=12", "--set", "schedule.warmup_steps=0");
        assertEquals(1, r.exitCode(), r.stderr());
        assertTrue(r.stderr().contains("non-finite loss"), r.stderr());
        long steps = TinyRun.losses(run).size();
        assertTrue(steps < 12, "the run must stop early");
    }

    @Test
    void aRunWithCheckpointsRefusesToStartOverWithoutResume() throws Exception {
        TinyRun t = new TinyRun(tmp);
        Path run = tmp.resolve("twice");
        assertEquals(0, TinyRun.cli("train", "--config", t.config.toString(), "--run-dir", run.toString(), "--set", "train.steps=2").exitCode());
        var r = TinyRun.cli("train", "--config", t.config.toString(), "--run-dir", run.toString());
        assertEquals(1, r.exitCode());
        assertTrue(r.stderr().contains("pass --resume"), r.stderr());
        var back = TinyRun.cli("train", "--config", t.config.toString(), "--run-dir", run.toString(), "--resume", "--set", "train.steps=1");
        assertEquals(1, back.exitCode());
        assertTrue(back.stderr().contains("at step 2, past train.steps = 1"), back.stderr());
    }
}
