package monetj.train.e2e;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A training process killed (SIGKILL) in the middle of writing a checkpoint loses nothing it had saved. */
class CheckpointCrashTest {
    @TempDir Path tmp;

    @Test
    void killDuringSaveThenResumeMatchesAnUninterruptedRun() throws Exception {
        TinyRun t = new TinyRun(tmp);
        Path straight = tmp.resolve("straight"), crashed = tmp.resolve("crashed");
        assertEquals(0, TinyRun.cli("train", "--config", t.config.toString(), "--run-dir", straight.toString()).exitCode());

        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "--add-modules", "jdk.incubator.vector", "-Dmonet.test.checkpointPauseMillis=3000",
                "-cp", System.getProperty("java.class.path"), "monetj.train.cli.MonetCli",
                "train", "--config", t.config.toString(), "--run-dir", crashed.toString())
                .redirectErrorStream(true).redirectOutput(tmp.resolve("child.log").toFile()).start();
        Path checkpoints = crashed.resolve("checkpoints");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!partialSaveOf(checkpoints, 4)) {
            assertTrue(p.isAlive(), "training process ended early: " + Files.readString(tmp.resolve("child.log")));
            assertTrue(System.nanoTime() < deadline, "no checkpoint save seen in time");
            Thread.sleep(20);
        }
        p.destroyForcibly().waitFor();

        assertTrue(Files.isDirectory(checkpoints.resolve("step-2")), "the earlier checkpoint survives");
        assertFalse(Files.exists(checkpoints.resolve("step-4")), "the interrupted save never appears as a checkpoint");
        var r = TinyRun.cli("train", "--config", t.config.toString(), "--run-dir", crashed.toString(), "--resume");
        assertEquals(0, r.exitCode(), r.stderr());
        assertEquals(TinyRun.losses(straight), TinyRun.losses(crashed));
        try (Stream<Path> s = Files.list(checkpoints)) {
            assertEquals(List.of("step-2", "step-4", "step-6"), s.map(x -> x.getFileName().toString()).sorted().toList());
        }
    }

    private static boolean partialSaveOf(Path checkpoints, int step) throws Exception {
        if (!Files.isDirectory(checkpoints)) return false;
        try (Stream<Path> s = Files.list(checkpoints)) {
            return s.anyMatch(x -> x.getFileName().toString().equals(".partial-step-" + step) && Files.exists(x.resolve("state.json")));
        }
    }
}
