package monetj.train.e2e;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import monetj.train.metrics.MetricsLog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code monet train} as two processes (two JVMs on loopback) sharing one run directory, on the Java executor: each
 * runs the whole global step on the whole global micro-batch, so the two train the model one process trains, step
 * for step to the last bit of the loss, also with a masked (chat) loss; a checkpoint they write resumes in one
 * process as if the run had never been split. Process 0 writes metrics.jsonl, the other logs to stderr with its id.
 */
class MultiProcessTrainTest {
    @TempDir Path tmp;

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private List<String> train(TinyRun t, Path run, Path shards, int steps, String... extra) {
        List<String> args = new ArrayList<>(List.of("train", "--config", t.config.toString(), "--run-dir", run.toString(), "--set", "data.train=" + shards,
                "--set", "data.validation=" + shards, "--set", "train.steps=" + steps, "--set", "schedule.total_steps=6"));
        args.addAll(List.of(extra));
        return args;
    }

    private Path prepare(TinyRun t, Path input, String name, String... extra) {
        Path shards = tmp.resolve(name);
        List<String> args = new ArrayList<>(List.of("data", "prepare", "--input", input.toString(), "--out", shards.toString(), "--tokenizer", t.tokenizer.toString()));
        args.addAll(List.of(extra));
        var prepared = TinyRun.cli(args.toArray(String[]::new));
        assertEquals(0, prepared.exitCode(), prepared.stderr());
        return shards;
    }

    /** What each of two child processes printed: stdout and stderr. */
    private record Logs(String out0, String err0, String out1, String err1) {}

    /** Runs {@code monetArgs} as processes 0 and 1 of 2 (process 1 first: it waits for the coordinator); both must succeed. */
    private Logs twoProcesses(List<String> monetArgs, String coordinator) throws Exception {
        List<Process> ps = new ArrayList<>();
        Path[] logs = {tmp.resolve("p0-" + coordinator.replace(':', '-') + ".log"), tmp.resolve("p1-" + coordinator.replace(':', '-') + ".log")};
        try {
            for (int id = 1; id >= 0; id--) {
                List<String> args = new ArrayList<>(monetArgs);
                args.addAll(List.of("--process-id", Integer.toString(id), "--num-processes", "2", "--coordinator", coordinator, "--rendezvous-timeout", "120"));
                ps.add(child(args, logs[id]));
            }
            for (Process p : ps) assertTrue(p.waitFor(300, TimeUnit.SECONDS), "a process hung");
        } finally {
            for (Process p : ps) p.destroyForcibly().waitFor();
        }
        Logs l = new Logs(Files.readString(logs[0]), Files.readString(Path.of(logs[0] + ".err")), Files.readString(logs[1]), Files.readString(Path.of(logs[1] + ".err")));
        assertEquals(0, ps.get(1).exitValue(), l.out0() + l.err0());
        assertEquals(0, ps.get(0).exitValue(), l.out1() + l.err1());
        return l;
    }

