package monetj.data.iter;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import monetj.core.tensor.DType;
import monetj.core.tensor.Shape;
import monetj.data.shard.TokenShardFixture;
import monetj.data.shard.TokenShardSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Batches from prepared shards. The fixture stores token value p at stream position p, so a window's first
 * token says which window it is: window j starts at j·seqLen.
 */
class PackedBatchSourceTest {
    @TempDir
    Path tmp;

    /** Documents of varied lengths over several shards holding 0, 1, 2, ... in stream order. */
    private TokenShardSet positions(int totalTokens) throws Exception {
        List<int[]> docs = new ArrayList<>();
        int p = 0;
        int len = 1;
        while (p < totalTokens) {
            int n = Math.min(len, totalTokens - p);
            int[] doc = new int[n];
            for (int i = 0; i < n; i++) doc[i] = p++;
            docs.add(doc);
            len = len % 37 + 5;
        }
        return TokenShardSet.open(TokenShardFixture.write(tmp.resolve("shards"), docs, totalTokens, 7));
    }

    private static List<int[]> take(BatchSource s, int n) {
        List<int[]> out = new ArrayList<>();
        for (int i = 0; i < n; i++) out.add(s.next().tokens().ints());
        return out;
    }

    @Test
    void unshuffledWindowsAreConsecutiveSlicesSharingTheirBoundaryToken() throws Exception {
        try (TokenShardSet set = positions(1000)) {
            BatchLayout layout = new BatchLayout(3, 16, 0, false, 0, 1);
            PackedBatchSource src = new PackedBatchSource(set, layout);
            assertEquals(999 / 16, src.windowCount());
            TokenBatch b = src.next();
            assertEquals(DType.S32, b.tokens().dtype());
            assertEquals(Shape.of(3, 17), b.tokens().shape());
            int[] ids = b.tokens().ints();
            for (int row = 0; row < 3; row++) {
                for (int t = 0; t < 17; t++) assertEquals(row * 16 + t, ids[row * 17 + t]);
            }
        }
    }

    @Test
    void everyEpochVisitsEveryWindowOnceInAFreshOrder() throws Exception {
        try (TokenShardSet set = positions(16 * 60 + 1)) {
            BatchLayout layout = new BatchLayout(4, 16, 99, true, 0, 1);
            PackedBatchSource src = new PackedBatchSource(set, layout);
            assertEquals(60, src.windowCount());
            List<Integer> epoch0 = windowsOf(take(src, 15), 4, 16);
            List<Integer> epoch1 = windowsOf(take(src, 15), 4, 16);
            assertEquals(range(60), epoch0.stream().sorted().toList());
            assertEquals(range(60), epoch1.stream().sorted().toList());
            assertTrue(!epoch0.equals(epoch1) && !epoch0.equals(range(60)));
        }
    }

    @Test
    void processesTakeDisjointBatchesThatTogetherCoverEveryWindow() throws Exception {
        int processes = 3, batch = 4, seqLen = 8, windows = 3 * 4 * 10;
        try (TokenShardSet set = positions(windows * seqLen + 1)) {
            List<Integer> union = new ArrayList<>();
            for (int p = 0; p < processes; p++) {
                PackedBatchSource src = new PackedBatchSource(set, new BatchLayout(batch, seqLen, 5, true, p, processes));
                union.addAll(windowsOf(take(src, 10), batch, seqLen));
            }
            assertEquals(range(windows), union.stream().sorted().toList());
        }
    }

    @Test
    void resumingFromASavedStateGivesExactlyTheBatchesThatWouldHaveComeNext() throws Exception {
        try (TokenShardSet set = positions(5000)) {
            BatchLayout layout = new BatchLayout(5, 32, 2024, true, 1, 2);
            List<int[]> straight = take(new PackedBatchSource(set, layout), 40); // crosses several epochs (156 windows each)
            for (int k : new int[] {0, 1, 17, 39}) {
                PackedBatchSource first = new PackedBatchSource(set, layout);
                List<int[]> resumed = new ArrayList<>(take(first, k));
                String saved = first.state().toJson();
                resumed.addAll(take(new PackedBatchSource(set, layout, IteratorState.fromJson(saved)), 40 - k));
                for (int i = 0; i < 40; i++) assertArrayEquals(straight.get(i), resumed.get(i), "batch " + i + " after resuming at " + k);
            }
        }
    }

    @Test
    void theSameThroughThePrefetchingIterator() throws Exception {
        try (TokenShardSet set = positions(3000)) {
            BatchLayout layout = new BatchLayout(2, 64, 7, true, 0, 1);
            List<int[]> straight = take(new PackedBatchSource(set, layout), 30);
            List<int[]> resumed = new ArrayList<>();
            IteratorState saved;
            try (PrefetchingBatchIterator it = new PrefetchingBatchIterator(new PackedBatchSource(set, layout), 4)) {
                for (int i = 0; i < 12; i++) resumed.add(it.next().tokens().ints());
                saved = it.state(); // not the prefetched batches beyond the 12th
            }
            try (PrefetchingBatchIterator it = new PrefetchingBatchIterator(new PackedBatchSource(set, layout, IteratorState.fromJson(saved.toJson())), 4)) {
                for (int i = 12; i < 30; i++) resumed.add(it.next().tokens().ints());
            }
            for (int i = 0; i < 30; i++) assertArrayEquals(straight.get(i), resumed.get(i), "batch " + i);
        }
    }

