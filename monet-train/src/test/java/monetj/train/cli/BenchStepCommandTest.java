package monetj.train.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class BenchStepCommandTest {
    @TempDir
    Path dir;

    private record Result(int exit, String out, String err) {}

    private static Result monet(String... args) {
        CommandLine cl = MonetCli.commandLine();
        StringWriter out = new StringWriter(), err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int exit = cl.execute(args);
        return new Result(exit, out.toString(), err.toString());
    }

    private Path config() throws Exception {
        Path c = dir.resolve("run.yaml");
        Files.writeString(c, """
                model: %s
                data:
                  train: nowhere
                  tokenizer: llama2
                  seq_len: 8
                train:
                  batch_size: 2
                  micro_batch_size: 2
                """.formatted(Path.of("../configs/models/tiny-vd.json").toAbsolutePath()));
        return c;
    }

    @Test
    void timesTheStepProgramOnEachBackendAndComparesThem() throws Exception {
        Result r = monet("bench", "step", "--config", config().toString(), "--backend", "java,java", "--steps", "3", "--warmup", "1",
                "--set", "train.precision=bf16-mixed");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("2 x 8 tokens per step, 1 warm-up + 3 timed steps per backend"), r.out());
        Matcher row = Pattern.compile("java +bf16-mixed +([0-9.]+) +\\(([0-9.]+)-([0-9.]+)\\) +([0-9]+) +([0-9.]+) +([0-9.]+)").matcher(r.out());
        for (int i = 0; i < 2; i++) {
            assertTrue(row.find(), r.out());
            double median = Double.parseDouble(row.group(1)), fastest = Double.parseDouble(row.group(2)), slowest = Double.parseDouble(row.group(3));
            assertTrue(fastest <= median && median <= slowest && fastest > 0, r.out());
            assertTrue(Double.parseDouble(row.group(6)) > 0, "peak live bytes reported: " + r.out());
        }
        assertTrue(r.out().matches("(?s).*java / java: [0-9.]+x the time per step.*"), r.out());
    }

    @Test
    void anUnknownBackendIsRefusedByName() throws Exception {
        Result r = monet("bench", "step", "--config", config().toString(), "--backend", "java,nonesuch", "--steps", "1");
        assertNotEquals(0, r.exit());
        assertTrue(r.err().contains("nonesuch"), r.err());
    }
}
