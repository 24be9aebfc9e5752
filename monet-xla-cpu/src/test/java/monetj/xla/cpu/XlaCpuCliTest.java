package monetj.xla.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import monetj.train.cli.MonetCli;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The CLI with the xla-cpu module on the class path: {@code monet selftest --backend xla-cpu} and {@code monet devices}. */
class XlaCpuCliTest {
    private record Run(int exit, String out, String err) {}

    private static Run monet(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        CommandLine cl = MonetCli.commandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int exit = cl.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void selftestRunsTheCrossBackendSuiteOnXlaCpu() {
        Run r = monet("selftest", "--backend", "xla-cpu", "--filter", "^(exp|dot_general matmul|grad tanh) f32$");
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(r.out().startsWith("backend   xla-cpu: XLA CPU (TensorFlow 2.18.0)"), r.out());
        assertTrue(r.out().contains("3 of 3 cases passed"), r.out());
    }

    @Test
    void devicesListsXlaCpu() {
        Run r = monet("devices");
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("xla-cpu\n  available: XLA's CPU compiler"), r.out());
    }
}
