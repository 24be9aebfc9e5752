package monetj.train.run;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import monetj.data.iter.BatchLayout;
import monetj.data.iter.IteratorState;
import monetj.data.iter.PrefetchingBatchIterator;
import monetj.data.iter.TrainingBatches;
import monetj.data.shard.LossMaskShards;
import monetj.data.source.SkipLog;
import monetj.train.config.ConfigException;
import monetj.train.config.RunConfig;

/**
 * Opens the batches a run config names: a directory of prepared token shards, or parquet / JSON-lines files
 * (paths or globs, comma-separated) tokenized on the fly. Either way the tokenizer must fit the model.
 */
final class TrainingData {
    private TrainingData() {}

    /** Whether {@code spec} is a prepared directory whose shards carry a loss mask ({@code monet data prepare --format chat}). */
    static boolean hasLossMask(String spec) {
        return spec != null && !spec.isBlank() && Files.isDirectory(Path.of(spec)) && LossMaskShards.present(Path.of(spec));
    }

    static PrefetchingBatchIterator open(String spec, RunConfig.Data data, BatchLayout layout, IteratorState state, int modelVocab, String key) {
        if (spec == null || spec.isBlank()) throw new ConfigException(key, "is required (a token shard directory or parquet/JSONL files)");
        Path dir = Path.of(spec);
        if (!Files.isDirectory(dir) && layout.processCount() > 1) {
            throw new ConfigException(key, "(" + spec + ") streams text files, and a streaming position is per process, so a checkpoint of a run of "
                    + layout.processCount() + " processes could not resume it; prepare token shards with `monet data prepare` for a multi-process run");
        }
        try {
            if (Files.isDirectory(dir)) {
                if (!data.allowTokenizerMismatch()) ShardTokenizerIdentity.require(dir, data.tokenizer());
                return TrainingBatches.fromShards(dir, layout, modelVocab, state);
            }
            return TrainingBatches.streaming(List.of(spec.split(",")), "text", data.tokenizer(), data.eos(), layout, modelVocab, state, new SkipLog());
        } catch (RuntimeException e) {
            throw new ConfigException(key + " (" + spec + "): " + e.getMessage());
        }
    }
}
