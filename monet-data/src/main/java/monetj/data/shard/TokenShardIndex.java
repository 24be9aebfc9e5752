package monetj.data.shard;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import monetj.data.source.SkipLog;
import monetj.data.tokenizer.TokenizerInfo;

/**
 * {@code index.json} of a token shard directory: the token width, the tokenizer that produced the ids,
 * each shard's token and document counts and checksums, the input files, and what was skipped. Every
 * document starts with BOS (and ends with EOS when {@code eos} is set); document boundaries are in each
 * shard's {@code .docs} file (uint64 start offsets, one more than documents). {@code maxTokenId} is the largest id
 * written (null in indexes from before it was recorded), checked against the model's vocabulary before training.
 */
public record TokenShardIndex(
        String format,
        TokenWidth width,
        TokenizerInfo tokenizer,
        boolean eos,
        long documents,
        long tokens,
        List<Shard> shards,
        List<Source> sources,
        List<SkipLog.Entry> skipped,
        Integer maxTokenId) {

    public static final String FORMAT = "monet-token-shards/1";
    public static final String FILE_NAME = "index.json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** One binary shard: token file and document-offset file, with their SHA-256. */
    public record Shard(String tokensFile, String docsFile, long documents, long tokens, String tokensSha256, String docsSha256) {}

    /** One input file and how many documents it gave. */
    public record Source(String path, long bytes, long documents, long tokens) {}

    public long skippedDocuments() { return skipped.stream().mapToLong(SkipLog.Entry::count).sum(); }

    public void write(Path file) throws IOException { JSON.writeValue(file.toFile(), this); }

    public static TokenShardIndex read(Path dir) {
        Path file = dir.resolve(FILE_NAME);
        if (!Files.isRegularFile(file)) throw new IllegalArgumentException(dir + ": not a token shard directory (no " + FILE_NAME + "; make one with 'monet data prepare')");
        TokenShardIndex index;
        try {
            index = JSON.readValue(file.toFile(), TokenShardIndex.class);
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": unreadable index: " + e.getMessage(), e);
        }
        if (!FORMAT.equals(index.format())) throw new IllegalArgumentException(file + ": format '" + index.format() + "', this build reads '" + FORMAT + "'");
        return index;
    }
}
