package monetj.train.run;

import java.util.Map;
import monetj.core.backend.Backend;
import monetj.core.backend.CompiledProgram;
import monetj.core.backend.DeviceBuffer;
import monetj.core.ir.LogicalAxisRules;
import monetj.core.model.MonetModel;
import monetj.core.nn.Param;
import monetj.core.program.InitProgram;
import monetj.train.step.TrainInitProgram;
import monetj.train.step.TrainStepProgram;

/** A run's first state, made on the backend by the init program: nothing passes through the host but the seed. */
final class FreshStart {
    private FreshStart() {}

    /** The state of step 0 for {@code seed}, on {@code backend}. */
    static DeviceState initialise(Backend backend, TrainStepProgram.Settings settings, LogicalAxisRules rules, long seed) {
        Map<String, DeviceBuffer> state;
        try (CompiledProgram init = backend.compile(TrainInitProgram.build(settings, rules));
             DeviceBuffer seedBuffer = backend.put(InitProgram.arguments(seed).get(InitProgram.SEED))) {
            state = init.run(Map.of(InitProgram.SEED, seedBuffer));
        }
        MonetModel model = new MonetModel(settings.model());
        return DeviceState.adopt(backend, model.parameters().stream().map(Param::path).toList(), model.buffers().stream().map(Param::path).toList(), state);
    }
}
