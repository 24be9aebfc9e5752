package monetj.train.e2e;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code train.remat: layer} from the command line trains exactly as {@code none} on the Java executor. */
class RematRunTest {
    @TempDir
    Path tmp;

    @Test
    void layerRematReproducesTheLossesExactly() throws Exception {
        TinyRun t = new TinyRun(tmp);
        for (String remat : new String[] {"none", "layer"}) {
            var r = TinyRun.cli("train", "--config", t.config.toString(), "--run-dir", tmp.resolve(remat).toString(), "--set", "train.remat=" + remat);
            assertEquals(0, r.exitCode(), r.stderr());
        }
        assertEquals(TinyRun.losses(tmp.resolve("none")), TinyRun.losses(tmp.resolve("layer")));
        var bad = TinyRun.cli("train", "--config", t.config.toString(), "--run-dir", tmp.resolve("bad").toString(), "--set", "train.remat=everything");
        assertEquals(1, bad.exitCode());
        assertTrue(bad.stderr().contains("train.remat"), bad.stderr());
    }
}
