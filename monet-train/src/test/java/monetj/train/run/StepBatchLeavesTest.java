package monetj.train.run;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import monetj.core.backend.Backend;
import monetj.core.backend.DeviceBuffer;
import monetj.core.backend.Executable;
import monetj.core.dist.KeyValueProcessGroup;
import monetj.core.dist.KeyValueStore;
import monetj.core.dist.ProcessGroup;
import monetj.core.dist.ProcessIdentity;
import monetj.core.ir.Graph;
import monetj.core.ir.Sharding;
import monetj.core.program.Leaf;
import monetj.core.program.Signature;
import monetj.core.tensor.DType;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Shape;
import monetj.core.tensor.TensorType;
import monetj.data.iter.BatchLayout;
import monetj.data.iter.TokenBatch;
import monetj.train.config.ConfigException;
import org.junit.jupiter.api.Test;

/**
 * How the processes of a run put a step's batch leaves. The own-rows branch (PJRT with several processes) runs here
 * on a backend that records its putRows calls, two processes as threads sharing a key-value server on loopback: each
 * puts only its rows at its first row of the global arrays, and both put the kept-target count of the whole global
 * step, the one a single process computes.
 */
class StepBatchLeavesTest {
    private static final int GLOBAL = 4, WIDTH = 17;
    private static final Sharding.Mesh MESH = new Sharding.Mesh(List.of("fsdp"), new int[] {2});
    private static final Signature SIGNATURE = new Signature(List.of(
            new Leaf("tokens", "batch", TensorType.of(DType.S32, GLOBAL, WIDTH), Sharding.of(MESH, "fsdp", null), false, null),
            new Leaf("loss_mask", "batch", TensorType.of(DType.S32, GLOBAL, WIDTH), Sharding.of(MESH, "fsdp", null), false, null),
            new Leaf("loss_targets", "batch", TensorType.of(DType.F32), Sharding.replicated(MESH, 0), false, null)), List.of());

    /** One call to the backend: putRows (firstRow >= 0) or put of a whole tensor (firstRow -1). */
    record Call(HostTensor part, long firstRow, TensorType global, Sharding sharding) {}

    /** Records what it is given, as a PJRT backend of several processes would take it. */
    static class RecordingBackend implements Backend {
        final List<Call> calls = Collections.synchronizedList(new ArrayList<>());

        @Override public String platform() { return "recording"; }
        @Override public Executable compile(Graph graph) { throw new UnsupportedOperationException(); }
        @Override public DeviceBuffer put(HostTensor tensor) { return put(tensor, null); }
        @Override public HostTensor get(DeviceBuffer buffer) { return ((Held) buffer).tensor; }

        @Override
        public DeviceBuffer put(HostTensor tensor, Sharding sharding) {
            calls.add(new Call(tensor, -1, tensor.type(), sharding));
            return new Held(tensor);
        }

        @Override
        public DeviceBuffer putRows(HostTensor part, long firstRow, TensorType global, Sharding sharding) {
            calls.add(new Call(part, firstRow, global, sharding));
            return new Held(part);
        }
    }

    static final class Held implements DeviceBuffer {
        final HostTensor tensor;
        boolean closed;

        Held(HostTensor tensor) { this.tensor = tensor; }

        @Override public TensorType type() { return tensor.type(); }
        @Override public boolean isDeleted() { return closed; }
        @Override public void close() { closed = true; }
    }

