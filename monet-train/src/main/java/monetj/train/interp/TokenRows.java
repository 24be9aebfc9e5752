package monetj.train.interp;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import monetj.core.tensor.DType;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Safetensors;
import monetj.data.shard.TokenShardSet;

/**
 * A corpus as fixed-length rows of token ids, as the interpretability commands read it: consecutive windows of
 * {@code seqLen} tokens of one or more token shard directories (in order, the tail shorter than a row dropped),
 * or the rows of an {@code input_ids} int32 [B, T] tensor. Row r, position p is location {@code r * seqLen + p}.
 */
public final class TokenRows implements AutoCloseable {
    private final List<TokenShardSet> sets;
    private final long[] firstRow; // per set, plus the total
    private final int[] ids; // for an ids tensor, else null
    private final int seqLen;
    private final List<String> sources;
    private final String tokenizer;

    private TokenRows(List<TokenShardSet> sets, long[] firstRow, int[] ids, int seqLen, List<String> sources, String tokenizer) {
        this.sets = sets;
        this.firstRow = firstRow;
        this.ids = ids;
        this.seqLen = seqLen;
        this.sources = sources;
        this.tokenizer = tokenizer;
    }

    public static TokenRows ofShards(List<Path> dirs, int seqLen) {
        List<TokenShardSet> sets = new ArrayList<>();
        long[] first = new long[dirs.size() + 1];
        String tokenizer = null;
        for (int k = 0; k < dirs.size(); k++) {
            TokenShardSet s = TokenShardSet.open(dirs.get(k));
            sets.add(s);
            first[k + 1] = first[k] + s.tokenCount() / seqLen;
            if (s.index().tokenizer() != null && tokenizer == null) tokenizer = s.index().tokenizer().source();
        }
        if (first[dirs.size()] == 0) throw new IllegalArgumentException(dirs + ": fewer tokens than one row of " + seqLen);
        return new TokenRows(sets, first, null, seqLen, dirs.stream().map(Path::toString).toList(), tokenizer);
    }

    public static TokenRows ofIds(Path file) throws IOException {
        HostTensor t = Safetensors.read(file).tensors().get("input_ids");
        if (t == null) throw new IllegalArgumentException(file + ": no tensor named input_ids");
        if (t.dtype() != DType.S32 || t.shape().rank() != 2) throw new IllegalArgumentException(file + ": input_ids must be int32 [batch, seq], got " + t.type());
        return new TokenRows(List.of(), new long[] {0, t.shape().dim(0)}, t.ints(), t.shape().dim(1), List.of(file.toString()), null);
    }

    public long rows() { return firstRow[firstRow.length - 1]; }

    public int seqLen() { return seqLen; }

    public List<String> sources() { return sources; }

    /** The tokenizer.json the shards were made with (from their index), or null. */
    public String tokenizer() { return tokenizer; }

    public int[] row(long r) {
        if (r < 0 || r >= rows()) throw new IndexOutOfBoundsException("row " + r + " of " + rows());
        int[] out = new int[seqLen];
        if (ids != null) {
            System.arraycopy(ids, Math.toIntExact(r * seqLen), out, 0, seqLen);
            return out;
        }
        int k = 0;
        while (r >= firstRow[k + 1]) k++;
        sets.get(k).read((r - firstRow[k]) * seqLen, out, 0, seqLen);
        return out;
    }

    @Override
    public void close() { sets.forEach(TokenShardSet::close); }
}
