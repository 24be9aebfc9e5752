package monetj.train.e2e;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** monet sweep over a grid: every combination runs (or gets a config written) and the table lists them. */
class SweepCliTest {
    @TempDir Path tmp;

    @Test
    void gridRunsEveryCombinationAndPrintsTheTable() throws Exception {
        TinyRun t = new TinyRun(tmp);
        Path sweep = tmp.resolve("sweep.yaml");
        // micro_batch_size 1 accumulates over four micro-batches (first, middle and last gradient programs).
        Files.writeString(sweep, """
                base: run.yaml
                runs_dir: sweep-runs
                grid:
                  train.micro_batch_size: [1, 4]
                  loss.ambiguity_weight: [0.0, 1.0e-2]
                """);
        PrintStream saved = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true));
        TinyRun.Result r;
        try {
            r = TinyRun.cli("sweep", "--config", sweep.toString());
        } finally {
            System.setOut(saved);
        }
        assertEquals(0, r.exitCode(), r.stderr());
        String table = out.toString();
        for (String name : new String[] {"micro_batch_size=1,ambiguity_weight=0.0", "micro_batch_size=4,ambiguity_weight=0.01"}) {
            assertTrue(table.lines().anyMatch(l -> l.startsWith(name) && l.split("\\s+").length == 4), name + " missing from:\n" + table);
            assertEquals(6, TinyRun.losses(tmp.resolve("sweep-runs").resolve(name)).size());
        }

        var w = TinyRun.cli("sweep", "--config", sweep.toString(), "--write-configs");
        assertEquals(0, w.exitCode(), w.stderr());
        assertTrue(Files.readString(tmp.resolve("sweep-runs/micro_batch_size=1,ambiguity_weight=0.0.yaml")).contains("micro_batch_size: 1"));
    }

    @Test
    void unknownSweepKeysAreRefused() throws Exception {
        new TinyRun(tmp);
        Path sweep = tmp.resolve("bad.yaml");
        Files.writeString(sweep, "base: run.yaml\ngird:\n  optimizer.lr: [1, 2]\n");
        var r = TinyRun.cli("sweep", "--config", sweep.toString());
        assertEquals(1, r.exitCode());
        assertTrue(r.stderr().contains("unknown sweep key 'gird'"), r.stderr());
    }
}
