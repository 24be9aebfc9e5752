package monetj.data.shard;

/** Bytes per stored token id: uint16 when every id fits, else uint32 (both little-endian). */
public enum TokenWidth {
    UINT16(2), UINT32(4);

    public final int bytes;

    TokenWidth(int bytes) { this.bytes = bytes; }

    public static TokenWidth forVocab(int vocabSize) { return vocabSize <= 1 << 16 ? UINT16 : UINT32; }
}
