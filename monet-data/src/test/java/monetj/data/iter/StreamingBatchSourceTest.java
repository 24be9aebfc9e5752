package monetj.data.iter;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import monetj.data.parquet.TestParquet;
import monetj.data.source.SkipLog;
import monetj.data.tokenizer.TestTokenizers;
import monetj.data.tokenizer.TextTokenizer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Streaming straight from text files: same packing as prepared shards, sharded by row, resumable. */
class StreamingBatchSourceTest {
    @TempDir
    Path tmp;

    TextTokenizer tok;
    List<Path> files;
    List<List<String>> texts = new ArrayList<>();

    @BeforeEach
    void corpus() throws Exception {
        tok = TextTokenizer.load(TestTokenizers.write(tmp, 0));
        files = new ArrayList<>();
        for (int f = 0; f < 3; f++) {
            List<String> t = new ArrayList<>();
            for (int i = 0; i < 9 + 4 * f; i++) t.add("file " + f + " the doc " + i + " in a hat" + " the".repeat((i * 7 + f) % 11));
            texts.add(t);
            files.add(TestParquet.texts(tmp.resolve("f" + f + ".parquet"), t, 4));
        }
        // A JSON-lines file too, with a row that is skipped.
        List<String> t = List.of("json one", "json two the end");
        texts.add(t);
        Path jsonl = tmp.resolve("f3.jsonl");
        Files.write(jsonl, List.of("{\"text\": \"json one\"}", "{\"text\": \"\"}", "{\"text\": \"json two the end\"}"));
        files.add(jsonl);
    }

    @AfterEach
    void close() { tok.close(); }

    private StreamingBatchSource source(BatchLayout layout) {
        return new StreamingBatchSource(files, "text", tok, layout, false, new SkipLog());
    }

