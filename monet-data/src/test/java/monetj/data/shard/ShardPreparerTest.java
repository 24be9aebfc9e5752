package monetj.data.shard;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import monetj.data.parquet.TestParquet;
import monetj.data.source.DataInputException;
import monetj.data.source.SkipLog;
import monetj.data.tokenizer.TestTokenizers;
import monetj.data.tokenizer.TextTokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** prepare: documents in order, BOS first, boundaries and counts right, skips reported, written atomically. */
class ShardPreparerTest {
    @TempDir
    Path tmp;

    private static final ShardPreparer.Progress QUIET = (f, d, t) -> {};

    private List<String> texts(int n, String prefix) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) out.add(prefix + " the cat " + i + " sat in a hat" + " again".repeat(i % 9));
        return out;
    }

    private TokenShardIndex prepare(List<Path> inputs, Path out, TextTokenizer tok, long shardTokens, int threads, boolean eos) throws IOException {
        return ShardPreparer.prepare(new ShardPreparer.Options(inputs, "text", out, eos, shardTokens, threads, false), tok, QUIET);
    }

    @Test
    void holdoutSplitsDocumentsIntoDisjointTrainingAndValidationSets() throws Exception {
        List<String> a = texts(23, "A");
        Path in = tmp.resolve("a.jsonl");
        Files.write(in, a.stream().map(t -> "{\"text\": \"" + t + "\"}").toList());
        try (TextTokenizer tok = TextTokenizer.load(TestTokenizers.write(tmp, 0))) {
            var train = ShardPreparer.prepare(new ShardPreparer.Options(List.of(in), "text", tmp.resolve("train"), false, 1 << 20, 2, false, 5, false), tok, QUIET);
            var valid = ShardPreparer.prepare(new ShardPreparer.Options(List.of(in), "text", tmp.resolve("valid"), false, 1 << 20, 2, false, 5, true), tok, QUIET);
            assertEquals(19, train.documents());
            assertEquals(4, valid.documents()); // ordinals 4, 9, 14, 19
            try (TokenShardSet t = TokenShardSet.open(tmp.resolve("train")); TokenShardSet v = TokenShardSet.open(tmp.resolve("valid"))) {
                assertEquals(a.get(4), tok.decode(java.util.Arrays.copyOfRange(v.document(0), 1, v.document(0).length)));
                assertEquals(a.get(5), tok.decode(java.util.Arrays.copyOfRange(t.document(4), 1, t.document(4).length)));
            }
        }
        var e = assertThrows(IllegalArgumentException.class, () -> new ShardPreparer.Options(List.of(in), "text", tmp.resolve("x"), false, 1, 1, false, 0, true));
        assertTrue(e.getMessage().contains("--holdout-every"), e.getMessage());
    }

    @Test
    void documentsAreStoredInInputOrderEachStartingWithBos() throws Exception {
        List<String> a = texts(40, "A");
        List<String> b = texts(25, "B");
        Path pa = TestParquet.texts(tmp.resolve("a.parquet"), a, 6);
        Path pb = tmp.resolve("b.jsonl");
        Files.write(pb, b.stream().map(t -> "{\"text\": \"" + t + "\"}").toList());
        try (TextTokenizer tok = TextTokenizer.load(TestTokenizers.write(tmp, 0))) {
            TokenShardIndex index = prepare(List.of(pa, pb), tmp.resolve("out"), tok, 300, 2, false);
            assertEquals(65, index.documents());
            assertTrue(index.shards().size() > 3, "a 300-token cap must split the output into several shards");
            assertEquals(TokenWidth.UINT16, index.width());
            assertEquals(List.of(40L, 25L), index.sources().stream().map(TokenShardIndex.Source::documents).toList());
            List<String> all = new ArrayList<>(a);
            all.addAll(b);
            try (TokenShardSet set = TokenShardSet.open(tmp.resolve("out"))) {
                set.verifyChecksums();
                long total = 0;
                for (int d = 0; d < all.size(); d++) {
                    int[] ids = tok.encode(all.get(d));
                    int[] expected = new int[ids.length + 1];
                    expected[0] = 1;
                    System.arraycopy(ids, 0, expected, 1, ids.length);
                    assertArrayEquals(expected, set.document(d), "document " + d);
                    total += expected.length;
                }
                assertEquals(total, set.tokenCount());
                for (TokenShardIndex.Shard s : index.shards()) assertTrue(s.tokens() <= 300 || s.documents() == 1);
            }
        }
    }

    @Test
    void outputDoesNotDependOnTheThreadCount() throws Exception {
        Path in = TestParquet.texts(tmp.resolve("a.parquet"), texts(700, "X"), 50);
        try (TextTokenizer tok = TextTokenizer.load(TestTokenizers.write(tmp, 0))) {
            TokenShardIndex one = prepare(List.of(in), tmp.resolve("one"), tok, 1 << 20, 1, true);
            TokenShardIndex two = prepare(List.of(in), tmp.resolve("two"), tok, 1 << 20, 2, true);
            assertEquals(one.shards(), two.shards());
            try (TokenShardSet set = TokenShardSet.open(tmp.resolve("one"))) {
                int[] first = set.document(0);
                assertEquals(2, first[first.length - 1], "--eos ends every document with EOS");
            }
        }
    }

    @Test
    void wideVocabulariesAreStoredAsUint32() throws Exception {
        Path in = TestParquet.texts(tmp.resolve("a.parquet"), texts(5, "W"), 50);
        try (TextTokenizer tok = TextTokenizer.load(TestTokenizers.write(tmp, 70000))) {
            TokenShardIndex index = prepare(List.of(in), tmp.resolve("out"), tok, 1 << 20, 1, false);
            assertEquals(TokenWidth.UINT32, index.width());
            assertEquals(index.tokens() * 4, Files.size(tmp.resolve("out").resolve(index.shards().getFirst().tokensFile())));
            try (TokenShardSet set = TokenShardSet.open(tmp.resolve("out"))) {
                assertEquals(1, set.document(4)[0]);
                assertArrayEquals(tok.encode(texts(5, "W").get(4)), Arrays.copyOfRange(set.document(4), 1, set.document(4).length));
            }
        }
    }

    @Test
    void skippedDocumentsAreCountedAndNamedInTheIndex() throws Exception {
        byte[] invalid = {'x', (byte) 0xC0};
        Path in = TestParquet.texts(tmp.resolve("a.parquet"), Arrays.asList("good one", null, invalid, "good two", ""), 50);
        try (TextTokenizer tok = TextTokenizer.load(TestTokenizers.write(tmp, 0))) {
            TokenShardIndex index = prepare(List.of(in), tmp.resolve("out"), tok, 1 << 20, 1, false);
            assertEquals(2, index.documents());
            assertEquals(3, index.skippedDocuments());
            assertEquals(List.of(new SkipLog.Entry("null text", 1, List.of(in + " row 1")), new SkipLog.Entry("invalid UTF-8", 1, List.of(in + " row 2")),
                    new SkipLog.Entry("empty text", 1, List.of(in + " row 4"))), TokenShardIndex.read(tmp.resolve("out")).skipped());
        }
    }

    @Test
    void aFailureLeavesNoOutputAndNoPartialDirectory() throws Exception {
        Path good = TestParquet.texts(tmp.resolve("a.parquet"), texts(10, "G"), 50);
        Path bad = Files.writeString(tmp.resolve("b.jsonl"), "{\"text\": \"fine\"}\n{broken\n");
        try (TextTokenizer tok = TextTokenizer.load(TestTokenizers.write(tmp, 0))) {
            DataInputException e = assertThrows(DataInputException.class, () -> prepare(List.of(good, bad), tmp.resolve("out"), tok, 1 << 20, 2, false));
            assertTrue(e.getMessage().startsWith(bad + " line 2"), e.getMessage());
        }
        assertFalse(Files.exists(tmp.resolve("out")));
        try (Stream<Path> left = Files.list(tmp)) {
            assertEquals(List.of(), left.filter(p -> p.getFileName().toString().contains("partial")).toList());
        }
    }

    @Test
    void anExistingOutputIsNotOverwrittenUnlessAsked() throws Exception {
        Path in = TestParquet.texts(tmp.resolve("a.parquet"), texts(3, "O"), 50);
        Files.createDirectories(tmp.resolve("out"));
        try (TextTokenizer tok = TextTokenizer.load(TestTokenizers.write(tmp, 0))) {
            assertThrows(IllegalArgumentException.class, () -> prepare(List.of(in), tmp.resolve("out"), tok, 1 << 20, 1, false));
            ShardPreparer.prepare(new ShardPreparer.Options(List.of(in), "text", tmp.resolve("out"), false, 1 << 20, 1, true), tok, QUIET);
            assertEquals(3, TokenShardIndex.read(tmp.resolve("out")).documents());
        }
    }

    @Test
    void overwriteNeverReplacesADirectoryThatIsNotAShardDirectory() throws Exception {
        Path in = TestParquet.texts(tmp.resolve("a.parquet"), texts(3, "O"), 50);
        Path precious = Files.createDirectories(tmp.resolve("precious"));
        Files.writeString(precious.resolve("notes.txt"), "keep me");
        try (TextTokenizer tok = TextTokenizer.load(TestTokenizers.write(tmp, 0))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ShardPreparer.prepare(new ShardPreparer.Options(List.of(in), "text", precious, false, 1 << 20, 1, true), tok, QUIET));
            assertTrue(e.getMessage().contains("not a token shard directory"), e.getMessage());
        }
        assertEquals("keep me", Files.readString(precious.resolve("notes.txt")));
    }

    @Test
    void truncatedOrCorruptedShardsAreRefusedByName() throws Exception {
        Path in = TestParquet.texts(tmp.resolve("a.parquet"), texts(30, "T"), 50);
        Path out = tmp.resolve("out");
        try (TextTokenizer tok = TextTokenizer.load(TestTokenizers.write(tmp, 0))) {
            prepare(List.of(in), out, tok, 1 << 20, 1, false);
        }
        Path tokens = out.resolve("shard-00000.tokens");
        byte[] bytes = Files.readAllBytes(tokens);
        bytes[bytes.length / 2] ^= 0x5A;
        Files.write(tokens, bytes);
        try (TokenShardSet set = TokenShardSet.open(out)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, set::verifyChecksums);
            assertTrue(e.getMessage().startsWith(tokens + ": SHA-256"), e.getMessage());
        }
        try (FileChannel ch = FileChannel.open(tokens, StandardOpenOption.WRITE)) {
            ch.truncate(bytes.length - 2);
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TokenShardSet.open(out));
        assertTrue(e.getMessage().startsWith(tokens + ": " + (bytes.length - 2) + " bytes, the index expects " + bytes.length), e.getMessage());
    }

    @Test
    void inputWithNoDocumentsAtAllIsAnError() throws Exception {
        Path in = TestParquet.texts(tmp.resolve("a.parquet"), Arrays.asList(null, ""), 50);
        try (TextTokenizer tok = TextTokenizer.load(TestTokenizers.write(tmp, 0))) {
            DataInputException e = assertThrows(DataInputException.class, () -> prepare(List.of(in), tmp.resolve("out"), tok, 1 << 20, 1, false));
            assertTrue(e.getMessage().startsWith("no documents in"), e.getMessage());
        }
    }

    @Test
    void jsonLinesProgressAdvancesByBytesAndTheLargestIdIsRecorded() throws Exception {
        Path in = tmp.resolve("many.jsonl");
        Files.write(in, texts(2000, "P").stream().map(t -> "{\"text\": \"" + t + "\"}").toList());
        List<Double> fractions = new ArrayList<>();
        try (TextTokenizer tok = TextTokenizer.load(TestTokenizers.write(tmp, 0))) {
            var index = ShardPreparer.prepare(new ShardPreparer.Options(List.of(in), "text", tmp.resolve("out"), false, 1 << 20, 2, false),
                    tok, (f, d, t) -> fractions.add(f));
            assertTrue(fractions.stream().anyMatch(f -> f > 0.2 && f < 0.9), "progress between start and end: " + fractions);
            assertEquals(1.0, fractions.getLast());
            int max = 0;
            try (TokenShardSet set = TokenShardSet.open(tmp.resolve("out"))) {
                for (long d = 0; d < set.documentCount(); d++) for (int id : set.document(d)) max = Math.max(max, id);
            }
            assertEquals(max, index.maxTokenId());
            assertEquals(max, TokenShardIndex.read(tmp.resolve("out")).maxTokenId());
        }
    }

    @Test
    void partialOutputsOfDeadPreparersAreRemovedAndLiveOnesKept() throws Exception {
        Path in = tmp.resolve("a.jsonl");
        Files.write(in, texts(5, "S").stream().map(t -> "{\"text\": \"" + t + "\"}").toList());
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        Path dead = Files.createDirectories(tmp.resolve(".out.partial-" + gone.pid()));
        Files.writeString(dead.resolve("shard-00000.tokens"), "left behind");
        Path live = Files.createDirectories(tmp.resolve(".out.partial-" + ProcessHandle.current().parent().orElseThrow().pid()));
        try (TextTokenizer tok = TextTokenizer.load(TestTokenizers.write(tmp, 0))) {
            prepare(List.of(in), tmp.resolve("out"), tok, 1 << 20, 1, false);
        }
        assertFalse(Files.exists(dead), "a dead preparer's partial output is removed");
        assertTrue(Files.exists(live), "a running preparer's partial output is left alone");
    }

    @Test
    void aShardTruncatedWhileOpenIsAnIoErrorNamingTheFile() throws Exception {
        Path in = tmp.resolve("a.jsonl");
        Files.write(in, texts(400, "T").stream().map(t -> "{\"text\": \"" + t + "\"}").toList());
        try (TextTokenizer tok = TextTokenizer.load(TestTokenizers.write(tmp, 0))) {
            prepare(List.of(in), tmp.resolve("out"), tok, 1 << 20, 1, false);
        }
        Path tokens = tmp.resolve("out/shard-00000.tokens");
        try (TokenShardSet set = TokenShardSet.open(tmp.resolve("out"))) {
            try (FileChannel ch = FileChannel.open(tokens, StandardOpenOption.WRITE)) {
                ch.truncate(0);
            }
            int[] dst = new int[16];
            var e = assertThrows(java.io.UncheckedIOException.class, () -> set.read(set.tokenCount() - 16, dst, 0, 16));
            assertTrue(e.getMessage().startsWith(tokens.toString()) && e.getMessage().contains("truncated"), e.getMessage());
        }
    }
}
