package monetj.data.tokenizer;

import ai.djl.engine.EngineException;
import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.huggingface.tokenizers.jni.CharSpan;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;

/**
 * A Hugging Face tokenizer (the Rust library, through DJL) loaded from a tokenizer.json. DJL unpacks the
 * native library for this platform from its own jar into its cache (~/.djl.ai, or DJL_CACHE_DIR); the CPU
 * build is forced so that no GPU host ever tries to download a CUDA flavour. Thread-safe.
 */
public final class TextTokenizer implements AutoCloseable {
    private static final String[] BOS_NAMES = {"<s>", "<|begin_of_text|>", "<|endoftext|>"};
    private static final String[] EOS_NAMES = {"</s>", "<|end_of_text|>", "<|endoftext|>"};

    private final HuggingFaceTokenizer tokenizer;
    private final TokenizerInfo info;

    private TextTokenizer(HuggingFaceTokenizer tokenizer, TokenizerInfo info) {
        this.tokenizer = tokenizer;
        this.info = info;
    }

    /** Loads a tokenizer.json; errors name the file. */
    public static TextTokenizer load(Path tokenizerJson) {
        if (!Files.isRegularFile(tokenizerJson)) throw new IllegalArgumentException(tokenizerJson + ": tokenizer file not found");
        byte[] bytes;
        JsonNode json;
        try {
            bytes = Files.readAllBytes(tokenizerJson);
            json = new ObjectMapper().readTree(bytes);
        } catch (IOException e) {
            throw new IllegalArgumentException(tokenizerJson + ": not a readable tokenizer.json: " + e.getMessage(), e);
        }
        JsonNode vocab = json.path("model").path("vocab");
        if (vocab.isArray()) {
            throw new IllegalArgumentException(tokenizerJson + ": a " + json.path("model").path("type").asText("Unigram")
                    + " tokenizer (vocab as [piece, score] pairs) is not supported; use a BPE, WordPiece or WordLevel tokenizer.json");
        }
        if (!vocab.isObject() || vocab.isEmpty()) throw new IllegalArgumentException(tokenizerJson + ": no model.vocab object; not a Hugging Face tokenizer.json");
        int maxId = -1;
        for (JsonNode id : (Iterable<JsonNode>) vocab::elements) maxId = Math.max(maxId, id.asInt());
        for (JsonNode t : json.path("added_tokens")) maxId = Math.max(maxId, t.path("id").asInt());
        int bos = findId(json, BOS_NAMES);
        int eos = findId(json, EOS_NAMES);
        TokenizerInfo info = new TokenizerInfo(tokenizerJson.toAbsolutePath().toString(), sha256(bytes), maxId + 1, bos, eos);
        return new TextTokenizer(loadNative(tokenizerJson), info);
    }

    private static HuggingFaceTokenizer loadNative(Path tokenizerJson) {
        // DJL picks a CUDA build when it sees a GPU and downloads it; tokenizing runs on the CPU either way.
        if (System.getenv("RUST_FLAVOR") == null && System.getProperty("RUST_FLAVOR") == null) System.setProperty("RUST_FLAVOR", "cpu");
        try {
            return HuggingFaceTokenizer.newInstance(tokenizerJson, Map.of("addSpecialTokens", "false", "truncation", "false", "padding", "false"));
        } catch (LinkageError | EngineException e) {
            throw new IllegalStateException("cannot load the Hugging Face tokenizers native library for " + System.getProperty("os.name") + "/"
                    + System.getProperty("os.arch") + " (DJL unpacks it from the ai.djl.huggingface:tokenizers jar into ~/.djl.ai/tokenizers;"
                    + " set DJL_CACHE_DIR to a writable directory, or RUST_LIBRARY_PATH to a libtokenizers you built): " + e, e);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException(tokenizerJson + ": the tokenizers library rejected it: " + e.getMessage(), e);
        }
    }

    public TokenizerInfo info() { return info; }

    public int vocabSize() { return info.vocabSize(); }

    public int bosId() {
        if (info.bosId() < 0) throw new IllegalStateException(info.source() + ": no BOS token (looked for " + String.join(", ", BOS_NAMES) + ")");
        return info.bosId();
    }

    /** A document as it is packed: BOS, its ids, and EOS when {@code eos} is set. */
    public int[] frame(int[] ids, boolean eos) {
        if (eos && info.eosId() < 0) throw new IllegalArgumentException(info.source() + ": no EOS token (looked for " + String.join(", ", EOS_NAMES) + ")");
        int[] seq = new int[ids.length + (eos ? 2 : 1)];
        seq[0] = bosId();
        System.arraycopy(ids, 0, seq, 1, ids.length);
        if (eos) seq[seq.length - 1] = info.eosId();
        return seq;
    }

    /** Token ids of {@code text}, with no special tokens added. */
    public int[] encode(String text) {
        return toInts(tokenizer.encode(text, false, false).getIds());
    }

    /** Token ids of {@code text} and where each token starts in it (a char index), for masks over character spans. */
    public record Encoded(int[] ids, int[] charStarts) {}

    /** As {@link #encode(String)}, with the character offset at which each token starts. */
    public Encoded encodeWithOffsets(String text) {
        Encoding e = tokenizer.encode(text, false, false);
        CharSpan[] spans = e.getCharTokenSpans();
        int[] starts = new int[spans.length];
        for (int i = 0; i < spans.length; i++) starts[i] = spans[i] == null ? (i == 0 ? 0 : starts[i - 1]) : spans[i].getStart();
        return new Encoded(toInts(e.getIds()), starts);
    }

    /** The text of one token id, special tokens included (e.g. {@code </s>}); empty for a negative id. */
    public String decodeToken(int id) {
        return id < 0 ? "" : tokenizer.decode(new long[] {id}, false);
    }

    public String decode(int[] ids) {
        long[] l = new long[ids.length];
        for (int i = 0; i < ids.length; i++) l[i] = ids[i];
        return tokenizer.decode(l, false);
    }

    /** Refuses a tokenizer whose ids do not fit the model's embedding table. */
    public static void requireFitsModel(TokenizerInfo info, int modelVocabSize) {
        if (info.vocabSize() > modelVocabSize) {
            throw new IllegalArgumentException("tokenizer " + info.source() + " has " + info.vocabSize() + " tokens but the model's vocab_size is "
                    + modelVocabSize + "; use the model's own tokenizer");
        }
    }

    @Override
    public void close() { tokenizer.close(); }

    private static int[] toInts(long[] ids) {
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) out[i] = (int) ids[i];
        return out;
    }

    private static int findId(JsonNode json, String[] names) {
        for (String name : names) {
            for (JsonNode t : json.path("added_tokens")) {
                if (name.equals(t.path("content").asText())) return t.path("id").asInt();
            }
            JsonNode id = json.path("model").path("vocab").get(name);
            if (id != null) return id.asInt();
        }
        return -1;
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError("every JVM has SHA-256", e);
        }
    }
}
