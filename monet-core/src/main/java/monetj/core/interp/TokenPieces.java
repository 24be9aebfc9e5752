package monetj.core.interp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The text of each token id, read from a tokenizer.json's vocabulary, for showing contexts: SentencePiece's word
 * marker {@code ▁} becomes a space and byte tokens such as {@code <0x0A>} their character. Decoding pieces one by one
 * and joining them is what a context display needs (the exact decoder is not, and would be slow per context).
 */
public final class TokenPieces {
    private final String[] pieces;

    private TokenPieces(String[] pieces) { this.pieces = pieces; }

    public static TokenPieces read(Path tokenizerJson) throws IOException {
        JsonNode root = new ObjectMapper().readTree(tokenizerJson.toFile());
        JsonNode vocab = root.path("model").path("vocab");
        if (!vocab.isObject()) throw new IllegalArgumentException(tokenizerJson + ": no model.vocab object; not a Hugging Face tokenizer.json");
        int max = -1;
        for (JsonNode id : (Iterable<JsonNode>) vocab::elements) max = Math.max(max, id.asInt());
        for (JsonNode t : root.path("added_tokens")) max = Math.max(max, t.path("id").asInt());
        String[] pieces = new String[max + 1];
        vocab.fields().forEachRemaining(e -> pieces[e.getValue().asInt()] = display(e.getKey()));
        for (JsonNode t : root.path("added_tokens")) pieces[t.path("id").asInt()] = t.path("content").asText();
        for (int i = 0; i < pieces.length; i++) if (pieces[i] == null) pieces[i] = "<" + i + ">";
        return new TokenPieces(pieces);
    }

    static String display(String piece) {
        if (piece.length() == 6 && piece.startsWith("<0x") && piece.endsWith(">")) {
            int b = Integer.parseInt(piece.substring(3, 5), 16);
            return b < 0x80 ? String.valueOf((char) b) : piece;
        }
        return piece.replace('\u2581', ' ').replace('\u0120', ' ').replace('\u010A', '\n');
    }

    public int size() { return pieces.length; }

    /** The text of id {@code id}, or {@code <id>} when it is outside the vocabulary. */
    public String piece(int id) { return id >= 0 && id < pieces.length ? pieces[id] : "<" + id + ">"; }

    public String text(int[] ids) {
        StringBuilder sb = new StringBuilder();
        for (int id : ids) sb.append(piece(id));
        return sb.toString();
    }
}
