package monetj.train.e2e;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import monetj.core.exec.JavaExecutor;
import monetj.core.model.ForwardProgram;
import monetj.core.model.MonetConfig;
import monetj.core.model.MonetModel;
import monetj.core.tensor.HostTensor;
import monetj.data.iter.BatchLayout;
import monetj.data.iter.PrefetchingBatchIterator;
import monetj.data.iter.TokenBatch;
import monetj.data.iter.TrainingBatches;
import monetj.train.metrics.MetricsLog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Supervised fine-tuning on chat data: the loss counts the assistant's tokens only. */
class ChatFineTuneTest {
    @TempDir Path tmp;

    @Test
    void validationBatchesThatKeepNoTargetRecordNoValidationLoss() throws Exception {
        TinyRun t = new TinyRun(tmp);
        String[] words = TinyRun.CHAT_WORDS;
        Random rnd = new Random(4);
        // One long question: the first validation batch (2 rows of 16 targets, not shuffled) holds only the user's tokens.
        Path silent = prepareChat(t, "silent", List.<String[]>of(new String[] {TinyRun.sentence(words, rnd, 80), TinyRun.sentence(words, rnd, 6)}));
        List<String[]> shortOnes = new ArrayList<>();
        for (int c = 0; c < 20; c++) shortOnes.add(new String[] {TinyRun.sentence(words, rnd, 3), TinyRun.sentence(words, rnd, 6)});
        Path answered = prepareChat(t, "answered", shortOnes);
        for (Path val : List.of(silent, answered)) {
            Path run = tmp.resolve("run-" + val.getFileName());
            java.io.ByteArrayOutputStream console = new java.io.ByteArrayOutputStream();
            java.io.PrintStream stdout = System.out;
            System.setOut(new java.io.PrintStream(console, true));
            TinyRun.Result r;
            try {
                r = TinyRun.cli("train", "--config", t.config.toString(), "--run-dir", run.toString(), "--set", "data.train=" + answered,
                        "--set", "data.validation=" + val, "--set", "train.steps=3", "--set", "checkpoint.every=0", "--set", "train.eval_batches=" + (val == silent ? 1 : 8));
            } finally {
                System.setOut(stdout);
            }
            assertEquals(0, r.exitCode(), r.stderr());
            var last = MetricsLog.read(run.resolve("metrics.jsonl")).getLast();
            if (val == silent) {
                assertFalse(last.has("val_loss"), "a loss over no kept target is no measurement: " + last);
                assertTrue(console.toString().contains("keep no target under the loss mask"), console.toString());
            } else {
                assertTrue(last.get("val_loss").asDouble() > 0, "batches reaching the answer measure it: " + last);
            }
        }
    }

    private Path prepareChat(TinyRun t, String name, List<String[]> conversations) throws Exception {
        Path jsonl = tmp.resolve(name + ".jsonl"), out = tmp.resolve(name);
        List<String> lines = new ArrayList<>();
        for (String[] c : conversations) {
            lines.add(TinyRun.chatLine(c[0], c[1]));
        }
        Files.write(jsonl, lines);
        var prep = TinyRun.cli("data", "prepare", "--format", "chat", "--input", jsonl.toString(), "--out", out.toString(), "--tokenizer", t.tokenizer.toString());
        assertEquals(0, prep.exitCode(), prep.stderr());
        return out;
    }

