package monetj.train.run;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import monetj.core.backend.Backend;
import monetj.core.dist.ProcessGroup;
import monetj.core.ir.Sharding;
import monetj.core.model.MonetConfig;
import monetj.core.model.MonetModel;
import monetj.data.iter.IteratorState;
import monetj.train.checkpoint.CheckpointLayout;
import monetj.train.checkpoint.CheckpointStore;
import monetj.train.checkpoint.TrainCheckpoint;
import monetj.train.step.TrainState;

/**
 * The checkpoint a resumed run continues from, read the way the backend will hold the state. A backend that keeps
 * each device's block of a sharded array (more than one device, a sharded layout) gets only this process's devices'
 * blocks: only the shard files overlapping them are hashed and read, and each leaf is put from its blocks. A backend
 * holding whole arrays (the Java executor, one device) gets the whole state, every file hashed and read. Either way
 * every process of the run resumes from the same checkpoint ({@link TrainCheckpoint#latestIntact}).
 */
record ResumePoint(Path dir, long step, IteratorState dataState, JsonNode runConfig, TrainState whole, TrainCheckpoint.Blocks blocks, CheckpointLayout layout) {

    /** Whether {@code backend} keeps sharded state as per-device blocks, so a process reads only its own. */
    static boolean readsBlocks(Backend backend, CheckpointLayout layout) { return backend.deviceCount() > 1 && layout.sharded(); }

    static ResumePoint read(CheckpointStore store, Backend backend, CheckpointLayout layout, MonetConfig model, Set<String> frozen, ProcessGroup processes,
            PrintStream console) throws IOException {
        if (!readsBlocks(backend, layout)) {
            TrainCheckpoint.Loaded ck = TrainCheckpoint.readLatestIntact(store, model, frozen, console, processes);
            return new ResumePoint(ck.dir(), ck.state().step(), ck.dataState(), ck.runConfig(), ck.state(), null, layout);
        }
        Path dir = TrainCheckpoint.latestIntact(store, console, processes, layout);
        TrainCheckpoint.Blocks b = TrainCheckpoint.readResumeBlocks(dir, layout, model);
        return new ResumePoint(dir, b.step(), b.dataState(), b.runConfig(), null, b, layout);
    }

    /** The state on the backend, laid out by the step program's {@code shardings}. */
    DeviceState upload(Backend backend, MonetConfig model, Map<String, Sharding> shardings) {
        if (whole != null) return DeviceState.upload(backend, whole, shardings);
        List<String> params = new ArrayList<>(), buffers = new ArrayList<>();
        new MonetModel(model).variablesByPath().forEach((name, p) -> (p.trainable() ? params : buffers).add(name));
        return DeviceState.assemble(backend, params, buffers, step, blocks.blocks(), layout, shardings);
    }
}
