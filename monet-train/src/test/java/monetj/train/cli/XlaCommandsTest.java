package monetj.train.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;
import org.junit.jupiter.api.Test;

class XlaCommandsTest {
    private record Run(int exit, String out, String err) {}

    private static Run run(CommandLine cl, String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int exit = cl.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void devicesWithAMissingPluginSaysWhereItLooked() {
        Run r = run(MonetCli.commandLine(), "devices", "--plugin", "/no/such/xla_cuda_plugin.so");
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("monet: PJRT plugin /no/such/xla_cuda_plugin.so (given explicitly) does not exist"), r.err());
        assertTrue(r.err().contains("MONET_PJRT_PLUGIN"), r.err());
        assertTrue(r.out().contains("xla-cpu\n  not on the class path"), "monet-train alone has no xla-cpu backend: " + r.out());
    }

    @Test
    void xlaCpuWithoutItsModuleIsRefusedByName() {
        Run r = run(MonetCli.commandLine(), "selftest", "--backend", "xla-cpu");
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("no backend named 'xla-cpu' on the class path"), r.err());
    }

    @Test
    void selftestNeedsAPlugin() {
        Run r = run(MonetCli.commandLine(), "selftest", "--plugin", "/no/such/libtpu.so");
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("/no/such/libtpu.so (given explicitly) does not exist"), r.err());
    }

    @Test
    void dispatchBenchmarkRunsOnTheJavaExecutorByDefault() {
        Run r = run(new CommandLine(new BenchDispatchCommand()), "--rounds", "3", "--iterations", "200");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().matches("java: [0-9.]+ us per execute \\(median of 3 rounds of 200; fastest round [0-9.]+ us\\)\\R"), r.out());
    }
}
