package monetj.train.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import monetj.core.backend.Backend;
import monetj.core.interp.ExpertAtlasPass;
import monetj.core.interp.ExpertAtlasWriter;
import monetj.core.interp.ModelFingerprint;
import monetj.core.interp.RoutingCapture;
import monetj.core.interp.TokenPieces;
import monetj.core.model.HfModelDirectory;
import monetj.core.model.MonetConfig;
import monetj.train.interp.ModelTokenizer;
import monetj.train.interp.PassProgress;
import monetj.train.interp.TokenRows;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code monet experts}: the expert atlas of a model over a corpus, in one streaming pass. */
@Command(name = "experts", mixinStandardHelpOptions = true,
        description = {"Build an expert atlas: one streaming pass over a corpus.",
                "Per routing group and composed expert: activation count, mean and max score,",
                "top contexts. Writes ATLAS/group-G.jsonl (one line per active expert) and",
                "ATLAS/summary.json (tokens, density histograms, the model's config hash)."})
public final class ExpertsCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "Hugging Face model directory")
    Path model;

    @ArgGroup(multiplicity = "1")
    Corpus corpus;

    static final class Corpus {
        @Option(names = "--data", arity = "1..*", description = "token shard directories (monet data prepare), read as rows of --seq-len")
        List<Path> data;

        @Option(names = "--input", description = "safetensors file holding input_ids int32 [B,T]")
        Path input;
    }

    @Option(names = "--out", required = true, description = "atlas directory to write")
    Path out;

    @Option(names = "--top", defaultValue = "20", description = "top contexts kept per expert; default ${DEFAULT-VALUE}")
    int top;

    @Option(names = "--context", defaultValue = "12", description = "tokens shown either side of a top token; default ${DEFAULT-VALUE}")
    int context;

    @Option(names = "--max-tokens", description = "stop after this many tokens (rounded up to whole rows)")
    Long maxTokens;

    @Option(names = "--threshold", defaultValue = "0.01", description = "an expert is active on a token when its score exceeds this; default ${DEFAULT-VALUE}")
    double threshold;

    @Option(names = "--seq-len", defaultValue = "256", description = "row length for --data (capped at max_position_embeddings); default ${DEFAULT-VALUE}")
    int seqLen;

    @Option(names = "--batch", defaultValue = "8", description = "rows per forward pass; default ${DEFAULT-VALUE}")
    int batch;

    @Option(names = "--tokenizer", description = "tokenizer.json for decoded text (default: the model directory's, else the shards')")
    String tokenizer;

    @Mixin
    BackendOptions backendOptions;

    @Override
    public Integer call() throws Exception {
        if (top < 1 || top > 127) throw new IllegalArgumentException("--top must be in [1, 127], got " + top);
        if (context < 0) throw new IllegalArgumentException("--context must not be negative, got " + context);
        if (batch < 1) throw new IllegalArgumentException("--batch must be positive, got " + batch);
        HfModelDirectory.Model m = HfModelDirectory.read(model);
        MonetConfig c = m.config();
        try (TokenRows rows = corpus.input != null ? TokenRows.ofIds(corpus.input) : TokenRows.ofShards(corpus.data, Math.min(seqLen, c.maxPositionEmbeddings()));
                Backend backend = backendOptions.create();
                RoutingCapture capture = new RoutingCapture(c, m.f32Tensors(), backend)) {
            if (rows.seqLen() > c.maxPositionEmbeddings()) throw new IllegalArgumentException("rows of " + rows.seqLen() + " tokens exceed max_position_embeddings " + c.maxPositionEmbeddings());
            long rowCount = maxTokens == null ? rows.rows() : Math.min(rows.rows(), (maxTokens + rows.seqLen() - 1) / rows.seqLen());
            Path tokJson = ModelTokenizer.find(tokenizer, model, rows.tokenizer());
            TokenPieces pieces = ModelTokenizer.pieces(tokJson);
            ExpertAtlasPass pass = new ExpertAtlasPass(c, capture, top, threshold);
            long t0 = System.nanoTime();
            pass.run(r -> checkIds(rows.row(r), c, r), rowCount, rows.seqLen(), batch, new PassProgress(System.err));
            double seconds = (System.nanoTime() - t0) / 1e9;
            long w0 = System.nanoTime();
            ExpertAtlasWriter.write(out, pass.statistics(), c.routerLayers(), c.moeExperts(),
                    new ExpertAtlasWriter.Provenance(model.toAbsolutePath().toString(), ModelFingerprint.of(c), rows.sources(),
                            tokJson == null ? null : tokJson.toAbsolutePath().toString(), rows.seqLen(), context),
                    rows::row, pieces);
            System.err.printf(Locale.ROOT, "monet experts: %,d tokens in %.2f s (%.0f tokens/s: routing %.2f s, expert bookkeeping %.2f s), atlas written in %.2f s to %s%n",
                    pass.tokens(), seconds, pass.tokens() / seconds, pass.routingSeconds(), pass.bookkeepingSeconds(), (System.nanoTime() - w0) / 1e9, out);
        }
        return 0;
    }

    private static int[] checkIds(int[] ids, MonetConfig c, long row) {
        for (int p = 0; p < ids.length; p++) {
            if (ids[p] < 0 || ids[p] >= c.vocabSize()) {
                throw new IllegalArgumentException("row " + row + " position " + p + ": token id " + ids[p] + " is outside the vocabulary [0, " + c.vocabSize() + ")");
            }
        }
        return ids;
    }
}