    /** Global micro-batch {@code m} of a step: tokens and a mask that keeps a different number of targets in each row. */
    private static TokenBatch global(int m) {
        int[] tokens = new int[GLOBAL * WIDTH], mask = new int[GLOBAL * WIDTH];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = 100 * m + i;
            mask[i] = (i % WIDTH) <= 3 + 3 * (i / WIDTH) + m ? 1 : 0;
        }
        return new TokenBatch(HostTensor.of(Shape.of(GLOBAL, WIDTH), tokens), HostTensor.of(Shape.of(GLOBAL, WIDTH), mask), null);
    }

    /** Rows [from, from + 2) of a global micro-batch: what process from/2 of 2 reads. */
    private static TokenBatch rows(TokenBatch b, int from) {
        int[] t = Arrays.copyOfRange(b.tokens().ints(), from * WIDTH, (from + 2) * WIDTH), m = Arrays.copyOfRange(b.lossMask().ints(), from * WIDTH, (from + 2) * WIDTH);
        return new TokenBatch(HostTensor.of(Shape.of(2, WIDTH), t), HostTensor.of(Shape.of(2, WIDTH), m), null);
    }

    /** Process {@code id} of {@code count} sharing {@code store}, exchanging nothing through it. */
    private static ProcessGroup process(int id, int count, KeyValueStore store) {
        return new ProcessGroup() {
            @Override public int processIndex() { return id; }
            @Override public int processCount() { return count; }
            @Override public void barrier(String name, Duration timeout) {}
            @Override public Optional<KeyValueStore> keyValueStore() { return Optional.of(store); }
            @Override public String toString() { return "process " + id + " of " + count; }
        };
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Test
    void withOwnRowsEachProcessPutsItsRowsAndTheWholeStepsTargetCount() throws Exception {
        List<TokenBatch> step = List.of(global(0), global(1)); // two micro-batches: accumulation 2
        // What one process putting the whole global micro-batches gives the program.
        float single = ((Held) LossMaskInputs.put(new RecordingBackend(), step, true, SIGNATURE).getFirst().get("loss_targets")).tensor.floats()[0];
        int port = freePort();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        List<RecordingBackend> backends = List.of(new RecordingBackend(), new RecordingBackend());
        try {
            List<Future<List<Map<String, DeviceBuffer>>>> put = new ArrayList<>();
            for (int p = 0; p < 2; p++) {
                int id = p;
                List<TokenBatch> mine = List.of(rows(step.get(0), 2 * p), rows(step.get(1), 2 * p));
                put.add(pool.submit(() -> {
                    try (KeyValueProcessGroup g = KeyValueProcessGroup.join(new ProcessIdentity(id, 2, "127.0.0.1", port, "test"), Duration.ofSeconds(60))) {
                        StepBatchLeaves leaves = new StepBatchLeaves(backends.get(id), g, GLOBAL, true);
                        assertTrue(leaves.ownRows());
                        assertEquals(new BatchLayout(2, 16, 9, true, id, 2), leaves.layout(16, 9));
                        return leaves.put(mine, true, SIGNATURE, 5);
                    }
                }));
            }
            for (Future<List<Map<String, DeviceBuffer>>> f : put) assertEquals(List.of("tokens", "loss_mask", "loss_targets"), List.copyOf(f.get().get(1).keySet()));
        } finally {
            pool.shutdownNow();
        }
        for (int p = 0; p < 2; p++) {
            List<Call> calls = backends.get(p).calls;
            assertEquals(6, calls.size(), "tokens, loss_mask and loss_targets of two micro-batches");
            for (int m = 0; m < 2; m++) {
                Call tokens = calls.get(3 * m), mask = calls.get(3 * m + 1), targets = calls.get(3 * m + 2);
                assertEquals(2L * p, tokens.firstRow(), "process " + p + " puts its rows at its place in the global batch");
                assertArrayEquals(rows(step.get(m), 2 * p).tokens().ints(), tokens.part().ints());
                assertEquals(SIGNATURE.input("tokens").type(), tokens.global(), "the global array's type, not the part's");
                assertEquals(SIGNATURE.input("tokens").sharding(), tokens.sharding());
                assertEquals(2L * p, mask.firstRow());
                assertArrayEquals(rows(step.get(m), 2 * p).lossMask().ints(), mask.part().ints());
                assertEquals(SIGNATURE.input("loss_mask").type(), mask.global());
                assertEquals(-1, targets.firstRow(), "the count is a whole (replicated) scalar");
                assertEquals(SIGNATURE.input("loss_targets").sharding(), targets.sharding());
                assertEquals(single, targets.part().floats()[0], "process " + p + ": the global step's kept targets per micro-batch");
            }
        }
        long ownRows0 = LossMaskInputs.keptTargets(List.of(rows(step.get(0), 0), rows(step.get(1), 0)));
        assertNotEquals((float) ownRows0 / 2, single, "the processes' own counts differ from the step's (the test can tell them apart)");
    }

    @Test
    void aBackendHoldingWholeArraysReadsAndPutsTheWholeGlobalMicroBatchInEveryProcess() throws Exception {
        RecordingBackend whole = new RecordingBackend();
        KeyValueStore untouchable = new KeyValueStore() {
            @Override public void put(String key, byte[] value) { throw new AssertionError("no key-value traffic: " + key); }
            @Override public byte[] get(String key, Duration timeout) { throw new AssertionError("no key-value traffic: " + key); }
            @Override public Optional<byte[]> tryGet(String key) { throw new AssertionError("no key-value traffic: " + key); }
        };
        StepBatchLeaves leaves = StepBatchLeaves.of(whole, process(1, 2, untouchable), GLOBAL); // its programs do not span processes
        assertFalse(leaves.ownRows());
        Backend spanning = new RecordingBackend() {
            @Override public boolean spansProcesses() { return true; }
        };
        assertTrue(StepBatchLeaves.of(spanning, process(1, 2, untouchable), GLOBAL).ownRows(), "a backend whose programs span the processes puts own rows");
        assertEquals(new BatchLayout(GLOBAL, 16, 9, true, 0, 1), leaves.layout(16, 9), "every process reads the global batch sequence itself");
        List<TokenBatch> step = List.of(global(0), global(1));
        leaves.put(step, true, SIGNATURE, 1);
        assertEquals(0, whole.calls.get(0).firstRow());
        assertArrayEquals(step.get(0).tokens().ints(), whole.calls.get(0).part().ints());
        assertEquals((float) LossMaskInputs.keptTargets(step) / 2, whole.calls.get(2).part().floats()[0]);
        assertTrue(leaves.describe().contains("every process reads the whole global micro-batch of 4 and runs the whole step")
                && leaves.describe().contains("needs a PJRT plugin"), leaves.describe());
    }

    @Test
    void aGlobalMicroBatchTheProcessesCannotSplitEvenlyIsRefusedNamingTheKey() {
        var e = assertThrows(ConfigException.class, () -> new StepBatchLeaves(new RecordingBackend(), process(0, 4, null), 6, true));
        assertEquals("config key 'train.micro_batch_size' (6, the global micro-batch) must be divisible by the 4 processes, each of which puts an equal part of it",
                e.getMessage());
    }
}
