package monetj.data.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import monetj.data.chat.ChatTemplate;
import monetj.data.shard.ChatShardPreparer;
import monetj.data.shard.LossMaskShards;
import monetj.data.shard.ShardPreparer;
import monetj.data.shard.TokenShardIndex;
import monetj.data.source.InputFiles;
import monetj.data.source.SkipLog;
import monetj.data.tokenizer.TextTokenizer;
import monetj.data.tokenizer.TokenizerLocator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code monet data prepare}: Parquet/JSON-lines text to a token shard directory. */
@Command(name = "prepare", mixinStandardHelpOptions = true,
        description = "Tokenize Parquet or JSON-lines files into a token shard directory (BOS before each document).")
public final class PrepareCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = {"-i", "--input"}, required = true,
            description = "Input files, directories or globs (quote them), e.g. 'fineweb-edu/sample/*.parquet'. Repeatable.")
    List<String> inputs;

    @Option(names = {"-o", "--out"}, required = true, description = "Output directory (created atomically).")
    Path out;

    @Option(names = {"-t", "--tokenizer"}, defaultValue = TokenizerLocator.LLAMA2,
            description = "'llama2' (the converted LLaMA-2 tokenizer; see scripts/fetch-tokenizer.sh) or a path to a tokenizer.json. Default: ${DEFAULT-VALUE}.")
    String tokenizer;

    @Option(names = "--text-column", defaultValue = "text", description = "Column (JSON field) holding the text. Default: ${DEFAULT-VALUE}.")
    String textColumn;

    @Option(names = "--eos", description = "Also end every document with EOS.")
    boolean eos;

    @Option(names = "--shard-tokens", defaultValue = "268435456", description = "Most tokens per shard file. Default: ${DEFAULT-VALUE}.")
    long shardTokens;

    @Option(names = "--threads", description = "Tokenizer threads. Default: the number of cores.")
    Integer threads;

    @Option(names = "--overwrite", description = "Replace the output directory if it exists.")
    boolean overwrite;

    @Option(names = "--holdout-every", defaultValue = "0", paramLabel = "N",
            description = "Hold out every N-th document (in input order) for validation: they are left out of the shards.")
    int holdoutEvery;

    @Option(names = "--holdout", description = "Write only the held-out documents (run once without and once with this flag for disjoint train/validation sets).")
    boolean holdoutOnly;

    @Option(names = "--format", defaultValue = "text",
            description = "text (a text column) or chat (JSON lines {\"messages\": [{\"role\", \"content\"}, ...]} rendered with the tokenizer's chat template,"
                    + " with a loss mask over the assistant's tokens). Default: ${DEFAULT-VALUE}.")
    String format;

    @Override
    public Integer call() throws Exception {
        if (format.equals("chat")) return prepareChat();
        if (!format.equals("text")) throw new IllegalArgumentException("--format must be text or chat, got " + format);
        List<Path> files = InputFiles.expand(inputs);
        int t = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        long start = System.nanoTime();
        TokenShardIndex index;
        try (TextTokenizer tok = TextTokenizer.load(TokenizerLocator.resolve(tokenizer))) {
            var options = new ShardPreparer.Options(files, textColumn, out, eos, shardTokens, t, overwrite, holdoutEvery, holdoutOnly);
            index = ShardPreparer.prepare(options, tok, new ProgressBar(spec.commandLine().getErr()));
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        var o = spec.commandLine().getOut();
        o.printf(Locale.ROOT, "wrote %s%n", out.toAbsolutePath());
        o.printf(Locale.ROOT, "  input files  %,d%n", files.size());
        o.printf(Locale.ROOT, "  documents    %,d%n", index.documents());
        o.printf(Locale.ROOT, "  tokens       %,d (%s, %d shard%s)%n", index.tokens(), index.width().name().toLowerCase(Locale.ROOT),
                index.shards().size(), index.shards().size() == 1 ? "" : "s");
        o.printf(Locale.ROOT, "  skipped      %,d documents%n", index.skippedDocuments());
        for (SkipLog.Entry e : index.skipped()) o.printf(Locale.ROOT, "    %,d %s (first: %s)%n", e.count(), e.reason(), String.join("; ", e.examples()));
        o.printf(Locale.ROOT, "  time         %.1f s, %s tokens/s with %d thread%s%n", seconds, ProgressBar.human(index.tokens() / seconds), t, t == 1 ? "" : "s");
        return 0;
    }

    private int prepareChat() throws Exception {
        List<Path> files = InputFiles.expand(inputs);
        Path tokenizerJson = TokenizerLocator.resolve(tokenizer);
        ChatShardPreparer.Result r;
        ChatTemplate template;
        try (TextTokenizer tok = TextTokenizer.load(tokenizerJson)) {
            template = ChatTemplate.forTokenizer(tokenizerJson, tok.decodeToken(tok.info().bosId()), tok.decodeToken(tok.info().eosId()));
            r = ChatShardPreparer.prepare(new ChatShardPreparer.Options(files, out, shardTokens, overwrite, holdoutEvery, holdoutOnly), tok, template);
        }
        TokenShardIndex index = r.index();
        var o = spec.commandLine().getOut();
        o.printf(Locale.ROOT, "wrote %s (chat, loss mask in %s/)%n", out.toAbsolutePath(), LossMaskShards.DIR_NAME);
        o.printf(Locale.ROOT, "  template       %s%n", template.source());
        o.printf(Locale.ROOT, "  conversations  %,d%n", index.documents());
        o.printf(Locale.ROOT, "  tokens         %,d, of which %,d the assistant's (in the loss)%n", index.tokens(), r.assistantTokens());
        o.printf(Locale.ROOT, "  skipped        %,d conversations%n", index.skippedDocuments());
        for (SkipLog.Entry e : index.skipped()) o.printf(Locale.ROOT, "    %,d %s (first: %s)%n", e.count(), e.reason(), String.join("; ", e.examples()));
        return 0;
    }
}
