package monetj.train.run;

import java.nio.file.Path;
import monetj.data.shard.TokenShardIndex;
import monetj.data.tokenizer.TextTokenizer;
import monetj.data.tokenizer.TokenizerInfo;
import monetj.data.tokenizer.TokenizerLocator;

/**
 * Token shards are ids of one tokenizer: training on them with another named in the run config (or with an index
 * whose vocabulary was edited) would pair every id with the wrong text. Both identities (tokenizer.json SHA-256,
 * vocabulary size, BOS/EOS) must agree; {@code data.allow_tokenizer_mismatch: true} skips this when they are known
 * to be equivalent.
 */
final class ShardTokenizerIdentity {
    private ShardTokenizerIdentity() {}

    static void require(Path shards, String tokenizer) {
        TokenizerInfo prepared = TokenShardIndex.read(shards).tokenizer();
        TokenizerInfo named;
        try (TextTokenizer t = TextTokenizer.load(TokenizerLocator.resolve(tokenizer))) {
            named = t.info();
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("cannot load data.tokenizer '" + tokenizer + "' to check it against the shards' tokenizer ("
                    + e.getMessage() + "); set data.allow_tokenizer_mismatch: true to train without the check", e);
        }
        boolean same = prepared.sha256().equals(named.sha256()) && prepared.vocabSize() == named.vocabSize()
                && prepared.bosId() == named.bosId() && prepared.eosId() == named.eosId();
        if (!same) {
            throw new IllegalArgumentException(shards + " was prepared with tokenizer " + describe(prepared) + ", but data.tokenizer is "
                    + describe(named) + "; prepare the shards again with data.tokenizer, or set data.allow_tokenizer_mismatch: true if the ids agree");
        }
    }

    private static String describe(TokenizerInfo t) {
        return t.source() + " (sha256 " + t.sha256() + ", vocabulary " + t.vocabSize() + ", bos " + t.bosId() + ", eos " + t.eosId() + ")";
    }
}
