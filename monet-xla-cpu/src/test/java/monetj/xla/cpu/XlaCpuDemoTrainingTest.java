package monetj.xla.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import monetj.data.tokenizer.TestTokenizers;
import monetj.train.cli.MonetCli;
import monetj.train.metrics.MetricsLog;
import monetj.xla.check.AgreementPolicy;
import monetj.xla.check.Tolerance;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The demo run (configs/demo.yaml: the demo Monet-VD, batch 8 x 64, its optimizer and schedule) for 8 steps in
 * f32 through {@code monet train} on xla-cpu follows the Java executor's losses step by step, within
 * {@link AgreementPolicy#TRAINING_LOSS_F32}. The text is a generated corpus, so that CI needs no download.
 */
class XlaCpuDemoTrainingTest {
    private static final int STEPS = 8;

    @Test
    void demoLossesFollowTheJavaExecutor(@TempDir Path tmp) throws Exception {
        Path corpus = corpus(tmp);
        Path tokenizer = TestTokenizers.write(tmp, 0);
        List<Double> java = train(tmp.resolve("java"), "java", corpus, tokenizer);
        List<Double> xla = train(tmp.resolve("xla"), XlaCpuBackend.KIND, corpus, tokenizer);
        assertEquals(STEPS, java.size(), "java losses " + java);
        assertEquals(STEPS, xla.size(), "xla-cpu losses " + xla);
        Tolerance tol = AgreementPolicy.TRAINING_LOSS_F32;
        for (int i = 0; i < STEPS; i++) {
            assertTrue(tol.accepts(java.get(i), xla.get(i)), "step " + (i + 1) + ": java " + java.get(i) + ", xla-cpu " + xla.get(i) + " (" + tol + ")\njava " + java + "\nxla  " + xla);
        }
        assertTrue(java.get(STEPS - 1) < java.get(0), "the loss falls: " + java);
    }

    private static List<Double> train(Path run, String backend, Path corpus, Path tokenizer) throws Exception {
        StringWriter err = new StringWriter();
        CommandLine cli = MonetCli.commandLine();
        cli.setErr(new PrintWriter(err, true));
        int rc = cli.execute("train", "--config", "../configs/demo.yaml", "--run-dir", run.toString(),
                "--set", "data.train=" + corpus, "--set", "data.validation=" + corpus, "--set", "data.tokenizer=" + tokenizer,
                "--set", "train.steps=" + STEPS, "--set", "train.log_every=1", "--set", "train.eval_every=0", "--set", "train.precision=f32",
                "--set", "checkpoint.every=0", "--set", "backend.kind=" + backend);
        assertEquals(0, rc, backend + " run failed:\n" + err);
        List<Double> losses = new ArrayList<>();
        for (JsonNode n : MetricsLog.read(run.resolve("metrics.jsonl"))) if (n.has("loss")) losses.add(n.get("loss").asDouble());
        return losses;
    }

    /** Enough English-like text for 8 batches of 8 x 65 tokens. */
    private static Path corpus(Path dir) throws Exception {
        String[] words = {"the", "union", "is", "strong", "and", "our", "people", "work", "for", "a", "better", "future", "in", "this", "great",
                "nation", "of", "free", "states", "that", "stand", "together"};
        Random rnd = new Random(11);
        List<String> lines = new ArrayList<>();
        for (int d = 0; d < 200; d++) {
            StringBuilder sb = new StringBuilder();
            for (int w = 0; w < 60 + rnd.nextInt(60); w++) sb.append(w == 0 ? "" : " ").append(words[rnd.nextInt(words.length)]);
            lines.add("{\"text\": \"" + sb + ".\"}");
        }
        Path file = dir.resolve("corpus.jsonl");
        Files.write(file, lines);
        return file;
    }
}
