package monetj.data.tokenizer;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Small tokenizer.json files for tests that must not depend on the fetched LLaMA-2 tokenizer: the same
 * shape as the converted LLaMA-2 one (byte fallback, SentencePiece normalizer, <unk>/<s>/</s> = 0/1/2),
 * with letters, digits, a few merges, and optionally filler tokens to push the vocabulary past 65536.
 */
public final class TestTokenizers {
    private TestTokenizers() {}

    public static Path write(Path dir, int fillerTokens) throws IOException {
        List<String> tokens = new ArrayList<>(List.of("<unk>", "<s>", "</s>"));
        for (int b = 0; b < 256; b++) tokens.add(String.format("<0x%02X>", b));
        tokens.add("\u2581");
        for (char c = 'a'; c <= 'z'; c++) tokens.add(String.valueOf(c));
        for (char c = 'A'; c <= 'Z'; c++) tokens.add(String.valueOf(c));
        for (char c = '0'; c <= '9'; c++) tokens.add(String.valueOf(c));
        for (String p : List.of(".", ",", "!", "?", "'")) tokens.add(p);
        tokens.addAll(List.of("\u2581t", "he", "\u2581the", "in", "\u2581a"));
        for (int i = 0; i < fillerTokens; i++) tokens.add("filler" + i);
        List<String> merges = List.of("\u2581 t", "h e", "\u2581t he", "i n", "\u2581 a");
        Path file = dir.resolve("tokenizer-" + tokens.size() + ".json");
        new ObjectMapper().writeValue(file.toFile(), LlamaTokenizerJsConverter.toTokenizerJson(new LlamaTokenizerJsConverter.LlamaVocabulary(tokens, merges)));
        return file;
    }
}
