package monetj.train.optim;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Shape;
import monetj.core.testing.GraphTesting;
import org.junit.jupiter.api.Test;

class LearningRateScheduleTest {
    @Test
    void warmupThenDecayToTheFloorAtTheLastStep() {
        var cos = new LearningRateSchedule(1e-3, 10, 110, "cosine", 0.1);
        assertEquals(1e-4, cos.at(0), 1e-15);
        assertEquals(1e-3, cos.at(9), 1e-15);
        assertEquals(1e-3, cos.at(10), 1e-15);
        assertEquals(0.55e-3, cos.at(59), 1e-5); // half way through the decay
        assertEquals(1e-4, cos.at(109), 1e-15);
        var lin = new LearningRateSchedule(1e-3, 0, 11, "linear", 0.0);
        assertEquals(1e-3, lin.at(0), 1e-15);
        assertEquals(0.5e-3, lin.at(5), 1e-15);
        assertEquals(0, lin.at(10), 1e-15);
        assertEquals(1e-3, new LearningRateSchedule(1e-3, 0, 5, "constant", 0).at(3));
    }

    @Test
    void tracedScheduleEqualsTheHostFormula() {
        for (String decay : List.of("cosine", "linear", "constant")) {
            var s = new LearningRateSchedule(5e-4, 7, 40, decay, 0.1);
            float[] steps = new float[40];
            for (int i = 0; i < steps.length; i++) steps[i] = i;
            HostTensor lr = GraphTesting.run1(p -> s.at(p.get(0)), HostTensor.of(Shape.of(40), steps));
            for (int i = 0; i < 40; i++) assertEquals(s.at(i), lr.floats()[i], 1e-9, decay + " step " + i);
        }
    }
}
