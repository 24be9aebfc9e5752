package monetj.train.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The command lists of --help show each command's summary as one whole sentence. */
class CliHelpTest {
    @Test
    void everyCommandHasAOneSentenceSummary() {
        List<String> problems = new ArrayList<>();
        walk(MonetCli.commandLine(), problems);
        assertEquals(List.of(), problems);
    }

    private static void walk(CommandLine cl, List<String> problems) {
        for (CommandLine sub : cl.getSubcommands().values()) {
            var usage = sub.getCommandSpec().usageMessage();
            String summary = usage.header().length > 0 ? usage.header()[0] : usage.description().length > 0 ? usage.description()[0] : "";
            if (!summary.endsWith(".")) problems.add(sub.getCommandSpec().qualifiedName() + ": \"" + summary + "\"");
            walk(sub, problems);
        }
    }

    @Test
    void sweepHelpDocumentsTheSweepFile() {
        StringWriter out = new StringWriter();
        CommandLine cl = MonetCli.commandLine();
        cl.setOut(new PrintWriter(out, true));
        assertEquals(0, cl.execute("sweep", "--help"));
        for (String key : List.of("base:", "runs_dir:", "grid:", "runs:", "name:", "set:")) assertTrue(out.toString().contains(key), key + " in\n" + out);
    }
}
