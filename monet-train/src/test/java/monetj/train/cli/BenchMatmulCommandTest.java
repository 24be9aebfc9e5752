package monetj.train.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class BenchMatmulCommandTest {
    private record Result(int exit, String out, String err) {}

    private static Result monet(String... args) {
        CommandLine cl = MonetCli.commandLine();
        StringWriter out = new StringWriter(), err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int exit = cl.execute(args);
        return new Result(exit, out.toString(), err.toString());
    }

    @Test
    void reportsGflopsForAnOddSizeOnOneThread() {
        Result r = monet("bench", "matmul", "--size", "77", "--iterations", "3", "--threads", "1");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("f32 [77 x 77] x [77 x 77]") && r.out().contains("threads used: 1 "), r.out());
        Matcher m = Pattern.compile("GFLOP/s: best ([0-9.]+), median ([0-9.]+)").matcher(r.out());
        assertTrue(m.find(), r.out());
        assertTrue(Double.parseDouble(m.group(1)) > 0 && Double.parseDouble(m.group(1)) >= Double.parseDouble(m.group(2)), r.out());
    }

    @Test
    void badArgumentsAreRefusedByName() {
        Result size = monet("bench", "matmul", "--size", "0");
        assertNotEquals(0, size.exit());
        assertTrue(size.err().contains("--size"), size.err());
        Result threads = monet("bench", "matmul", "--size", "8", "--threads", "1000");
        assertNotEquals(0, threads.exit());
        assertTrue(threads.err().contains("--threads") && threads.err().contains("parallelism"), threads.err());
    }

    @Test
    void benchWithoutASubcommandListsThem() {
        Result r = monet("bench");
        assertEquals(0, r.exit());
        assertTrue(r.out().contains("matmul"), r.out());
    }
}
