package monetj.train.run;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import monetj.data.iter.BatchLayout;
import monetj.data.iter.BatchSource;
import monetj.data.iter.IteratorState;
import monetj.data.iter.PackedBatchSource;
import monetj.data.iter.StreamingBatchSource;
import monetj.data.shard.TokenShardSet;
import monetj.data.source.InputFiles;
import monetj.data.source.SkipLog;
import monetj.data.tokenizer.TextTokenizer;
import monetj.data.tokenizer.TokenizerLocator;
import monetj.train.config.ConfigException;

/**
 * Opens the batch source a run config names: a directory of prepared token shards, or parquet / JSON-lines
 * files (paths or globs, comma-separated) tokenized on the fly. Either way the source checks that the
 * tokenizer's vocabulary fits the model.
 */
final class TrainingData {
    private TrainingData() {}

    static BatchSource open(String spec, String tokenizer, boolean eos, BatchLayout layout, IteratorState state, int modelVocab, String key)
            throws IOException {
        if (spec == null || spec.isBlank()) throw new ConfigException(key, "is required (a token shard directory or parquet/JSONL files)");
        Path dir = Path.of(spec);
        if (Files.isDirectory(dir)) {
            TokenShardSet shards = TokenShardSet.open(dir);
            TextTokenizer.requireFitsModel(shards.index().tokenizer(), modelVocab);
            return state == null ? new PackedBatchSource(shards, layout) : new PackedBatchSource(shards, layout, state);
        }
        List<Path> files;
        try {
            files = InputFiles.expand(List.of(spec.split(",")));
        } catch (RuntimeException e) {
            throw new ConfigException(key, "matches no readable data: " + e.getMessage());
        }
        TextTokenizer tok = TextTokenizer.load(TokenizerLocator.resolve(tokenizer));
        TextTokenizer.requireFitsModel(tok.info(), modelVocab);
        SkipLog skips = new SkipLog();
        return state == null
                ? new StreamingBatchSource(files, "text", tok, layout, eos, skips)
                : new StreamingBatchSource(files, "text", tok, layout, eos, skips, state);
    }
}
