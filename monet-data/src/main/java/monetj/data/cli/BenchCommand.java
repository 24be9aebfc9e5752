package monetj.data.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import monetj.data.iter.BatchLayout;
import monetj.data.iter.BatchSource;
import monetj.data.iter.PackedBatchSource;
import monetj.data.iter.PrefetchingBatchIterator;
import monetj.data.iter.StreamingBatchSource;
import monetj.data.shard.TokenShardSet;
import monetj.data.source.InputFiles;
import monetj.data.source.SkipLog;
import monetj.data.tokenizer.TextTokenizer;
import monetj.data.tokenizer.TokenizerLocator;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code monet data bench}: how fast the training iterator delivers batches. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Measure the batch iterator: batches/s and tokens/s from prepared shards (--shards) or streaming from text (--stream).")
public final class BenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    static final class Source {
        @Option(names = "--shards", description = "Token shard directory.")
        Path shards;

        @Option(names = "--stream", description = "Parquet/JSON-lines files or globs, tokenized on the fly.")
        List<String> stream;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Source source;

    @Option(names = {"-t", "--tokenizer"}, defaultValue = TokenizerLocator.LLAMA2, description = "Tokenizer for --stream. Default: ${DEFAULT-VALUE}.")
    String tokenizer;

    @Option(names = "--batch", defaultValue = "8", description = "Sequences per batch. Default: ${DEFAULT-VALUE}.")
    int batch;

    @Option(names = "--seq-len", defaultValue = "2048", description = "Sequence length. Default: ${DEFAULT-VALUE}.")
    int seqLen;

    @Option(names = "--seconds", defaultValue = "5", description = "How long to measure. Default: ${DEFAULT-VALUE}.")
    double seconds;

    @Option(names = "--prefetch", defaultValue = "4", description = "Batches kept ready by the background thread. Default: ${DEFAULT-VALUE}.")
    int prefetch;

    @Override
    public Integer call() {
        BatchLayout layout = new BatchLayout(batch, seqLen, 1234, true, 0, 1);
        if (source.shards != null) {
            try (TokenShardSet set = TokenShardSet.open(source.shards)) {
                measure(new PackedBatchSource(set, layout), "prepared shards " + source.shards);
            }
        } else {
            try (TextTokenizer tok = TextTokenizer.load(TokenizerLocator.resolve(tokenizer))) {
                measure(new StreamingBatchSource(InputFiles.expand(source.stream), "text", tok, layout, false, new SkipLog()), "streaming " + source.stream);
            }
        }
        return 0;
    }

    private void measure(BatchSource batches, String what) {
        try (PrefetchingBatchIterator it = new PrefetchingBatchIterator(batches, prefetch)) {
            for (int i = 0; i < 3; i++) it.next(); // warm-up: JIT, page cache
            long start = System.nanoTime();
            long n = 0;
            long checksum = 0;
            while (System.nanoTime() - start < seconds * 1e9) {
                checksum += it.next().tokens().ints()[0];
                n++;
            }
            double s = (System.nanoTime() - start) / 1e9;
            double tokens = (double) n * batch * seqLen / s;
            spec.commandLine().getOut().printf(Locale.ROOT, "%s: batch %d x %d: %,.1f batches/s, %s tokens/s (%d batches in %.1f s, %d cores; checksum %d)%n",
                    what, batch, seqLen + 1, n / s, ProgressBar.human(tokens), n, s, Runtime.getRuntime().availableProcessors(), checksum);
        }
    }
}
