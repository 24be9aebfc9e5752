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
        String[] words = TinyRun.CHAT_WORDS;
        Random rnd = new Random(3);
        List<String> lines = new ArrayList<>();
        for (int c = 0; c < 40; c++) {
            String q = TinyRun.sentence(words, rnd, 3 + rnd.nextInt(5)), a = TinyRun.sentence(words, rnd, 2 + rnd.nextInt(8));
            lines.add(TinyRun.chatLine(q, a));
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

    /** Two processes of a long run, process 1 started first; returns them (process 0 first) with their logs. */
    private record Pair(List<Process> processes, List<Path> logs) {
        String out(int id) throws IOException { return Files.readString(logs.get(id)) + Files.readString(Path.of(logs.get(id) + ".err")); }
    }

    private Pair startPair(TinyRun t, Path run, Path shards, List<String> process1Extra) throws Exception {
        String coordinator = "127.0.0.1:" + freePort();
        List<Process> ps = new ArrayList<>();
        List<Path> logs = List.of(tmp.resolve("p0.log"), tmp.resolve("p1.log"));
        Process[] started = new Process[2];
        for (int id = 1; id >= 0; id--) {
            List<String> extra = new ArrayList<>(List.of("--process-id", Integer.toString(id), "--num-processes", "2", "--coordinator", coordinator,
                    "--rendezvous-timeout", "120", "--set", "data.validation=null", "--set", "schedule.total_steps=400", "--set", "train.log_every=1", "--set", "checkpoint.every=50"));
            if (id == 1) extra.addAll(process1Extra);
            started[id] = child(train(t, run, shards, 400, extra.toArray(String[]::new)), logs.get(id));
        }
        ps.addAll(List.of(started));
        return new Pair(ps, logs);
    }

    /** Waits until {@code log} shows {@code text}, or fails after {@code seconds}. */
    private static void awaitLog(Pair pair, int id, String text, int seconds) throws Exception {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        while (!pair.out(id).contains(text)) {
            assertTrue(System.nanoTime() < deadline && pair.processes().get(id).isAlive(), "process " + id + " never logged '" + text + "': " + pair.out(id));
            Thread.sleep(100);
        }
    }

    @Test
    void ctrlCOnOneProcessStopsBothAfterTheSameStepWithTheSameCheckpointAndExitCode() throws Exception {
        TinyRun t = new TinyRun(tmp);
        Path run = tmp.resolve("shared");
        Pair pair = startPair(t, run, prepare(t, t.corpus, "shards"), List.of());
        try {
            awaitLog(pair, 1, "step 3/400", 240);
            long t0 = System.nanoTime();
            assertEquals(0, new ProcessBuilder("kill", "-INT", Long.toString(pair.processes().get(1).pid())).start().waitFor());
            for (Process p : pair.processes()) assertTrue(p.waitFor(120, TimeUnit.SECONDS), "a process did not stop");
            System.out.printf("SIGINT to process 1 of 2: both stopped %.1f s later%n", (System.nanoTime() - t0) / 1e9);
        } finally {
            for (Process p : pair.processes()) p.destroyForcibly().waitFor();
        }
        String out0 = pair.out(0), out1 = pair.out(1);
        assertEquals(130, pair.processes().get(0).exitValue(), out0);
        assertEquals(130, pair.processes().get(1).exitValue(), out1);
        java.util.regex.Matcher m0 = java.util.regex.Pattern.compile("interrupted: checkpoint (\\S+) written at step (\\d+)").matcher(out0);
        java.util.regex.Matcher m1 = java.util.regex.Pattern.compile("interrupted: checkpoint (\\S+) written at step (\\d+)").matcher(out1);
        assertTrue(m0.find() && m1.find(), out0 + out1);
        assertEquals(m0.group(2), m1.group(2), "both saved the same step");
        long step = Long.parseLong(m0.group(2));
        assertTrue(step >= 4 && step < 400, out0);
        assertTrue(Files.isDirectory(run.resolve("checkpoints/step-" + step)), "the checkpoint of the step they stopped after");
        assertEquals(step, MetricsLog.read(run.resolve("metrics.jsonl")).getLast().get("step").asLong());
    }

    @Test
    void aProcessThatFailsMakesTheOtherStopWithinSecondsNamingItAndItsReason() throws Exception {
        TinyRun t = new TinyRun(tmp);
        // Process 1 alone diverges (started with another learning rate; nothing else differs): its loss becomes non-finite.
        Pair pair = startPair(t, tmp.resolve("shared"), prepare(t, t.corpus, "shards"), List.of("--set", "optimizer.lr=1e30"));
        double seconds;
        try {
            assertTrue(pair.processes().get(1).waitFor(240, TimeUnit.SECONDS), "process 1 did not fail");
            long t0 = System.nanoTime();
            assertTrue(pair.processes().get(0).waitFor(60, TimeUnit.SECONDS), "process 0 did not stop after process 1 failed: " + pair.out(0));
            seconds = (System.nanoTime() - t0) / 1e9;
            System.out.printf("process 1 of 2 failed: process 0 stopped %.1f s after it exited%n", seconds);
        } finally {
            for (Process p : pair.processes()) p.destroyForcibly().waitFor();
        }
        String out0 = pair.out(0), out1 = pair.out(1);
        assertEquals(1, pair.processes().get(1).exitValue(), out1);
        assertTrue(out1.contains("non-finite loss"), out1);
        assertEquals(1, pair.processes().get(0).exitValue(), out0);
        assertTrue(out0.contains("monet: process 1 of 2 failed: non-finite loss") && out0.contains("(this is process 0, stopping too)"), out0);
        assertFalse(out0.contains("done: step 400"), out0);
        assertTrue(seconds < 30, seconds + " s");
    }
}
