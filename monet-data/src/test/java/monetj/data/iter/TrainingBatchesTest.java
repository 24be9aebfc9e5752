package monetj.data.iter;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import monetj.data.parquet.TestParquet;
import monetj.data.shard.ShardPreparer;
import monetj.data.source.SkipLog;
import monetj.data.tokenizer.TestTokenizers;
import monetj.data.tokenizer.TextTokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The training loop's entry points: the same packing from shards and from streamed text; vocab checked. */
class TrainingBatchesTest {
    @TempDir
    Path tmp;

    @Test
    void preparedAndStreamedBatchesAreTheSameWhenUnshuffled() throws Exception {
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < 40; i++) texts.add("the cat " + i + " in a hat".repeat(i % 5 + 1));
        Path in = TestParquet.texts(tmp.resolve("a.parquet"), texts, 8);
        Path tokenizer = TestTokenizers.write(tmp, 0);
        try (TextTokenizer tok = TextTokenizer.load(tokenizer)) {
            ShardPreparer.prepare(new ShardPreparer.Options(List.of(in), "text", tmp.resolve("shards"), false, 1 << 20, 1, false), tok, (f, d, t) -> {});
        }
        BatchLayout layout = new BatchLayout(2, 16, 0, false, 0, 1);
        try (PrefetchingBatchIterator prepared = TrainingBatches.fromShards(tmp.resolve("shards"), layout, 32000, null);
                PrefetchingBatchIterator streamed = TrainingBatches.streaming(List.of(in.toString()), "text", tokenizer.toString(), false, layout, 32000, null,
                        new SkipLog())) {
            for (int i = 0; i < 10; i++) assertArrayEquals(prepared.next().tokens().ints(), streamed.next().tokens().ints(), "batch " + i);
        }
    }

    @Test
    void shardsFromATokenizerLargerThanTheModelAreRefused() throws Exception {
        Path in = TestParquet.texts(tmp.resolve("a.parquet"), List.of("the cat in a hat"), 8);
        int vocab;
        try (TextTokenizer tok = TextTokenizer.load(TestTokenizers.write(tmp, 70000))) {
            vocab = tok.vocabSize();
            ShardPreparer.prepare(new ShardPreparer.Options(List.of(in), "text", tmp.resolve("shards"), false, 1 << 20, 1, false), tok, (f, d, t) -> {});
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TrainingBatches.fromShards(tmp.resolve("shards"), new BatchLayout(1, 4, 0, false, 0, 1), 32000, null));
        assertTrue(vocab > 70000 && e.getMessage().contains("has " + vocab + " tokens but the model's vocab_size is 32000"), e.getMessage());
    }
}
