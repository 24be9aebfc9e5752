package monetj.data.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import monetj.data.shard.TokenShardIndex;
import monetj.data.shard.TokenShardSet;
import monetj.data.source.SkipLog;
import monetj.data.tokenizer.TextTokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code monet data inspect DIR}: what a token shard directory holds. */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = "Show counts, a document-length histogram and decoded samples of a token shard directory.")
public final class InspectCommand implements Callable<Integer> {
    private static final int SAMPLE_CHARS = 300;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", description = "Token shard directory (made by 'monet data prepare').")
    Path dir;

    @Option(names = "--doc", description = "Print only the token ids of document I (0-based), space-separated on one line.")
    Long doc;

    @Option(names = "--samples", defaultValue = "3", description = "Decoded documents to show. Default: ${DEFAULT-VALUE}.")
    int samples;

    @Option(names = "--verify", description = "Also check every file's SHA-256 against the index.")
    boolean verify;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        try (TokenShardSet set = TokenShardSet.open(dir)) {
            if (doc != null) {
                out.println(Arrays.stream(set.document(doc)).mapToObj(Integer::toString).collect(Collectors.joining(" ")));
                return 0;
            }
            TokenShardIndex index = set.index();
            out.printf(Locale.ROOT, "%s%n", dir.toAbsolutePath());
            out.printf(Locale.ROOT, "  documents  %,d%n  tokens     %,d (%s, BOS per document%s)%n", index.documents(), index.tokens(),
                    index.width().name().toLowerCase(Locale.ROOT), index.eos() ? ", EOS after each" : "");
            out.printf(Locale.ROOT, "  shards     %,d%n  tokenizer  %s (vocab %,d, sha256 %s)%n", index.shards().size(), index.tokenizer().source(),
                    index.tokenizer().vocabSize(), index.tokenizer().sha256().substring(0, 16));
            out.printf(Locale.ROOT, "  sources    %,d file%s%n", index.sources().size(), index.sources().size() == 1 ? "" : "s");
            for (TokenShardIndex.Source s : index.sources()) out.printf(Locale.ROOT, "    %s: %,d documents, %,d tokens%n", s.path(), s.documents(), s.tokens());
            out.printf(Locale.ROOT, "  skipped    %,d documents%n", index.skippedDocuments());
            for (SkipLog.Entry e : index.skipped()) out.printf(Locale.ROOT, "    %,d %s (first: %s)%n", e.count(), e.reason(), String.join("; ", e.examples()));
            if (verify) {
                set.verifyChecksums();
                out.println("  checksums  all match");
            }
            histogram(set, out);
            samples(set, out);
        }
        return 0;
    }

    /** Document lengths in power-of-two buckets. */
    private static void histogram(TokenShardSet set, PrintWriter out) {
        long[] buckets = new long[64];
        long max = 0;
        for (long d = 0; d < set.documentCount(); d++) {
            long n = set.documentLength(d);
            buckets[63 - Long.numberOfLeadingZeros(Math.max(1, n))]++;
            max = Math.max(max, n);
        }
        long most = Arrays.stream(buckets).max().orElse(1);
        out.printf(Locale.ROOT, "  document length in tokens (longest %,d):%n", max);
        for (int b = 0; b < 64; b++) {
            if (buckets[b] == 0) continue;
            String range = String.format(Locale.ROOT, "%,d-%,d", 1L << b, (2L << b) - 1);
            out.printf(Locale.ROOT, "    %18s %,10d %s%n", range, buckets[b], "#".repeat((int) Math.max(1, 40 * buckets[b] / most)));
        }
    }

    private void samples(TokenShardSet set, PrintWriter out) {
        int n = (int) Math.min(samples, set.documentCount());
        if (n == 0) return;
        Path tokenizerJson = Path.of(set.index().tokenizer().source());
        if (!tokenizerJson.toFile().isFile()) {
            out.printf("  (no samples: the tokenizer %s is not here to decode them)%n", tokenizerJson);
            return;
        }
        try (TextTokenizer tok = TextTokenizer.load(tokenizerJson)) {
            if (!tok.info().sha256().equals(set.index().tokenizer().sha256())) {
                out.printf("  (no samples: %s changed since the shards were made)%n", tokenizerJson);
                return;
            }
            for (int i = 0; i < n; i++) {
                long d = i * (set.documentCount() / n);
                int[] ids = set.document(d);
                String text = tok.decode(Arrays.copyOfRange(ids, 0, Math.min(ids.length, 200)));
                if (text.length() > SAMPLE_CHARS) text = text.substring(0, SAMPLE_CHARS);
                out.printf(Locale.ROOT, "  document %,d (%,d tokens): %s...%n", d, ids.length, text.replace("\n", "\\n"));
            }
        }
    }
}
