package monetj.data.tokenizer;

import java.nio.file.Files;
import java.nio.file.Path;
import monetj.data.MonetCache;

/**
 * Resolves a tokenizer argument: {@code llama2} names the converted LLaMA-2 tokenizer in the cache,
 * anything else is a path to a tokenizer.json (or a directory holding one).
 */
public final class TokenizerLocator {
    public static final String LLAMA2 = "llama2";

    private TokenizerLocator() {}

    public static Path resolve(String spec) {
        if (LLAMA2.equals(spec)) {
            Path p = MonetCache.llama2Tokenizer();
            if (!Files.isRegularFile(p)) {
                throw new IllegalArgumentException("the LLaMA-2 tokenizer is not in the cache yet (" + p + "); run scripts/fetch-tokenizer.sh");
            }
            return p;
        }
        Path p = Path.of(spec);
        if (Files.isDirectory(p)) p = p.resolve("tokenizer.json");
        if (!Files.isRegularFile(p)) throw new IllegalArgumentException(spec + ": no tokenizer.json there (use 'llama2' or a path to a tokenizer.json)");
        return p;
    }
}