    /** The token stream a process should see in one unshuffled epoch: its rows' documents, BOS first. */
    private int[] expectedStream(int process, int processes) {
        List<Integer> out = new ArrayList<>();
        for (int f = 0; f < texts.size(); f++) {
            List<String> t = texts.get(f);
            for (int i = 0; i < t.size(); i++) {
                long row = f == 3 && i == 1 ? 2 : i; // the JSON-lines file's second document is on line 3
                if (row % processes != process) continue;
                out.add(1);
                for (int id : tok.encode(t.get(i))) out.add(id);
            }
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Rebuilds the stream from windows: the first whole, then each next window without its shared first token. */
    private static int[] streamOf(List<TokenBatch> batches, int seqLen) {
        List<Integer> out = new ArrayList<>();
        for (TokenBatch b : batches) {
            int[] ids = b.tokens().ints();
            for (int row = 0; row < ids.length / (seqLen + 1); row++) {
                int start = row * (seqLen + 1);
                if (out.isEmpty()) {
                    for (int t = 0; t <= seqLen; t++) out.add(ids[start + t]);
                } else {
                    assertEquals(out.getLast().intValue(), ids[start], "consecutive windows share their boundary token");
                    for (int t = 1; t <= seqLen; t++) out.add(ids[start + t]);
                }
            }
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    private static List<TokenBatch> take(BatchSource s, int n) {
        List<TokenBatch> out = new ArrayList<>();
        for (int i = 0; i < n; i++) out.add(s.next());
        return out;
    }

    @Test
    void packsDocumentsWithBosIntoOverlappingWindowsAcrossFilesAndEpochs() {
        int seqLen = 13;
        int[] epoch = expectedStream(0, 1);
        try (StreamingBatchSource src = source(new BatchLayout(2, seqLen, 0, false, 0, 1))) {
            int batches = 2 * epoch.length / (2 * seqLen) + 1; // runs into the second epoch
            int[] stream = streamOf(take(src, batches), seqLen);
            for (int i = 0; i < stream.length; i++) assertEquals(epoch[i % epoch.length], stream[i], "token " + i);
        }
    }

    @Test
    void eachProcessReadsItsOwnRowsAndTogetherTheyReadEveryDocumentOnce() {
        int seqLen = 7, processes = 2;
        int total = 0;
        for (int p = 0; p < processes; p++) {
            int[] expected = expectedStream(p, processes);
            total += expected.length;
            try (StreamingBatchSource src = source(new BatchLayout(1, seqLen, 0, false, p, processes))) {
                int[] stream = streamOf(take(src, (expected.length - 1) / seqLen), seqLen);
                assertArrayEquals(Arrays.copyOf(expected, stream.length), stream, "process " + p);
            }
        }
        assertEquals(expectedStream(0, 1).length, total);
    }

    @Test
    void resumingFromASavedStateGivesExactlyTheBatchesThatWouldHaveComeNext() {
        BatchLayout layout = new BatchLayout(3, 11, 77, true, 1, 2);
        List<int[]> straight;
        try (StreamingBatchSource src = source(layout)) {
            straight = take(src, 30).stream().map(b -> b.tokens().ints()).toList(); // several epochs
        }
        for (int k : new int[] {0, 1, 5, 13, 29}) {
            List<int[]> resumed = new ArrayList<>();
            String saved;
            try (StreamingBatchSource first = source(layout)) {
                for (TokenBatch b : take(first, k)) resumed.add(b.tokens().ints());
                saved = first.state().toJson();
            }
            try (StreamingBatchSource second = new StreamingBatchSource(files, "text", tok, layout, false, new SkipLog(), IteratorState.fromJson(saved))) {
                for (TokenBatch b : take(second, 30 - k)) resumed.add(b.tokens().ints());
            }
            for (int i = 0; i < 30; i++) assertArrayEquals(straight.get(i), resumed.get(i), "batch " + i + " after resuming at " + k);
        }
    }

    @Test
    void aStreamingPositionIsPerProcessSoAnotherProcessCountIsRefused() {
        String saved;
        try (StreamingBatchSource src = source(new BatchLayout(2, 11, 77, true, 0, 2))) {
            take(src, 3);
            saved = src.state().toJson();
        }
        var e = assertThrows(IllegalArgumentException.class,
                () -> new StreamingBatchSource(files, "text", tok, new BatchLayout(1, 11, 77, true, 0, 4), false, new SkipLog(), IteratorState.fromJson(saved)));
        assertTrue(e.getMessage().startsWith("this streaming position was saved by process 0 of 2 and cannot be continued by process 0 of 4")
                && e.getMessage().contains("monet data prepare"), e.getMessage());
    }

    @Test
    void shuffledEpochsReadTheFilesInDifferentOrders() {
        int seqLen = 9;
        int perEpoch = (expectedStream(0, 1).length - 1) / seqLen;
        try (StreamingBatchSource a = source(new BatchLayout(1, seqLen, 1, true, 0, 1)); StreamingBatchSource b = source(new BatchLayout(1, seqLen, 2, true, 0, 1))) {
            int[] sa = streamOf(take(a, 4 * perEpoch), seqLen);
            int[] sb = streamOf(take(b, 4 * perEpoch), seqLen);
            assertNotEquals(Arrays.toString(sa), Arrays.toString(sb));
            int[] sorted = expectedStream(0, 1).clone();
            Arrays.sort(sorted);
            int[] firstEpoch = Arrays.copyOf(sa, sorted.length);
            Arrays.sort(firstEpoch);
            assertArrayEquals(sorted, firstEpoch, "an epoch holds every token once, whatever the file order");
        }
    }

    @Test
    void skippedRowsAreCounted() {
        SkipLog skips = new SkipLog();
        try (StreamingBatchSource src = new StreamingBatchSource(files, "text", tok, new BatchLayout(4, 32, 0, false, 0, 1), false, skips)) {
            take(src, 10);
        }
        assertTrue(skips.total() >= 1 && skips.entries().getFirst().reason().equals("empty text"), skips.entries().toString());
    }

    @Test
    void closingWhileDocumentsAreStillBeingTokenizedIsSafe() throws Exception {
        // The tokenizer is native: freeing it under a running encode would crash the JVM, not fail a test.
        List<String> longTexts = new ArrayList<>();
        for (int i = 0; i < 40; i++) longTexts.add("the cat in a hat ".repeat(20_000 + i));
        Path big = TestParquet.texts(tmp.resolve("big.parquet"), longTexts, 8);
        for (int round = 0; round < 5; round++) {
            TextTokenizer own = TextTokenizer.load(TestTokenizers.write(tmp, 0));
            StreamingBatchSource src = new StreamingBatchSource(List.of(big), "text", own, new BatchLayout(1, 8, 0, false, 0, 1), false, new SkipLog());
            src.next();
            src.close();
            own.close();
        }
    }

    @Test
    void aProcessWithNoDocumentsIsToldSo() throws Exception {
        Path one = TestParquet.texts(tmp.resolve("one.parquet"), List.of("only row"), 4);
        try (StreamingBatchSource src = new StreamingBatchSource(List.of(one), "text", tok, new BatchLayout(1, 4, 0, false, 1, 2), false, new SkipLog())) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, src::next);
            assertTrue(e.getMessage().startsWith("no documents for process 1"), e.getMessage());
        }
    }
}
