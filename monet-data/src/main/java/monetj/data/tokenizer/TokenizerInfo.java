package monetj.data.tokenizer;

/**
 * What identifies a tokenizer in a token shard's index: where it was loaded from, the SHA-256 of its
 * tokenizer.json, its vocabulary size and its BOS/EOS ids.
 */
public record TokenizerInfo(String source, String sha256, int vocabSize, int bosId, int eosId) {}
