package monetj.data.shard;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * A prepared token shard directory, memory-mapped: the shards read as one token stream (documents in
 * input order, each starting with BOS). Opening checks every file's size against the index, so a truncated
 * shard is refused by name; {@link #verifyChecksums()} also checks the SHA-256s. Safe for concurrent reads.
 */
public final class TokenShardSet implements AutoCloseable {
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final Path dir;
    private final TokenShardIndex index;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment[] tokens;
    private final MemorySegment[] docs;
    private final long[] firstToken; // global offset of each shard's first token, plus the total at the end
    private final long[] firstDoc;

    private TokenShardSet(Path dir, TokenShardIndex index) throws IOException {
        this.dir = dir;
        this.index = index;
        int n = index.shards().size();
        tokens = new MemorySegment[n];
        docs = new MemorySegment[n];
        firstToken = new long[n + 1];
        firstDoc = new long[n + 1];
        try {
            mapAll();
        } catch (IOException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    private void mapAll() throws IOException {
        int n = index.shards().size();
        for (int s = 0; s < n; s++) {
            TokenShardIndex.Shard shard = index.shards().get(s);
            tokens[s] = map(shard.tokensFile(), shard.tokens() * index.width().bytes);
            docs[s] = map(shard.docsFile(), (shard.documents() + 1) * 8);
            long lastOffset = docs[s].getAtIndex(U64, shard.documents());
            if (lastOffset != shard.tokens()) throw new IllegalArgumentException(dir.resolve(shard.docsFile()) + ": ends at token " + lastOffset + ", the shard has " + shard.tokens());
            firstToken[s + 1] = firstToken[s] + shard.tokens();
            firstDoc[s + 1] = firstDoc[s] + shard.documents();
        }
        if (firstToken[n] != index.tokens() || firstDoc[n] != index.documents()) {
            throw new IllegalArgumentException(dir + ": shards hold " + firstToken[n] + " tokens in " + firstDoc[n] + " documents, the index says "
                    + index.tokens() + " in " + index.documents());
        }
    }

    public static TokenShardSet open(Path dir) {
        TokenShardIndex index = TokenShardIndex.read(dir);
        try {
            return new TokenShardSet(dir, index);
        } catch (IOException e) {
            throw new IllegalArgumentException(dir + ": cannot map shards: " + e.getMessage(), e);
        }
    }

    private MemorySegment map(String name, long expectedBytes) throws IOException {
        Path file = dir.resolve(name);
        if (!Files.isRegularFile(file)) throw new IllegalArgumentException(file + ": missing (listed in " + TokenShardIndex.FILE_NAME + ")");
        long size = Files.size(file);
        if (size != expectedBytes) throw new IllegalArgumentException(file + ": " + size + " bytes, the index expects " + expectedBytes + " (truncated or corrupt)");
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
        }
    }

    public TokenShardIndex index() { return index; }

    public Path directory() { return dir; }

    public long tokenCount() { return index.tokens(); }

    public long documentCount() { return index.documents(); }

    /** Copies {@code length} tokens of the stream starting at {@code start} into {@code dst[offset..]}. */
    public void read(long start, int[] dst, int offset, int length) {
        if (start < 0 || start + length > tokenCount()) throw new IndexOutOfBoundsException("tokens [" + start + ", " + (start + length) + ") of " + tokenCount());
        int s = shardOf(firstToken, start);
        long pos = start - firstToken[s];
        while (length > 0) {
            int n = (int) Math.min(length, index.shards().get(s).tokens() - pos);
            MemorySegment seg = tokens[s];
            try {
                if (index.width() == TokenWidth.UINT16) {
                    for (int i = 0; i < n; i++) dst[offset + i] = Short.toUnsignedInt(seg.getAtIndex(U16, pos + i));
                } else {
                    MemorySegment.copy(seg, U32, pos * 4, dst, offset, n);
                }
            } catch (InternalError e) {
                // The JVM's report of a SIGBUS on a mapped page: the file shrank after it was opened.
                String message = dir.resolve(index.shards().get(s).tokensFile()) + ": cannot read tokens [" + pos + ", " + (pos + n)
                        + "): the file was truncated or replaced while in use";
                throw new java.io.UncheckedIOException(message, new IOException(message, e));
            }
            offset += n;
            length -= n;
            s++;
            pos = 0;
        }
    }

    /** Token ids of document {@code d} (0-based over the whole set), BOS included. */
    public int[] document(long d) {
        if (d < 0 || d >= documentCount()) throw new IndexOutOfBoundsException("document " + d + " of " + documentCount() + " in " + dir);
        int s = shardOf(firstDoc, d);
        long local = d - firstDoc[s];
        long begin = docs[s].getAtIndex(U64, local);
        long end = docs[s].getAtIndex(U64, local + 1);
        int[] out = new int[Math.toIntExact(end - begin)];
        read(firstToken[s] + begin, out, 0, out.length);
        return out;
    }

    /** Length in tokens of document {@code d}. */
    public long documentLength(long d) {
        int s = shardOf(firstDoc, d);
        long local = d - firstDoc[s];
        return docs[s].getAtIndex(U64, local + 1) - docs[s].getAtIndex(U64, local);
    }

    /** Recomputes every file's SHA-256; throws naming the first file that does not match. */
    public void verifyChecksums() throws IOException {
        for (TokenShardIndex.Shard shard : index.shards()) {
            check(shard.tokensFile(), shard.tokensSha256());
            check(shard.docsFile(), shard.docsSha256());
        }
    }

    private void check(String name, String expected) throws IOException {
        MessageDigest md = TokenShardWriter.sha256();
        try (InputStream in = new DigestInputStream(Files.newInputStream(dir.resolve(name)), md)) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
        }
        String actual = HexFormat.of().formatHex(md.digest());
        if (!actual.equals(expected)) throw new IllegalArgumentException(dir.resolve(name) + ": SHA-256 " + actual + " does not match the index (" + expected + "); the shard is corrupt");
    }

    private static int shardOf(long[] starts, long at) {
        // Shards are never empty, so the starts strictly increase.
        int i = Arrays.binarySearch(starts, at);
        return i >= 0 ? i : -i - 2;
    }

    @Override
    public void close() { arena.close(); }

}
