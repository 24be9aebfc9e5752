package monetj.data;

import java.nio.file.Path;

/**
 * Where fetched and converted assets live, outside any checkout: {@code $MONET_CACHE}, else
 * {@code ~/.cache/monet-j}. The scripts under scripts/ use the same rule.
 */
public final class MonetCache {
    private MonetCache() {}

    public static Path root() {
        String env = System.getenv("MONET_CACHE");
        if (env != null && !env.isBlank()) return Path.of(env);
        return Path.of(System.getProperty("user.home"), ".cache", "monet-j");
    }

    /** The converted LLaMA-2 tokenizer.json. */
    public static Path llama2Tokenizer() { return root().resolve("tokenizers").resolve("llama2").resolve("tokenizer.json"); }

    /** The State of the Union sample corpus in the FineWeb-Edu schema. */
    public static Path sotuCorpus() { return root().resolve("corpus").resolve("sotu").resolve("sotu.parquet"); }
}
