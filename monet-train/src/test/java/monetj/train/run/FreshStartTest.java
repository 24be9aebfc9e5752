package monetj.train.run;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import monetj.core.exec.JavaExecutor;
import monetj.core.model.MonetConfig;
import monetj.core.model.MonetModel;
import monetj.core.model.Remat;
import monetj.core.nn.Precision;
import monetj.core.tensor.HostTensor;
import monetj.train.optim.AdamW;
import monetj.train.optim.LearningRateSchedule;
import monetj.train.step.TrainState;
import monetj.train.step.TrainStepProgram;
import org.junit.jupiter.api.Test;

/** The trainer's fresh start on the Java executor is host initialisation with zero moments, bit for bit. */
class FreshStartTest {
    @Test
    void theStateMadeOnTheBackendIsTheHostInitialisedOne() throws Exception {
        MonetConfig config = MonetConfig.read(Path.of("../configs/models/tiny-hd.json"));
        Set<String> frozen = Set.of("lm_head.weight");
        var settings = new TrainStepProgram.Settings(config, 2, 8, 1, Precision.F32, Remat.NONE, new AdamW(0.9, 0.95, 1e-8, 0.1), 1.0,
                new LearningRateSchedule(3e-3, 2, 10, "cosine", 0.1), 1e-3, 1e-3, frozen, false);
        TrainState made;
        try (DeviceState device = FreshStart.initialise(new JavaExecutor(), settings, null, 5)) {
            assertEquals(0, device.step());
            made = device.download();
        }
        TrainState host = TrainState.fresh(config, new MonetModel(config).init(5).asMap(), frozen);
        assertEquals(0, made.step());
        assertSame(host.params(), made.params(), "params");
        assertSame(host.buffers(), made.buffers(), "buffers");
        assertSame(host.m(), made.m(), "m");
        assertSame(host.v(), made.v(), "v");
        assertFalse(made.m().containsKey("lm_head.weight"), "frozen: no moments");
    }

    private static void assertSame(Map<String, HostTensor> expected, Map<String, HostTensor> actual, String what) {
        assertEquals(expected.keySet(), actual.keySet(), what);
        expected.forEach((k, t) -> assertTrue(t.contentEquals(actual.get(k)), what + " " + k));
    }
}
