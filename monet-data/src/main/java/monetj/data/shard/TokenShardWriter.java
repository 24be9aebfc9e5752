package monetj.data.shard;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Writes one shard: the token file (ids in the shard's width) and the document-offset file, hashing both
 * as they are written. Documents are appended whole.
 */
final class TokenShardWriter implements AutoCloseable {
    private final String tokensName;
    private final String docsName;
    private final TokenWidth width;
    private final DigestOutputStream tokens;
    private final DigestOutputStream docs;
    private final ByteBuffer scratch = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
    private long tokenCount;
    private long documentCount;

    TokenShardWriter(Path dir, int shardNumber, TokenWidth width) throws IOException {
        this.width = width;
        this.tokensName = String.format("shard-%05d.tokens", shardNumber);
        this.docsName = String.format("shard-%05d.docs", shardNumber);
        this.tokens = new DigestOutputStream(new BufferedOutputStream(Files.newOutputStream(dir.resolve(tokensName)), 1 << 20), sha256());
        this.docs = new DigestOutputStream(new BufferedOutputStream(Files.newOutputStream(dir.resolve(docsName)), 1 << 16), sha256());
        writeLong(docs, 0);
    }

    long tokenCount() { return tokenCount; }

    /** Appends one document's ids (already starting with BOS); every id must be below {@code vocabSize}. */
    void append(int[] ids, int vocabSize) throws IOException {
        for (int i = 0; i < ids.length; ) {
            scratch.clear();
            while (i < ids.length && scratch.remaining() >= width.bytes) {
                int id = ids[i++];
                if (id < 0 || id >= vocabSize) throw new IllegalStateException("token id " + id + " outside the tokenizer's vocabulary of " + vocabSize);
                if (width == TokenWidth.UINT16) scratch.putShort((short) id); else scratch.putInt(id);
            }
            tokens.write(scratch.array(), 0, scratch.position());
        }
        tokenCount += ids.length;
        documentCount++;
        writeLong(docs, tokenCount);
    }

    /** Closes both files and describes them for the index. */
    TokenShardIndex.Shard finish() throws IOException {
        close();
        return new TokenShardIndex.Shard(tokensName, docsName, documentCount, tokenCount,
                HexFormat.of().formatHex(tokens.getMessageDigest().digest()), HexFormat.of().formatHex(docs.getMessageDigest().digest()));
    }

    @Override
    public void close() throws IOException {
        try (OutputStream a = tokens; OutputStream b = docs) {
            a.flush();
            b.flush();
        }
    }

    private static void writeLong(OutputStream out, long v) throws IOException {
        out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array());
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError("every JVM has SHA-256", e);
        }
    }
}
