package monetj.train.interp;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import monetj.core.interp.TokenPieces;
import monetj.data.tokenizer.TokenizerLocator;

/** Finds the tokenizer for showing a model's tokens: the one asked for, else the model directory's, else a fallback (or none). */
public final class ModelTokenizer {
    private ModelTokenizer() {}

    /** The tokenizer.json to use, or null when none is known. */
    public static Path find(String requested, Path modelDir, String fallback) {
        if (requested != null) return TokenizerLocator.resolve(requested);
        if (Files.isRegularFile(modelDir.resolve("tokenizer.json"))) return modelDir.resolve("tokenizer.json");
        if (fallback != null && Files.isRegularFile(Path.of(fallback))) return Path.of(fallback);
        return null;
    }

    public static TokenPieces pieces(Path tokenizerJson) throws IOException { return tokenizerJson == null ? null : TokenPieces.read(tokenizerJson); }
}
