package monetj.train.run;

import java.util.Map;
import monetj.core.backend.Backend;
import monetj.core.backend.CompiledProgram;
import monetj.core.backend.DeviceBuffer;
import monetj.core.ir.LogicalAxisRules;
import monetj.core.ir.Sharding;
import monetj.core.program.Leaf;
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
        Map<String, Sharding> shardings = new java.util.LinkedHashMap<>();
        try (CompiledProgram init = backend.compile(TrainInitProgram.build(settings, rules))) {
            for (Leaf l : init.signature().outputs()) if (l.sharding() != null) shardings.put(l.name(), l.sharding());
            Leaf seedLeaf = init.signature().input(InitProgram.SEED);
            try (DeviceBuffer seedBuffer = backend.put(InitProgram.arguments(seed).get(InitProgram.SEED), seedLeaf.sharding())) {
                state = init.run(Map.of(InitProgram.SEED, seedBuffer));
            }
        }
        MonetModel model = new MonetModel(settings.model());
        return DeviceState.adopt(backend, model.parameters().stream().map(Param::path).toList(), model.buffers().stream().map(Param::path).toList(), state, shardings);
    }
}
