package monetj.data.shard;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import monetj.data.tokenizer.TokenizerInfo;

/** Writes a token shard directory straight from id lists, for iterator tests that need exact token values. */
public final class TokenShardFixture {
    private TokenShardFixture() {}

    /** Documents are stored as given (the caller decides about BOS); a new shard starts every {@code docsPerShard}. */
    public static Path write(Path dir, List<int[]> documents, int vocabSize, int docsPerShard) throws IOException {
        Files.createDirectories(dir);
        TokenWidth width = TokenWidth.forVocab(vocabSize);
        List<TokenShardIndex.Shard> shards = new ArrayList<>();
        long tokens = 0;
        TokenShardWriter w = null;
        for (int d = 0; d < documents.size(); d++) {
            if (d % docsPerShard == 0) {
                if (w != null) shards.add(w.finish());
                w = new TokenShardWriter(dir, shards.size(), width);
            }
            w.append(documents.get(d), vocabSize);
            tokens += documents.get(d).length;
        }
        if (w != null) shards.add(w.finish());
        TokenizerInfo info = new TokenizerInfo("test", "0".repeat(64), vocabSize, 1, 2);
        new TokenShardIndex(TokenShardIndex.FORMAT, width, info, false, documents.size(), tokens, shards, List.of(), List.of(), null)
                .write(dir.resolve(TokenShardIndex.FILE_NAME));
        return dir;
    }
}
