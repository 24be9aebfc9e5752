package monetj.data.shard;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The loss mask of a chat token shard directory: {@code DIR/loss_mask/} is a token shard directory of its own,
 * document for document and token for token the same layout as {@code DIR}, whose "ids" are 1 where the token
 * is one the loss counts (written by the assistant) and 0 elsewhere. The main directory stays an ordinary token
 * shard directory that every reader understands.
 */
public final class LossMaskShards {
    public static final String DIR_NAME = "loss_mask";

    private LossMaskShards() {}

    /** Whether {@code dir} carries a loss mask. */
    public static boolean present(Path dir) { return Files.isRegularFile(dir.resolve(DIR_NAME).resolve(TokenShardIndex.FILE_NAME)); }

    /** Opens the mask of {@code tokens}, refusing one whose layout differs. */
    public static TokenShardSet open(TokenShardSet tokens) {
        TokenShardSet mask = TokenShardSet.open(tokens.directory().resolve(DIR_NAME));
        if (mask.tokenCount() != tokens.tokenCount() || mask.documentCount() != tokens.documentCount()) {
            mask.close();
            throw new IllegalArgumentException(tokens.directory().resolve(DIR_NAME) + ": " + mask.tokenCount() + " mask values in " + mask.documentCount()
                    + " documents for " + tokens.tokenCount() + " tokens in " + tokens.documentCount() + " (not this directory's mask)");
        }
        return mask;
    }
}
