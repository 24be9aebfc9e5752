package monetj.train.e2e;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import monetj.data.tokenizer.TestTokenizers;
import monetj.train.cli.MonetCli;
import picocli.CommandLine;

/**
 * A tiny but real training setup for end-to-end tests: a small BPE tokenizer, a JSON-lines corpus of English
 * sentences, the golden-test model shape (vocab 512) and a run config that streams and tokenizes the corpus.
 */
final class TinyRun {
    final Path dir, tokenizer, corpus, config;

    TinyRun(Path dir) throws IOException {
        this.dir = dir;
        this.tokenizer = TestTokenizers.write(dir, 0);
        this.corpus = dir.resolve("corpus.jsonl");
        String[] words = {"the", "model", "routes", "each", "token", "to", "a", "few", "experts", "and", "learns", "which", "ones", "fit",
                "in", "this", "small", "test", "corpus", "of", "plain", "sentences"};
        Random rnd = new Random(5);
        List<String> lines = new ArrayList<>();
        for (int d = 0; d < 60; d++) {
            StringBuilder sb = new StringBuilder();
            for (int w = 0; w < 30 + rnd.nextInt(30); w++) sb.append(w == 0 ? "" : " ").append(words[rnd.nextInt(words.length)]);
            lines.add("{\"text\": \"" + sb + ".\"}");
        }
        Files.write(corpus, lines);
        Files.copy(Path.of("../configs/models/tiny-vd.json"), dir.resolve("model.json"));
        this.config = dir.resolve("run.yaml");
        Files.writeString(config, """
                model: model.json
                data:
                  train: corpus.jsonl
                  validation: corpus.jsonl
                  tokenizer: %s
                  seq_len: 16
                train:
                  steps: 6
                  batch_size: 4
                  micro_batch_size: 2
                  eval_every: 3
                  eval_batches: 1
                optimizer:
                  lr: 1.0e-2
                schedule:
                  warmup_steps: 2
                checkpoint:
                  every: 2
                  keep: 5
                """.formatted(tokenizer));
    }

    /** Runs the monet CLI in-process; returns exit code and what it printed to stderr. */
    static Result cli(String... args) {
        StringWriter err = new StringWriter();
        CommandLine cl = MonetCli.commandLine();
        cl.setErr(new PrintWriter(err, true));
        int rc = cl.execute(args);
        return new Result(rc, err.toString());
    }

    record Result(int exitCode, String stderr) {}

    /** Words for the chat tests' questions and answers. */
    static final String[] CHAT_WORDS = {"the", "model", "routes", "each", "token", "to", "a", "few", "experts"};

    /** {@code n} words drawn from {@code words}, separated by spaces. */
    static String sentence(String[] words, Random rnd, int n) {
        StringBuilder sb = new StringBuilder();
        for (int w = 0; w < n; w++) sb.append(w == 0 ? "" : " ").append(words[rnd.nextInt(words.length)]);
        return sb.toString();
    }

    /** One conversation as a chat JSON line: a user turn, then the assistant's answer unless it is null. */
    static String chatLine(String question, String answer) {
        String user = "{\"role\": \"user\", \"content\": \"" + question + "\"}";
        return "{\"messages\": [" + user + (answer == null ? "" : ", {\"role\": \"assistant\", \"content\": \"" + answer + "\"}") + "]}";
    }

    /** The "loss" column of a run's metrics.jsonl, in step order. */
    static List<String> losses(Path runDir) throws IOException {
        List<String> out = new ArrayList<>();
        for (var n : monetj.train.metrics.MetricsLog.read(runDir.resolve("metrics.jsonl"))) out.add(n.get("step").asText() + ":" + n.get("loss").asText());
        return out;
    }
}
