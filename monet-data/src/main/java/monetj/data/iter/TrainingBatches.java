package monetj.data.iter;

import java.nio.file.Path;
import java.util.List;
import monetj.data.shard.TokenShardSet;
import monetj.data.source.InputFiles;
import monetj.data.source.SkipLog;
import monetj.data.tokenizer.TextTokenizer;
import monetj.data.tokenizer.TokenizerLocator;

/**
 * What a training loop opens: a prefetching batch iterator over prepared shards or streamed text, checked
 * against the model's vocabulary, optionally resumed from a saved state. Closing the iterator releases the
 * shards or the tokenizer it opened.
 */
public final class TrainingBatches {
    private static final int PREFETCH = 4;

    private TrainingBatches() {}

    /** Batches from a token shard directory made by {@code monet data prepare}; {@code resume} may be null. */
    public static PrefetchingBatchIterator fromShards(Path dir, BatchLayout layout, int modelVocabSize, IteratorState resume) {
        TokenShardSet set = TokenShardSet.open(dir);
        try {
            TextTokenizer.requireFitsModel(set.index().tokenizer(), modelVocabSize);
            Integer maxId = set.index().maxTokenId();
            if (maxId != null && maxId >= modelVocabSize) {
                throw new IllegalArgumentException(dir + " holds token ids up to " + maxId + " (index.json max_token_id), beyond the model's vocab_size of "
                        + modelVocabSize + "; prepare the shards with the model's tokenizer");
            }
            PackedBatchSource source = resume == null ? new PackedBatchSource(set, layout) : new PackedBatchSource(set, layout, resume);
            return new PrefetchingBatchIterator(new Owning(new VocabularyGuard(source, modelVocabSize, dir.toString()), set), PREFETCH);
        } catch (RuntimeException e) {
            set.close();
            throw e;
        }
    }

    /** Batches tokenized on the fly from Parquet/JSON-lines files or globs; {@code resume} may be null. */
    public static PrefetchingBatchIterator streaming(List<String> inputs, String textColumn, String tokenizer, boolean eos, BatchLayout layout,
            int modelVocabSize, IteratorState resume, SkipLog skips) {
        List<Path> files = InputFiles.expand(inputs);
        TextTokenizer tok = TextTokenizer.load(TokenizerLocator.resolve(tokenizer));
        try {
            TextTokenizer.requireFitsModel(tok.info(), modelVocabSize);
            StreamingBatchSource source = resume == null
                    ? new StreamingBatchSource(files, textColumn, tok, layout, eos, skips)
                    : new StreamingBatchSource(files, textColumn, tok, layout, eos, skips, resume);
            return new PrefetchingBatchIterator(new Owning(source, tok), PREFETCH);
        } catch (RuntimeException e) {
            tok.close();
            throw e;
        }
    }

    /** A source that also closes what it reads from. */
    private record Owning(BatchSource source, AutoCloseable resource) implements BatchSource {
        @Override
        public TokenBatch next() { return source.next(); }

        @Override
        public IteratorState state() { return source.state(); }

        @Override
        public void close() {
            source.close();
            try {
                resource.close();
            } catch (Exception e) {
                throw new IllegalStateException("cannot close " + resource + ": " + e.getMessage(), e);
            }
        }
    }
}