    @Test
    void theLossIsTheMeanOverAssistantTokensWhateverTheMicroBatches() throws Exception {
        TinyRun t = new TinyRun(tmp);
        String[] words = TinyRun.CHAT_WORDS;
        Random rnd = new Random(3);
        List<String> lines = new ArrayList<>();
        for (int c = 0; c < 40; c++) {
            String q = TinyRun.sentence(words, rnd, 3 + rnd.nextInt(5)), a = TinyRun.sentence(words, rnd, 2 + rnd.nextInt(8));
            lines.add(TinyRun.chatLine(q, c % 10 == 9 ? null : a));
        }
        Files.write(tmp.resolve("chat.jsonl"), lines);
        Path chat = tmp.resolve("chat");
        var prep = TinyRun.cli("data", "prepare", "--format", "chat", "--input", tmp.resolve("chat.jsonl").toString(), "--out", chat.toString(),
                "--tokenizer", t.tokenizer.toString());
        assertEquals(0, prep.exitCode(), prep.stderr());

        double[] lm = new double[2];
        int[] micro = {4, 2};
        for (int i = 0; i < 2; i++) {
            Path run = tmp.resolve("sft-" + micro[i]);
            var r = TinyRun.cli("train", "--config", t.config.toString(), "--run-dir", run.toString(), "--set", "data.train=" + chat, "--set", "data.validation=" + chat,
                    "--set", "train.steps=1", "--set", "train.micro_batch_size=" + micro[i]);
            assertEquals(0, r.exitCode(), r.stderr());
            lm[i] = MetricsLog.read(run.resolve("metrics.jsonl")).getFirst().get("lm_loss").asDouble();
        }
        // By hand: cross-entropy of the initial model over the targets the mask keeps, on the run's first batch, summed over
        // the micro-batches (each with its own BatchNorm batch statistics) and divided by the step's kept targets.
        TokenBatch first;
        try (PrefetchingBatchIterator it = TrainingBatches.fromShards(chat, new BatchLayout(4, 16, 0, true, 0, 1), 512, null)) {
            first = it.next();
        }
        Path hf = tmp.resolve("hf");
        assertEquals(0, TinyRun.cli("export-hf", "--checkpoint", tmp.resolve("sft-4/checkpoints/step-1").toString(), "--out", hf.toString(),
                "--tokenizer", t.tokenizer.toString()).exitCode());
        var gen = TinyRun.cli("generate", "--model", hf.toString(), "--chat", "--system", "be brief", "--prompt", "the model", "--max-new-tokens", "4");
        assertEquals(0, gen.exitCode(), gen.stderr());
        var refused = TinyRun.cli("generate", "--model", hf.toString(), "--system", "be brief", "--prompt", "the model");
        assertTrue(refused.exitCode() != 0 && refused.stderr().contains("--system needs --chat"), refused.stderr());

        for (int i = 0; i < 2; i++) {
            double[] sumKept = handLoss(tmp.resolve("model.json"), first, micro[i]);
            assertTrue(sumKept[1] > 0 && sumKept[1] < 4 * 16, sumKept[1] + " of 64 targets are the assistant's");
            assertEquals(sumKept[0] / sumKept[1], lm[i], 1e-5 * lm[i], "masked loss vs the hand computation over assistant tokens, micro-batch " + micro[i]);
        }
    }

    /** [sum of cross-entropies over kept targets, kept targets] of a [4, 17] batch run in micro-batches of {@code micro}. */
    private static double[] handLoss(Path modelJson, TokenBatch batch, int micro) throws Exception {
        MonetConfig config = MonetConfig.read(modelJson);
        Map<String, HostTensor> weights = new java.util.LinkedHashMap<>(new MonetModel(config).init(0).asMap());
        int v = 512, width = 17;
        int[] ids = batch.tokens().ints(), mask = batch.lossMask().ints();
        double sum = 0;
        int kept = 0;
        try (JavaExecutor exec = new JavaExecutor()) {
            // The step reads inputs [:, :16] and targets [:, 1:]; BatchNorm's batch statistics are over the inputs only.
            ForwardProgram program = ForwardProgram.build(config, ForwardProgram.typesOf(weights), micro, width - 1, true, false);
            for (int m0 = 0; m0 < 4; m0 += micro) {
                int[] chunk = java.util.Arrays.copyOfRange(ids, m0 * width, (m0 + micro) * width), inputs = new int[micro * (width - 1)];
                for (int b = 0; b < micro; b++) System.arraycopy(chunk, b * width, inputs, b * (width - 1), width - 1);
                float[] l = program.run(exec, weights, HostTensor.of(monetj.core.tensor.Shape.of(micro, width - 1), inputs)).get("logits").floats();
                for (int b = 0; b < micro; b++) {
                    for (int j = 0; j < 16; j++) {
                        if (mask[(m0 + b) * width + j + 1] == 0) continue;
                        int base = (b * (width - 1) + j) * v;
                        double max = Double.NEGATIVE_INFINITY, z = 0;
                        for (int k = 0; k < v; k++) max = Math.max(max, l[base + k]);
                        for (int k = 0; k < v; k++) z += Math.exp(l[base + k] - max);
                        sum += max + Math.log(z) - l[base + chunk[b * width + j + 1]];
                        kept++;
                    }
                }
            }
        }
        return new double[] {sum, kept};
    }
}
