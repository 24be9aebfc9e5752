package monetj.train.run;

import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.util.Set;
import monetj.core.dist.ProcessGroup;
import monetj.core.model.MonetConfig;
import monetj.data.iter.BatchLayout;
import monetj.train.config.ConfigException;
import monetj.train.step.TrainStepProgram.Settings;
import org.junit.jupiter.api.Test;

/** Each process's share of the global micro-batch. */
class ProcessPartTest {
    private static ProcessGroup process(int id, int count) {
        return new ProcessGroup() {
            @Override public int processIndex() { return id; }
            @Override public int processCount() { return count; }
            @Override public void barrier(String name, Duration timeout) {}
        };
    }

    private static Settings global(int micro) {
        return new Settings(null, micro, 16, 2, null, null, null, 1.0, null, 0, 0, Set.of(), false);
    }

    @Test
    void eachProcessTakesItsPartOfTheGlobalMicroBatch() {
        Settings local = ProcessPart.settings(global(8), process(3, 4));
        assertEquals(2, local.microBatch());
        assertEquals(2, local.accumulation());
        assertSame(global(8).getClass(), local.getClass());
        assertEquals(global(8), ProcessPart.settings(global(8), ProcessGroup.single()));
    }

    @Test
    void aGlobalMicroBatchThatDoesNotSplitEvenlyIsRefusedNamingTheKey() {
        var e = assertThrows(ConfigException.class, () -> ProcessPart.settings(global(6), process(0, 4)));
        assertEquals("config key 'train.micro_batch_size' (6, the global micro-batch) must be divisible by the 4 processes, each of which takes an equal part of it",
                e.getMessage());
    }
}
