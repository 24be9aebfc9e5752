package monetj.train.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** monet devices lists the Java executor always and each plugin found; only a plugin that fails to load is an error. */
class DevicesCommandTest {
    private static String[] run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        CommandLine cl = MonetCli.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int rc = cl.execute(args);
        return new String[] {Integer.toString(rc), out.toString(), err.toString()};
    }

    @Test
    void theJavaExecutorIsAlwaysListedAndAMissingPluginIsNoError() {
        String[] r = run("devices");
        assertTrue(r[1].startsWith("java\n  the embedded Java executor (always available)"), r[1]);
        if (!r[1].contains("\npjrt\n")) { // no plugin on this machine: where it looked, and success
            assertEquals("0", r[0], r[1] + r[2]);
            assertTrue(r[1].contains("pjrt  no plugin found") && r[1].contains("$MONET_PJRT_PLUGIN"), r[1]);
        }
    }

    @Test
    void aGivenPluginThatDoesNotLoadExitsNonZero(@TempDir Path tmp) throws Exception {
        String[] missing = run("devices", "--plugin", tmp.resolve("absent.so").toString());
        assertEquals("1", missing[0]);
        assertTrue(missing[2].contains("absent.so (given explicitly) does not exist"), missing[2]);
        Path notAPlugin = Files.writeString(tmp.resolve("not-a-plugin.so"), "text");
        String[] broken = run("devices", "--plugin", notAPlugin.toString());
        assertEquals("1", broken[0]);
        assertTrue(broken[1].contains("java\n") && broken[1].contains("pjrt\n  failed to load: ") && broken[1].contains("not-a-plugin.so"), broken[1]);
    }
}
