package monetj.train.e2e;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import monetj.train.metrics.MetricsLog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a run directory guarantees: one trainer at a time, checked checkpoints, a kept config history, a kept schedule. */
class RunDirectoryCliTest {
    @TempDir Path tmp;

    /** Runs the CLI in-process and returns its exit code, stdout and stderr. */
    private static String[] cliWithOut(String... args) {
        PrintStream saved = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true));
        TinyRun.Result r;
        try {
            r = TinyRun.cli(args);
        } finally {
            System.setOut(saved);
        }
        return new String[] {Integer.toString(r.exitCode()), out.toString(), r.stderr()};
    }

    private static List<String> train(TinyRun t, Path run, String... extra) {
        List<String> args = new ArrayList<>(List.of("train", "--config", t.config.toString(), "--run-dir", run.toString()));
        for (String e : extra) args.add(e);
        return args;
    }

    /** A trainer in its own JVM, holding each checkpoint save for {@code pauseMillis} before the rename. */
    private Process child(TinyRun t, Path run, long pauseMillis, List<String> shellPrefix) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "--add-modules", "jdk.incubator.vector", "-Dmonet.test.checkpointPauseMillis=" + pauseMillis,
                "-cp", System.getProperty("java.class.path"), "monetj.train.cli.MonetCli"));
        cmd.addAll(train(t, run).subList(0, 5));
        if (!shellPrefix.isEmpty()) {
            String line = String.join(" ", cmd.stream().map(a -> "'" + a + "'").toList());
            cmd = new ArrayList<>(shellPrefix);
            cmd.add(cmd.removeLast() + " exec " + line);
        }
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(tmp.resolve("child.log").toFile()).start();
    }

    private static void awaitPartialSave(Process p, Path run, int step, Path log) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        Path checkpoints = run.resolve("checkpoints");
        while (true) {
            if (Files.isDirectory(checkpoints)) {
                try (Stream<Path> s = Files.list(checkpoints)) {
                    if (s.anyMatch(x -> x.getFileName().toString().equals(".partial-step-" + step) && Files.exists(x.resolve("manifest.json")))) return;
                }
            }
            assertTrue(p.isAlive(), "training process ended early: " + Files.readString(log));
            assertTrue(System.nanoTime() < deadline, "no checkpoint save seen in time");
            Thread.sleep(20);
        }
    }

    @Test
    void aSecondTrainerOnTheRunDirectoryFailsNamingTheHolderAndSigtermExits143() throws Exception {
        TinyRun t = new TinyRun(tmp);
        Path run = tmp.resolve("shared");
        Process first = child(t, run, 3000, List.of());
        try {
            awaitPartialSave(first, run, 2, tmp.resolve("child.log"));
            String[] second = cliWithOut(train(t, run, "--resume").toArray(String[]::new));
            assertEquals("1", second[0]);
            assertTrue(second[2].contains("is in use by another trainer (pid " + first.pid() + " on host "), second[2]);
            first.destroy(); // SIGTERM: checkpoint after the current step, then stop
            assertTrue(first.waitFor(120, TimeUnit.SECONDS));
            assertEquals(143, first.exitValue(), Files.readString(tmp.resolve("child.log")));
        } finally {
            first.destroyForcibly().waitFor();
        }
        assertTrue(Files.readString(tmp.resolve("child.log")).contains("interrupted: checkpoint"));
        List<String> losses = TinyRun.losses(run);
        var resumed = TinyRun.cli(train(t, run, "--resume").toArray(String[]::new));
        assertEquals(0, resumed.exitCode(), resumed.stderr());
        assertEquals(6, TinyRun.losses(run).size());
        assertEquals(losses, TinyRun.losses(run).subList(0, losses.size()), "metrics of one trainer, none lost or interleaved");
    }

    @Test
    void aFullDiskDuringACheckpointIsAnIoErrorNamingTheFile() throws Exception {
        TinyRun t = new TinyRun(tmp);
        Path run = tmp.resolve("full");
        // A file-size limit of 64 KiB stands in for a full disk: the config and metrics fit, model.safetensors does not.
        Process p = child(t, run, 0, List.of("bash", "-c", "ulimit -f 64;"));
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        String log = Files.readString(tmp.resolve("child.log"));
        assertEquals(1, p.exitValue(), log);
        assertTrue(log.contains("cannot write ") && log.contains("model.safetensors") && log.contains("File too large"), log);
        assertFalse(log.contains("InternalError") || log.contains("\tat "), log);
        assertFalse(Files.exists(run.resolve("checkpoints/step-2")), "no checkpoint appears from a failed save");
    }

    @Test
    void aDamagedCheckpointIsFoundAndResumeFallsBackToThePreviousIntactOne() throws Exception {
        TinyRun t = new TinyRun(tmp);
        Path straight = tmp.resolve("straight"), run = tmp.resolve("flipped");
        assertEquals(0, TinyRun.cli(train(t, straight).toArray(String[]::new)).exitCode());
        assertEquals(0, TinyRun.cli(train(t, run).toArray(String[]::new)).exitCode());
        Path weights = run.resolve("checkpoints/step-6/model.safetensors");
        try (RandomAccessFile f = new RandomAccessFile(weights.toFile(), "rw")) {
            long at = f.length() - 4; // the lowest mantissa byte of the last f32: still a finite number
            f.seek(at);
            int b = f.read();
            f.seek(at);
            f.write(b ^ 1);
        }
        String[] r = cliWithOut(train(t, run, "--resume").toArray(String[]::new));
        assertEquals("0", r[0], r[2]);
        assertTrue(r[1].contains("step-6 is damaged: model.safetensors has SHA-256") && r[1].contains("resuming from the previous intact checkpoint")
                && r[1].contains("step-4"), r[1]);
        assertEquals(TinyRun.losses(straight), TinyRun.losses(run), "steps 5 and 6 are trained again from step 4");

        var export = TinyRun.cli("export-hf", "--checkpoint", run.resolve("checkpoints/step-6").toString(), "--out", tmp.resolve("hf").toString());
        assertEquals(0, export.exitCode(), "the re-saved checkpoint verifies: " + export.stderr());
    }

    @Test
    void aCorruptStateJsonIsNamed() throws Exception {
        TinyRun t = new TinyRun(tmp);
        Path run = tmp.resolve("state");
        assertEquals(0, TinyRun.cli(train(t, run, "--set", "train.steps=2").toArray(String[]::new)).exitCode());
        Files.writeString(run.resolve("checkpoints/step-2/state.json"), "{\"step\": 2, \"data\": {");
        var r = TinyRun.cli(train(t, run, "--resume", "--set", "train.steps=2").toArray(String[]::new));
        assertEquals(1, r.exitCode());
        assertTrue(r.stderr().contains("step-2 is damaged: state.json") && r.stderr().contains("no older checkpoint"), r.stderr());
        Files.delete(run.resolve("checkpoints/step-2/manifest.json"));
        var export = TinyRun.cli("export-hf", "--checkpoint", run.resolve("checkpoints/step-2").toString(), "--out", tmp.resolve("hf").toString());
        assertEquals(1, export.exitCode());
        assertTrue(export.stderr().contains("step-2 is damaged: manifest.json is missing"), export.stderr());
    }

    @Test
    void resumingWithMoreStepsKeepsTheScheduleOrSaysWhichHorizonIsMeant() throws Exception {
        TinyRun t = new TinyRun(tmp);
        Path run = tmp.resolve("horizon");
        assertEquals(0, TinyRun.cli(train(t, run, "--set", "train.steps=3").toArray(String[]::new)).exitCode());
        var stretched = TinyRun.cli(train(t, run, "--resume").toArray(String[]::new));
        assertEquals(1, stretched.exitCode());
        assertTrue(stretched.stderr().contains("decays over 3 steps, and train.steps = 6 would re-stretch it to 6")
                && stretched.stderr().contains("schedule.total_steps=3"), stretched.stderr());

        var kept = TinyRun.cli(train(t, run, "--resume", "--set", "schedule.total_steps=3").toArray(String[]::new));
        assertEquals(0, kept.exitCode(), kept.stderr());
        var metrics = MetricsLog.read(run.resolve("metrics.jsonl"));
        assertEquals(6, metrics.size());
        for (int s = 3; s < 6; s++) assertEquals(1.0e-3, metrics.get(s).get("lr").asDouble(), 1e-9, "past the horizon: lr * min_lr_ratio");
    }

    @Test
    void aChangedConfigOnResumeKeepsTheEarlierOneAndSaysWhatChanged() throws Exception {
        TinyRun t = new TinyRun(tmp);
        Path run = tmp.resolve("history");
        assertEquals(0, TinyRun.cli(train(t, run, "--set", "train.steps=2", "--set", "schedule.total_steps=6").toArray(String[]::new)).exitCode());
        String first = Files.readString(run.resolve("config.resolved.json"));
        String[] r = cliWithOut(train(t, run, "--resume", "--set", "train.steps=4", "--set", "schedule.total_steps=6",
                "--set", "loss.uniformity_weight=0.002").toArray(String[]::new));
        assertEquals("0", r[0], r[2]);
        assertTrue(r[1].contains("the earlier one is kept as config.resolved.1.json") && r[1].contains("loss.uniformity_weight: (absent) -> 0.002")
                && r[1].contains("train.steps: 2 -> 4"), r[1]);
        assertEquals(first, Files.readString(run.resolve("config.resolved.1.json")));
        assertTrue(Files.readString(run.resolve("config.resolved.json")).contains("\"uniformity_weight\" : 0.002"));
        String[] same = cliWithOut(train(t, run, "--resume", "--set", "train.steps=4", "--set", "schedule.total_steps=6",
                "--set", "loss.uniformity_weight=0.002").toArray(String[]::new));
        assertFalse(same[1].contains("changed"), "an unchanged config adds no history: " + same[1]);
        assertFalse(Files.exists(run.resolve("config.resolved.2.json")));
    }

    @Test
    void theConsoleLogsTheFirstStepAndFilesFollowTheUmask() throws Exception {
        TinyRun t = new TinyRun(tmp);
        Path run = tmp.resolve("console");
        String[] r = cliWithOut(train(t, run, "--set", "train.log_every=5", "--set", "train.eval_every=0").toArray(String[]::new));
        assertEquals("0", r[0], r[2]);
        assertTrue(r[1].contains("step 1/6 ") && r[1].contains("step 5/6 ") && !r[1].contains("step 2/6 "), r[1]);

        Path referenceDir = Files.createDirectory(tmp.resolve("reference-dir")), referenceFile = Files.createFile(tmp.resolve("reference-file"));
        assertEquals(perms(referenceDir), perms(run.resolve("checkpoints/step-6")));
        assertEquals(perms(referenceFile), perms(run.resolve("checkpoints/step-6/model.safetensors")));
        Path hf = tmp.resolve("hf");
        assertEquals(0, TinyRun.cli("export-hf", "--checkpoint", run.resolve("checkpoints/step-6").toString(), "--out", hf.toString()).exitCode());
        assertEquals(perms(referenceFile), perms(hf.resolve("model.safetensors")));
    }

    private static String perms(Path p) throws Exception { return PosixFilePermissions.toString(Files.getPosixFilePermissions(p)); }
}