    private Process child(List<String> monetArgs, Path log) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "--add-modules", "jdk.incubator.vector", "-cp", System.getProperty("java.class.path"), "monetj.train.cli.MonetCli"));
        cmd.addAll(monetArgs);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(false).redirectOutput(log.toFile()).redirectError(Path.of(log + ".err").toFile());
        pb.environment().remove("MONET_PROCESS_ID");
        pb.environment().remove("MONET_NUM_PROCESSES");
        pb.environment().remove("MONET_COORDINATOR");
        return pb.start();
    }

    /** Step and loss of every line of a run's metrics.jsonl, as written. */
    private static List<String> losses(Path run) throws IOException {
        return MetricsLog.read(run.resolve("metrics.jsonl")).stream().map(n -> n.get("step").asText() + ": loss " + n.get("loss").asText()).toList();
    }

    /** The validation loss a run's metrics.jsonl has at {@code step}, as written. */
    private static String valLoss(Path run, long step) throws IOException {
        return MetricsLog.read(run.resolve("metrics.jsonl")).stream().filter(n -> n.get("step").asLong() == step).findFirst().orElseThrow().get("val_loss").asText();
    }

    @Test
    void twoProcessesTrainExactlyTheModelOneProcessTrainsAndOneProcessResumesThem() throws Exception {
        TinyRun t = new TinyRun(tmp);
        Path shards = prepare(t, t.corpus, "shards");
        Path single = tmp.resolve("single");
        var one = TinyRun.cli(train(t, single, shards, 6).toArray(String[]::new));
        assertEquals(0, one.exitCode(), one.stderr());
        List<String> reference = losses(single);

        Path run = tmp.resolve("shared");
        String coordinator = "127.0.0.1:" + freePort();
        Logs l = twoProcesses(train(t, run, shards, 4), coordinator);
        assertTrue(l.out0().contains("process 0 of 2, coordinator " + coordinator) && l.out0().contains("done: step 4"), l.out0());
        assertTrue(l.out0().contains("2 processes on java, which holds whole arrays: every process reads the whole global micro-batch of 2 and runs the whole step")
                && l.out0().contains("needs a PJRT plugin"), l.out0());
        assertTrue(l.err1().contains("[process 1] monet train: ") && l.err1().contains("[process 1] step 1/4 ") && l.err1().contains("[process 1] done: step 4"), l.err1());
        assertEquals("", l.out1(), "process 1 prints only to stderr");
        for (String line : l.err1().split("\n")) assertTrue(line.isBlank() || line.startsWith("[process 1] ") || line.startsWith("WARNING"), "unprefixed: " + line);
        assertTrue(Files.exists(run.resolve(".lock")) && Files.exists(run.resolve(".lock-process-1")), "a lock per process");
        assertTrue(Files.isRegularFile(run.resolve("checkpoints/step-4/shard-0.safetensors")) && Files.isRegularFile(run.resolve("checkpoints/step-4/shard-1.safetensors")),
                "each process wrote its shard");

        assertEquals(reference.subList(0, 4), losses(run), "two processes train the single-process model, written once by process 0");
        assertEquals(valLoss(single, 3), valLoss(run, 3));

        // The checkpoint the two wrote resumes in one process, continuing the single-process curve.
        var resumed = TinyRun.cli(train(t, run, shards, 6, "--resume").toArray(String[]::new));
        assertEquals(0, resumed.exitCode(), resumed.stderr());
        assertEquals(reference, losses(run));
        assertEquals(valLoss(single, 6), valLoss(run, 6));
    }

    @Test
    void withAMaskedLossTwoProcessesResumingOneContinueItsCurve() throws Exception {
        TinyRun t = new TinyRun(tmp);
        String[] words = {"the", "model", "routes", "each", "token", "to", "a", "few", "experts"};
        Random rnd = new Random(3);
        List<String> lines = new ArrayList<>();
        for (int c = 0; c < 40; c++) {
            String q = sentence(words, rnd, 3 + rnd.nextInt(5)), a = sentence(words, rnd, 2 + rnd.nextInt(8));
            lines.add("{\"messages\": [{\"role\": \"user\", \"content\": \"" + q + "\"}, {\"role\": \"assistant\", \"content\": \"" + a + "\"}]}");
        }
        Files.write(tmp.resolve("chat.jsonl"), lines);
        Path chat = prepare(t, tmp.resolve("chat.jsonl"), "chat", "--format", "chat");
        Path single = tmp.resolve("single");
        var one = TinyRun.cli(train(t, single, chat, 3).toArray(String[]::new));
        assertEquals(0, one.exitCode(), one.stderr());

        // One process trains two steps; two processes resume its checkpoint and take the third.
        Path run = tmp.resolve("shared");
        var first = TinyRun.cli(train(t, run, chat, 2).toArray(String[]::new));
        assertEquals(0, first.exitCode(), first.stderr());
        twoProcesses(train(t, run, chat, 3, "--resume"), "127.0.0.1:" + freePort());
        assertEquals(3, losses(run).size());
        assertEquals(losses(single), losses(run));
    }

    @Test
    void aProcessWhoseOthersNeverComeFailsNamingThem() throws Exception {
        TinyRun t = new TinyRun(tmp);
        String coordinator = "127.0.0.1:" + freePort();
        var r = TinyRun.cli(train(t, tmp.resolve("run"), tmp.resolve("none"), 4, "--process-id", "0", "--num-processes", "2", "--coordinator", coordinator,
                "--rendezvous-timeout", "2").toArray(String[]::new));
        assertEquals(1, r.exitCode());
        assertTrue(r.stderr().contains("rendezvous at " + coordinator + ": process 1 of 2 did not arrive within 2000 ms"), r.stderr());
        var bad = TinyRun.cli(train(t, tmp.resolve("run"), tmp.resolve("none"), 4, "--num-processes", "2", "--coordinator", "nohost").toArray(String[]::new));
        assertTrue(bad.stderr().contains("--coordinator nohost is not HOST:PORT"), bad.stderr());
    }

    private static String sentence(String[] words, Random rnd, int n) {
        StringBuilder sb = new StringBuilder();
        for (int w = 0; w < n; w++) sb.append(w == 0 ? "" : " ").append(words[rnd.nextInt(words.length)]);
        return sb.toString();
    }
}
