package monetj.train.run;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintStream;
import java.util.Locale;
import monetj.train.config.ConfigException;
import monetj.train.config.RunConfig;
import monetj.train.config.RunConfigLoader;
import monetj.train.optim.LearningRateSchedule;

/**
 * A resumed run keeps the learning-rate schedule it started with. The decay runs over {@code schedule.total_steps}
 * (default {@code train.steps}), so raising {@code train.steps} on resume would re-stretch the decay and make the
 * learning rate jump: that is refused unless {@code schedule.total_steps} says which horizon is meant.
 */
final class ScheduleHorizon {
    private ScheduleHorizon() {}

    static void check(RunConfig now, JsonNode checkpointRunConfig, long step, PrintStream console) {
        if (checkpointRunConfig == null || !checkpointRunConfig.isObject()) return;
        LearningRateSchedule before = LearningRateSchedule.of(RunConfigLoader.bind(checkpointRunConfig, "the checkpoint's run config"));
        LearningRateSchedule after = LearningRateSchedule.of(now);
        if (before.totalSteps() == after.totalSteps() || now.schedule().decay().equals("constant")) return;
        String jump = String.format(Locale.ROOT, "the learning rate at step %d would go from %.3g to %.3g", step + 1, before.at(step), after.at(step));
        if (now.schedule().totalSteps() == null) {
            throw new ConfigException("--resume: the checkpoint's " + before.decay() + " schedule decays over " + before.totalSteps()
                    + " steps, and train.steps = " + now.train().steps() + " would re-stretch it to " + after.totalSteps() + " (" + jump
                    + "). Set schedule.total_steps=" + before.totalSteps() + " to keep the schedule (steps past it train at its final rate), or "
                    + "schedule.total_steps=" + after.totalSteps() + " to re-stretch it");
        }
        console.printf("WARNING: schedule.total_steps changes the decay horizon from %d to %d steps: %s%n", before.totalSteps(), after.totalSteps(), jump);
    }
}
