package monetj.train.cli;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import monetj.train.config.ConfigException;
import org.junit.jupiter.api.Test;

/** How a sweep file expands into named runs. */
class SweepCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void listValuedGridEntriesGetDistinctRunNames() {
        ObjectNode sweep = JSON.createObjectNode();
        sweep.putObject("grid").putArray("optimizer.betas").add(JSON.createArrayNode().add(0.9).add(0.95)).add(JSON.createArrayNode().add(0.9).add(0.99));
        List<SweepCommand.SweepRun> runs = SweepCommand.expand(sweep);
        assertEquals(List.of("betas=[0.9,0.95]", "betas=[0.9,0.99]"), runs.stream().map(SweepCommand.SweepRun::name).toList());
    }

    @Test
    void runsThatWouldShareADirectoryAreRefused() {
        ObjectNode sweep = JSON.createObjectNode();
        sweep.putObject("grid").putArray("data.train").add("a/b").add("a_b");
        var e = assertThrows(ConfigException.class, () -> SweepCommand.expand(sweep));
        assertTrue(e.getMessage().contains("two runs named 'train=a_b'"), e.getMessage());
    }
}
