package monetj.train.e2e;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import monetj.train.metrics.MetricsLog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code monet train} as two processes (two JVMs on loopback) sharing one run directory, on the Java executor:
 * each trains on its half of every global micro-batch, process 0 writes metrics.jsonl and the checkpoints, the
 * other logs to stderr with its id. The Java executor does not reduce gradients across processes, so such a run
 * needs the test switch; without it the run is refused.
 */
class MultiProcessTrainTest {
    @TempDir Path tmp;

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private List<String> train(TinyRun t, Path run, Path shards, String... extra) {
        List<String> args = new ArrayList<>(List.of("train", "--config", t.config.toString(), "--run-dir", run.toString(), "--set", "data.train=" + shards,
                "--set", "data.validation=null", "--set", "train.steps=4", "--set", "schedule.total_steps=6"));
        args.addAll(List.of(extra));
        return args;
    }

    private Process child(List<String> monetArgs, Path log, boolean allowUnreduced) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "--add-modules", "jdk.incubator.vector", "-cp", System.getProperty("java.class.path"), "monetj.train.cli.MonetCli"));
        cmd.addAll(monetArgs);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(false).redirectOutput(log.toFile()).redirectError(Path.of(log + ".err").toFile());
        if (allowUnreduced) pb.environment().put("MONET_TEST_UNREDUCED_PROCESSES", "1");
        pb.environment().remove("MONET_PROCESS_ID");
        pb.environment().remove("MONET_NUM_PROCESSES");
        pb.environment().remove("MONET_COORDINATOR");
        return pb.start();
    }

    @Test
    void twoProcessesShareARunDirectoryAndProcessZeroWritesTheMetricsOnce() throws Exception {
        TinyRun t = new TinyRun(tmp);
        Path shards = tmp.resolve("shards");
        var prepared = TinyRun.cli("data", "prepare", "--input", t.corpus.toString(), "--out", shards.toString(), "--tokenizer", t.tokenizer.toString());
        assertEquals(0, prepared.exitCode(), prepared.stderr());
        Path run = tmp.resolve("shared");
        String coordinator = "127.0.0.1:" + freePort();
        List<Process> ps = new ArrayList<>();
        List<Path> logs = List.of(tmp.resolve("p0.log"), tmp.resolve("p1.log"));
        try {
            for (int id = 1; id >= 0; id--) { // process 1 first: it waits for the coordinator
                ps.add(child(train(t, run, shards, "--process-id", Integer.toString(id), "--num-processes", "2", "--coordinator", coordinator,
                        "--rendezvous-timeout", "120"), logs.get(id), true));
            }
            for (Process p : ps) assertTrue(p.waitFor(300, TimeUnit.SECONDS), "a process hung");
        } finally {
            for (Process p : ps) p.destroyForcibly().waitFor();
        }
        String out0 = Files.readString(logs.get(0)), err0 = Files.readString(Path.of(logs.get(0) + ".err"));
        String out1 = Files.readString(logs.get(1)), err1 = Files.readString(Path.of(logs.get(1) + ".err"));
        assertEquals(0, ps.get(1).exitValue(), out0 + err0);
        assertEquals(0, ps.get(0).exitValue(), out1 + err1);
        assertTrue(out0.contains("process 0 of 2, coordinator " + coordinator) && out0.contains("done: step 4"), out0);
        assertTrue(err1.contains("[process 1] monet train: ") && err1.contains("[process 1] step 1/4 ") && err1.contains("[process 1] done: step 4"), err1);
        assertEquals("", out1, "process 1 prints only to stderr");
        for (String line : err1.split("\n")) assertTrue(line.isBlank() || line.startsWith("[process 1] ") || line.startsWith("WARNING"), "unprefixed: " + line);

        var metrics = MetricsLog.read(run.resolve("metrics.jsonl"));
        assertEquals(List.of(1L, 2L, 3L, 4L), metrics.stream().map(n -> n.get("step").asLong()).toList(), "one line per step: written once");
        assertTrue(Files.exists(run.resolve(".lock")) && Files.exists(run.resolve(".lock-process-1")), "a lock per process");
        assertTrue(Files.isDirectory(run.resolve("checkpoints/step-4")));

        // The checkpoint's data position is global: one process splitting the same global batch continues it.
        var resumed = TinyRun.cli(train(t, run, shards, "--resume", "--set", "train.steps=6").toArray(String[]::new));
        assertEquals(0, resumed.exitCode(), resumed.stderr());
        assertEquals(6, MetricsLog.read(run.resolve("metrics.jsonl")).size());
    }

    @Test
    void withoutTheTestSwitchSeveralProcessesAreRefusedSayingWhy() throws Exception {
        TinyRun t = new TinyRun(tmp);
        var r = TinyRun.cli(train(t, tmp.resolve("run"), tmp.resolve("none"), "--process-id", "1", "--num-processes", "2", "--coordinator", "127.0.0.1:1")
                .toArray(String[]::new));
        assertEquals(1, r.exitCode());
        assertTrue(r.stderr().contains("process 1 of 2, coordinator 127.0.0.1:1: a run of several processes needs a step program spanning every process's devices")
                && r.stderr().contains("MONET_TEST_UNREDUCED_PROCESSES=1"), r.stderr());
        var bad = TinyRun.cli(train(t, tmp.resolve("run"), tmp.resolve("none"), "--num-processes", "2", "--coordinator", "nohost").toArray(String[]::new));
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
                    "--rendezvous-timeout", "120", "--set", "train.steps=400", "--set", "schedule.total_steps=400", "--set", "train.log_every=1", "--set", "checkpoint.every=50"));
            if (id == 1) extra.addAll(process1Extra);
            started[id] = child(train(t, run, shards, extra.toArray(String[]::new)), logs.get(id), true);
        }
        ps.addAll(List.of(started));
        return new Pair(ps, logs);
    }

    private Path preparedShards(TinyRun t) {
        Path shards = tmp.resolve("shards");
        var prepared = TinyRun.cli("data", "prepare", "--input", t.corpus.toString(), "--out", shards.toString(), "--tokenizer", t.tokenizer.toString());
        assertEquals(0, prepared.exitCode(), prepared.stderr());
        return shards;
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
        Pair pair = startPair(t, run, preparedShards(t), List.of());
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
        // Process 1 alone diverges (each process trains its own copy under the test switch): its loss becomes non-finite.
        Pair pair = startPair(t, tmp.resolve("shared"), preparedShards(t), List.of("--set", "optimizer.lr=1e30"));
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
