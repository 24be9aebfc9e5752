package monetj.train.checkpoint;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointStoreTest {
    @TempDir Path run;

    @Test
    void keepsTheLastKAndIgnoresPartialSaves() throws Exception {
        CheckpointStore store = new CheckpointStore(run, 2);
        for (long s : new long[] {10, 20, 30}) store.save(s, d -> Files.writeString(d.resolve("state.json"), "{\"step\":" + s + "}"));
        assertEquals(List.of("step-20", "step-30"), store.list().stream().map(p -> p.getFileName().toString()).toList());
        // A save that dies half way leaves the earlier checkpoints as they were.
        assertThrows(IOException.class, () -> store.save(40, d -> {
            Files.writeString(d.resolve("params.safetensors"), "half");
            throw new IOException("disk full");
        }));
        assertEquals(30, CheckpointStore.stepOf(store.latest().orElseThrow()));
        assertEquals("{\"step\":30}", Files.readString(store.latest().orElseThrow().resolve("state.json")));
        try (var s = Files.list(store.root())) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().startsWith(".partial")), "no partial directory left behind");
        }
    }

    @Test
    void stepOfRejectsOtherNames() {
        var e = assertThrows(IllegalArgumentException.class, () -> CheckpointStore.stepOf(Path.of("runs/x/latest")));
        assertTrue(e.getMessage().contains("step-100"), e.getMessage());
    }
}
