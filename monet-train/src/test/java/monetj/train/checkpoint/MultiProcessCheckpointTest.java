package monetj.train.checkpoint;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import monetj.core.dist.ProcessGroup;
import monetj.core.ir.Sharding;
import monetj.core.model.MonetConfig;
import monetj.core.model.MonetModel;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Safetensors;
import monetj.core.tensor.TensorBlocks;
import monetj.data.iter.BatchLayout;
import monetj.data.iter.IteratorState;
import monetj.train.config.RunConfig;
import monetj.train.step.TrainState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sharded checkpoints of the tiny model written by N simulated processes (threads over an in-memory barrier, all
 * in one run directory as hosts sharing a file system) and restored under M: one process whole, two processes of
 * fsdp=2, another mesh; a process that never arrives; a tampered shard.
 */
class MultiProcessCheckpointTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    private static final MonetConfig MODEL = readModel();

    @TempDir Path run;

    private static MonetConfig readModel() {
        try {
            return MonetConfig.read(Path.of("../configs/models/tiny-vd.json"));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static RunConfig.Mesh mesh(int data, int fsdp, int tensor, int expert) { return new RunConfig.Mesh(data, fsdp, tensor, expert, null, null); }

    /** A state at {@code step} whose parameters, buffers and moments all differ (so a mix-up shows). */
    private static TrainState state(long seed, long step) {
        MonetModel m = new MonetModel(MODEL);
        TrainState fresh = TrainState.fresh(MODEL, m.init(seed).asMap());
        Map<String, HostTensor> first = m.init(seed + 1).asMap(), second = m.init(seed + 2).asMap();
        Map<String, HostTensor> mm = new LinkedHashMap<>(), vv = new LinkedHashMap<>();
        fresh.m().keySet().forEach(k -> {
            mm.put(k, first.get(k));
            vv.put(k, second.get(k));
        });
        return new TrainState(fresh.params(), fresh.buffers(), mm, vv, step);
    }

    private static IteratorState data(int process, int processes, long batches) {
        return new IteratorState.Packed(new BatchLayout(2, 16, 3, true, process, processes), "tokens/train", batches);
    }

    /** Writes {@code s} at its step from {@code processes} processes over a mesh of {@code devices} devices. */
    private List<ThreadProcesses.Outcome<Path>> save(TrainState s, RunConfig.Mesh mesh, int devices, int processes, Duration timeout, Set<Integer> absent) throws Exception {
        ThreadProcesses group = new ThreadProcesses(processes);
        return group.run(p -> () -> {
            if (absent.contains(p)) return null; // never reaches a barrier
            CheckpointLayout layout = CheckpointLayout.of(mesh, MODEL, Set.of(), group.view(p), devices);
            return TrainCheckpoint.saveSharded(new CheckpointStore(run, 5), s.step(), layout, layout.localBlocks(s), MODEL, data(p, processes, s.step()),
                    new ObjectMapper().createObjectNode().put("note", "run config"), 11, timeout);
        });
    }

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void writtenByTwoProcessesOfTwoDevicesRestoresWholeUnderTwoProcessesOfFsdp2AndOnAnotherMesh() throws Exception {
        TrainState s = state(7, 4);
        Map<String, HostTensor> whole = s.leaves();
        List<ThreadProcesses.Outcome<Path>> saved = save(s, mesh(1, 4, 1, 1), 4, 2, TIMEOUT, Set.of());
        Path dir = run.resolve("checkpoints/step-4");
        for (var o : saved) assertEquals(dir, o.get());
        assertEquals(List.of("config.json", "data-0.json", "data-1.json", "index.json", "manifest.json", "shard-0.safetensors", "shard-1.safetensors",
                "shard-2.safetensors", "shard-3.safetensors", "state.json"), names(dir), "no manifest part or partial file is left");
        assertEquals(List.of("step-4"), names(run.resolve("checkpoints")));

        // Device 3 (process 1's second device) wrote its own block; a replicated tensor was written once, by device 0.
        CheckpointLayout four = CheckpointLayout.of(mesh(1, 4, 1, 1), MODEL, Set.of(), ProcessGroup.single(), 4);
        String embed = "model.embed_tokens.weight";
        Map<String, HostTensor> shard3 = Safetensors.read(dir.resolve("shard-3.safetensors")).tensors();
        assertTrue(TensorBlocks.block(whole.get(embed), four.shardings().get(embed), 3).contentEquals(shard3.get(embed)));
        String replicated = four.shardings().entrySet().stream().filter(e -> e.getValue().dims().stream().allMatch(List::isEmpty)).findFirst().orElseThrow().getKey();
        assertFalse(shard3.containsKey(replicated), replicated + " is replicated: only device 0 writes it");
        assertTrue(Safetensors.read(dir.resolve("shard-0.safetensors")).tensors().containsKey(replicated));
        var manifest = new ObjectMapper().readTree(dir.resolve("manifest.json").toFile()).get("files");
        assertEquals(names(dir).stream().filter(n -> !n.equals("manifest.json")).toList(), iterate(manifest.fieldNames()), "the manifest covers every process's files");

        // M = 1: one process, whole tensors.
        TrainCheckpoint.Loaded one = TrainCheckpoint.read(dir, MODEL);
        assertEquals(4, one.state().step());
        assertEquals(whole.keySet(), one.state().leaves().keySet());
        one.state().leaves().forEach((k, t) -> assertTrue(whole.get(k).contentEquals(t), "whole " + k));
        assertEquals(List.of(data(0, 2, 4), data(1, 2, 4)), one.dataStates());
        assertEquals(data(0, 2, 4), one.dataState());

        // M = 2 processes of one device each on fsdp=2: each gets its own device's blocks only.
        ThreadProcesses two = new ThreadProcesses(2);
        var restored = two.run(p -> () -> {
            CheckpointLayout layout = CheckpointLayout.of(mesh(1, 2, 1, 1), MODEL, Set.of(), two.view(p), 2);
            Path chosen = TrainCheckpoint.latestIntact(new CheckpointStore(run, 5), System.out);
            return Map.entry(layout, TrainCheckpoint.readBlocks(chosen, layout, MODEL));
        });
        for (int p = 0; p < 2; p++) {
            var r = restored.get(p).get();
            assertEquals(Set.of(p), r.getValue().keySet());
            assertBlocks(whole, r.getKey().shardings(), r.getValue());
        }

        // Another mesh: fsdp=2 x tensor=2, one process holding all four devices.
        CheckpointLayout other = CheckpointLayout.of(mesh(1, 2, 2, 1), MODEL, Set.of(), ProcessGroup.single(), 4);
        Map<Integer, Map<String, HostTensor>> blocks = TrainCheckpoint.readBlocks(dir, other, MODEL);
        assertEquals(Set.of(0, 1, 2, 3), blocks.keySet());
        assertBlocks(whole, other.shardings(), blocks);
        assertNotEquals(four.shardings().get(embed), other.shardings().get(embed), "the embedding is laid out otherwise on this mesh");
    }

    @Test
    void aProcessReadsOnlyTheShardFilesItsBlocksOverlap() throws Exception {
        TrainState s = state(3, 2);
        save(s, mesh(1, 4, 1, 1), 4, 2, TIMEOUT, Set.of()).forEach(ThreadProcesses.Outcome::get);
        Path dir = run.resolve("checkpoints/step-2");
        Files.delete(dir.resolve("shard-2.safetensors"));
        Files.delete(dir.resolve("shard-3.safetensors"));
        // Device 0 of fsdp=2 holds the first half of every split dimension: saved devices 0 and 1 only.
        CheckpointLayout half = CheckpointLayout.of(mesh(1, 2, 1, 1), MODEL, Set.of(), new ThreadProcesses(2).view(0), 2);
        assertBlocks(s.leaves(), half.shardings(), TrainCheckpoint.readBlocks(dir, half, MODEL));
        CheckpointLayout otherHalf = CheckpointLayout.of(mesh(1, 2, 1, 1), MODEL, Set.of(), new ThreadProcesses(2).view(1), 2);
        var e = assertThrows(IOException.class, () -> TrainCheckpoint.readBlocks(dir, otherHalf, MODEL));
        assertTrue(e.getMessage().contains("shard-2.safetensors, named in index.json, is missing"), e.getMessage());
    }

    @Test
    void blocksWithoutReplicasPlusTheStepLeafAsABackendHoldingShardsGivesThemAreEnough() throws Exception {
        TrainState s = state(4, 2);
        RunConfig.Mesh mesh = mesh(1, 2, 2, 1);
        ThreadProcesses group = new ThreadProcesses(2);
        group.run(p -> () -> {
            CheckpointLayout layout = CheckpointLayout.of(mesh, MODEL, Set.of(), group.view(p), 4);
            Map<Integer, Map<String, HostTensor>> distinct = new LinkedHashMap<>();
            layout.localBlocks(s).forEach((device, byName) -> byName.forEach((name, block) -> {
                Sharding sh = layout.shardings().get(name);
                int[] start = TensorBlocks.start(sh, layout.shapes().get(name), device);
                for (int earlier = 0; earlier < device; earlier++) if (java.util.Arrays.equals(start, TensorBlocks.start(sh, layout.shapes().get(name), earlier))) return;
                distinct.computeIfAbsent(device, k -> new LinkedHashMap<>()).put(name, block);
            }));
            distinct.computeIfAbsent(layout.localDevices().get(0), k -> new LinkedHashMap<>()).put("step", HostTensor.scalar(2));
            return TrainCheckpoint.saveSharded(new CheckpointStore(run, 5), 2, layout, distinct, MODEL, null, null, 0, TIMEOUT);
        }).forEach(ThreadProcesses.Outcome::get);
        TrainCheckpoint.Loaded l = TrainCheckpoint.read(run.resolve("checkpoints/step-2"), MODEL);
        l.state().leaves().forEach((k, t) -> assertTrue(s.leaves().get(k).contentEquals(t), k));
        assertEquals(2, l.state().step());
    }

    @Test
    void aSingleFileCheckpointOfAOneDeviceRunRestoresAsBlocksToo() throws Exception {
        TrainState s = state(9, 2);
        Path dir = new CheckpointStore(run, 5).save(2, d -> TrainCheckpoint.write(d, s, MODEL, null, null, 0));
        assertTrue(Files.isRegularFile(dir.resolve("model.safetensors")));
        CheckpointLayout second = CheckpointLayout.of(mesh(1, 2, 1, 1), MODEL, Set.of(), new ThreadProcesses(2).view(1), 2);
        Map<Integer, Map<String, HostTensor>> blocks = TrainCheckpoint.readBlocks(dir, second, MODEL);
        assertEquals(Set.of(1), blocks.keySet());
        assertBlocks(s.leaves(), second.shardings(), blocks);
    }

    @Test
    void aProcessThatNeverArrivesMakesTheOthersFailNamingItAndNoCheckpointAppears() throws Exception {
        TrainState s = state(5, 2);
        save(s, mesh(1, 4, 1, 1), 4, 4, TIMEOUT, Set.of()).forEach(ThreadProcesses.Outcome::get);
        var outcomes = save(state(5, 4), mesh(1, 4, 1, 1), 4, 4, Duration.ofMillis(500), Set.of(2));
        for (int p : new int[] {0, 1, 3}) {
            Throwable f = outcomes.get(p).failure();
            assertInstanceOf(IOException.class, f, "process " + p);
            assertTrue(f.getMessage().contains("checkpoint not written") && f.getMessage().contains("checkpoint-step-4-open")
                    && f.getMessage().contains("process(es) [2] of 4 did not arrive"), f.getMessage());
        }
        assertEquals(List.of("step-2"), names(run.resolve("checkpoints")), "no step-4 and no partial directory");
    }

    @Test
    void aProcessThatDiesWhileWritingItsShardsLeavesNoCheckpoint() throws Exception {
        ThreadProcesses group = new ThreadProcesses(2);
        var outcomes = group.run(p -> () -> new CheckpointStore(run, 5).save(6, group.view(p), Duration.ofMillis(500), dir -> {
            if (p == 1) throw new IOException("disk full on host 1");
            Path f = dir.resolve("shard-0.safetensors");
            Files.writeString(f, "block");
            return List.of(f);
        }, dir -> Files.writeString(dir.resolve("state.json"), "{\"step\": 6}")));
        assertEquals("disk full on host 1", outcomes.get(1).failure().getMessage());
        assertTrue(outcomes.get(0).failure().getMessage().contains("checkpoint-step-6-shards': process(es) [1] of 2 did not arrive"), outcomes.get(0).failure().getMessage());
        assertEquals(List.of(), names(run.resolve("checkpoints")));
    }

    @Test
    void aTamperedShardIsFoundByTheManifestAndThePreviousCheckpointIsUsed() throws Exception {
        TrainState older = state(1, 2), newer = state(2, 4);
        save(older, mesh(1, 4, 1, 1), 4, 2, TIMEOUT, Set.of()).forEach(ThreadProcesses.Outcome::get);
        save(newer, mesh(1, 4, 1, 1), 4, 2, TIMEOUT, Set.of()).forEach(ThreadProcesses.Outcome::get);
        Path shard = run.resolve("checkpoints/step-4/shard-3.safetensors");
        byte[] b = Files.readAllBytes(shard);
        b[b.length - 1] ^= 1;
        Files.write(shard, b);

        ByteArrayOutputStream console = new ByteArrayOutputStream();
        TrainCheckpoint.Loaded l = TrainCheckpoint.readLatestIntact(new CheckpointStore(run, 5), MODEL, Set.of(), new PrintStream(console, true));
        assertEquals(run.resolve("checkpoints/step-2"), l.dir());
        l.state().leaves().forEach((k, t) -> assertTrue(older.leaves().get(k).contentEquals(t), k));
        String warning = console.toString();
        assertTrue(warning.contains("step-4 is damaged: shard-3.safetensors has SHA-256") && warning.contains("resuming from the previous intact checkpoint"), warning);
        assertThrows(DamagedCheckpointException.class, () -> TrainCheckpoint.readWeights(run.resolve("checkpoints/step-4")), "the export refuses it too");
    }

    @Test
    void eachProcessHashesOnlyWhatItReadsAndAllAgreeOnThePreviousCheckpointWhenOneFindsDamage() throws Exception {
        TrainState older = state(1, 2), newer = state(2, 4);
        save(older, mesh(1, 4, 1, 1), 4, 2, TIMEOUT, Set.of()).forEach(ThreadProcesses.Outcome::get);
        save(newer, mesh(1, 4, 1, 1), 4, 2, TIMEOUT, Set.of()).forEach(ThreadProcesses.Outcome::get);
        Path shard = run.resolve("checkpoints/step-4/shard-3.safetensors"); // under fsdp=2 over two processes only process 1 reads it
        byte[] b = Files.readAllBytes(shard);
        b[b.length - 1] ^= 1;
        Files.write(shard, b);

        // Alone, process 0 of such a run does not hash shard-3: step-4 is intact as far as it reads.
        CheckpointLayout zero = CheckpointLayout.of(mesh(1, 2, 1, 1), MODEL, Set.of(), new ThreadProcesses(2).view(0), 2);
        assertEquals(run.resolve("checkpoints/step-4"), TrainCheckpoint.latestIntact(new CheckpointStore(run, 5), System.out, ProcessGroup.single(), zero));
        assertEquals(Set.of("shard-0.safetensors", "shard-1.safetensors"), ShardedCheckpoint.filesOverlapping(run.resolve("checkpoints/step-4"), zero.shardings(), zero.localDevices()));

        // Together they agree: process 1's finding sends both to step-2, each saying so the same way.
        ThreadProcesses two = new ThreadProcesses(2);
        List<ByteArrayOutputStream> consoles = List.of(new ByteArrayOutputStream(), new ByteArrayOutputStream());
        var chosen = two.run(p -> () -> {
            CheckpointLayout layout = CheckpointLayout.of(mesh(1, 2, 1, 1), MODEL, Set.of(), two.view(p), 2);
            Path dir = TrainCheckpoint.latestIntact(new CheckpointStore(run, 5), new PrintStream(consoles.get(p), true), two.view(p), layout);
            TrainCheckpoint.Blocks blocks = TrainCheckpoint.readResumeBlocks(dir, layout, MODEL);
            assertBlocks(older.leaves(), layout.shardings(), blocks.blocks());
            assertEquals(2, blocks.step());
            assertEquals(data(0, 2, 2), blocks.dataState(), "process 0's (the global) data position");
            // Its own two of the four shard files, and process 1 also device 0's, which alone holds the replicated tensors.
            List<String> read = p == 0 ? List.of("shard-0.safetensors", "shard-1.safetensors") : List.of("shard-0.safetensors", "shard-2.safetensors", "shard-3.safetensors");
            assertEquals(Set.copyOf(read), ShardedCheckpoint.filesOverlapping(dir, layout.shardings(), layout.localDevices()));
            long bytes = 0;
            for (String f : read) bytes += Files.size(dir.resolve(f));
            assertEquals(bytes, blocks.bytesRead());
            return dir;
        });
        for (int p = 0; p < 2; p++) assertEquals(run.resolve("checkpoints/step-2"), chosen.get(p).get());
        String w0 = consoles.get(0).toString(), w1 = consoles.get(1).toString();
        assertTrue(w1.contains("step-4 is damaged: shard-3.safetensors has SHA-256") && w1.contains("resuming from the previous intact checkpoint " + run.resolve("checkpoints/step-2")), w1);
        assertEquals(w1.replace("; resuming", " (found by process 1); resuming"), w0, "process 0 reports what process 1 found");
    }

    private static void assertBlocks(Map<String, HostTensor> whole, Map<String, Sharding> shardings, Map<Integer, Map<String, HostTensor>> blocks) {
        blocks.forEach((device, byName) -> {
            assertEquals(whole.keySet(), byName.keySet());
            byName.forEach((k, t) -> assertTrue(TensorBlocks.block(whole.get(k), shardings.get(k), device).contentEquals(t), "device " + device + " " + k));
        });
    }

    private static List<String> iterate(java.util.Iterator<String> it) {
        List<String> out = new java.util.ArrayList<>();
        it.forEachRemaining(out::add);
        return out;
    }
}
