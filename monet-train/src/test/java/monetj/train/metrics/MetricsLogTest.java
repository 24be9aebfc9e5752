package monetj.train.metrics;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetricsLogTest {
    @TempDir Path dir;

    @Test
    void resumingDropsStepsAfterTheCheckpointAndPlotRenders() throws Exception {
        Path f = dir.resolve("metrics.jsonl");
        try (MetricsLog log = MetricsLog.open(f, 0)) {
            for (int s = 1; s <= 5; s++) log.write(Map.of("step", s, "loss", 10.0 / s, "tokens_per_s", 100.0 * s));
        }
        Files.writeString(f, "{\"step\": 6, \"lo", java.nio.file.StandardOpenOption.APPEND); // cut off by a crash
        try (MetricsLog log = MetricsLog.open(f, 3)) {
            log.write(Map.of("step", 4, "loss", 2.0));
        }
        List<Integer> steps = MetricsLog.read(f).stream().map(n -> n.get("step").asInt()).toList();
        assertEquals(List.of(1, 2, 3, 4), steps);
        Path png = dir.resolve("curves.png");
        CurvePlot.render(MetricsLog.read(f), List.of(new CurvePlot.Panel("loss", List.of("loss")),
                new CurvePlot.Panel("throughput", List.of("tokens_per_s"))), png);
        var img = javax.imageio.ImageIO.read(png.toFile());
        assertEquals(640, img.getHeight());
    }
}