    /** Process batch k of every process, concatenated in process order: global batch k as the processes see it. */
    private static List<int[]> globalBatches(TokenShardSet set, int globalBatch, int processes, IteratorState from, int n) {
        List<List<int[]>> parts = new ArrayList<>();
        for (int p = 0; p < processes; p++) {
            BatchLayout layout = new BatchLayout(globalBatch / processes, 16, 31, true, p, processes);
            parts.add(take(from == null ? new PackedBatchSource(set, layout) : new PackedBatchSource(set, layout, from), n));
        }
        List<int[]> out = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            int[] all = new int[0];
            for (List<int[]> part : parts) {
                int[] b = part.get(k);
                int[] joined = Arrays.copyOf(all, all.length + b.length);
                System.arraycopy(b, 0, joined, all.length, b.length);
                all = joined;
            }
            out.add(all);
        }
        return out;
    }

    @Test
    void nProcessesBatchesAreDisjointPartsOfTheSingleProcessGlobalBatch() throws Exception {
        try (TokenShardSet set = positions(16 * 100 + 1)) { // 100 windows: 12 global batches of 8 cross an epoch
            List<int[]> single = take(new PackedBatchSource(set, new BatchLayout(8, 16, 31, true, 0, 1)), 12);
            for (int n : new int[] {2, 4, 8}) {
                List<int[]> split = globalBatches(set, 8, n, null, 12);
                for (int k = 0; k < 12; k++) {
                    assertArrayEquals(single.get(k), split.get(k), n + " processes, global batch " + k);
                    List<Integer> windows = windowsOf(List.of(split.get(k)), 8, 16);
                    assertEquals(8, windows.stream().distinct().count(), "no window twice in one global batch");
                }
            }
        }
    }

    @Test
    void aRunResumesWithAnotherNumberOfProcessesWithoutRepeatingOrSkippingData() throws Exception {
        try (TokenShardSet set = positions(16 * 100 + 1)) {
            List<int[]> single = take(new PackedBatchSource(set, new BatchLayout(8, 16, 31, true, 0, 1)), 20);
            // 2 processes for 7 global batches, then process 0's state (as a checkpoint keeps it) resumed by 4, then by 1.
            PackedBatchSource p0 = new PackedBatchSource(set, new BatchLayout(4, 16, 31, true, 0, 2));
            take(p0, 7);
            IteratorState atSeven = IteratorState.fromJson(p0.state().toJson());
            List<int[]> run = new ArrayList<>(globalBatches(set, 8, 2, null, 7));
            run.addAll(globalBatches(set, 8, 4, atSeven, 6));
            PackedBatchSource q0 = new PackedBatchSource(set, new BatchLayout(2, 16, 31, true, 0, 4), atSeven);
            take(q0, 6);
            run.addAll(globalBatches(set, 8, 1, q0.state(), 7));
            for (int k = 0; k < 20; k++) assertArrayEquals(single.get(k), run.get(k), "global batch " + k);

            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new PackedBatchSource(set, new BatchLayout(4, 16, 31, true, 0, 4), atSeven));
            assertTrue(e.getMessage().contains("(global batch 8), this iterator has") && e.getMessage().endsWith("(global batch 16)"), e.getMessage());
        }
    }

    @Test
    void aStateFromOtherSettingsIsRefused() throws Exception {
        try (TokenShardSet set = positions(3000)) {
            PackedBatchSource src = new PackedBatchSource(set, new BatchLayout(2, 64, 7, true, 0, 1));
            src.next();
            IteratorState saved = src.state();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new PackedBatchSource(set, new BatchLayout(4, 64, 7, true, 0, 1), saved));
            assertTrue(e.getMessage().startsWith("iterator state was saved with BatchLayout[batchSize=2"), e.getMessage());
        }
    }

    @Test
    void tooFewTokensForOneWindowIsRefusedByName() throws Exception {
        try (TokenShardSet set = positions(10)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new PackedBatchSource(set, new BatchLayout(1, 16, 0, false, 0, 1)));
            assertTrue(e.getMessage().contains("10 tokens, fewer than one window"), e.getMessage());
        }
    }

    private static List<Integer> windowsOf(List<int[]> batches, int batch, int seqLen) {
        List<Integer> out = new ArrayList<>();
        for (int[] b : batches) {
            for (int row = 0; row < batch; row++) {
                int first = b[row * (seqLen + 1)];
                assertEquals(0, first % seqLen, "window must start on a multiple of seqLen");
                int[] expected = new int[seqLen + 1];
                for (int t = 0; t <= seqLen; t++) expected[t] = first + t;
                assertArrayEquals(expected, Arrays.copyOfRange(b, row * (seqLen + 1), (row + 1) * (seqLen + 1)));
                out.add(first / seqLen);
            }
        }
        return out;
    }

    private static List<Integer> range(int n) {
        List<Integer> r = new ArrayList<>();
        for (int i = 0; i < n; i++) r.add(i);
        return r;
    }
}
