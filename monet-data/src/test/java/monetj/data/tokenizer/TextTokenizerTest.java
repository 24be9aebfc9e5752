package monetj.data.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TextTokenizerTest {
    @TempDir
    Path tmp;

    @Test
    void mergesLettersAndFallsBackToBytes() throws Exception {
        try (TextTokenizer tok = TextTokenizer.load(TestTokenizers.write(tmp, 0))) {
            int the = 259 + 1 + 26 + 26 + 10 + 5 + 2; // ids follow TestTokenizers' list: "▁the" is after "▁t", "he"
            int[] ids = tok.encode("the \u00e9");
            assertEquals(the, ids[0]);
            // "▁" then é as its two UTF-8 bytes C3 A9, whose byte tokens are <0xC3> = 3 + 0xC3 and <0xA9> = 3 + 0xA9.
            assertArrayEquals(new int[] {the, 259, 3 + 0xC3, 3 + 0xA9}, ids);
            assertEquals("the \u00e9", tok.decode(ids));
            assertEquals(1, tok.bosId());
        }
    }

    @Test
    void vocabularyLargerThanTheModelIsRefusedByName() throws Exception {
        Path file = TestTokenizers.write(tmp, 70000);
        try (TextTokenizer tok = TextTokenizer.load(file)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TextTokenizer.requireFitsModel(tok.info(), 32000));
            assertTrue(e.getMessage().contains(file.toAbsolutePath().toString()) && e.getMessage().contains("vocab_size is 32000"), e.getMessage());
        }
    }

    @Test
    void notATokenizerFileIsRefusedByName() throws Exception {
        Path file = Files.writeString(tmp.resolve("tokenizer.json"), "{\"model\": {}}");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TextTokenizer.load(file));
        assertTrue(e.getMessage().startsWith(file + ": no model.vocab"), e.getMessage());
        Path unigram = Files.writeString(tmp.resolve("unigram.json"), "{\"model\": {\"type\": \"Unigram\", \"vocab\": [[\"<unk>\", 0.0], [\"a\", -1.5]]}}");
        IllegalArgumentException u = assertThrows(IllegalArgumentException.class, () -> TextTokenizer.load(unigram));
        assertTrue(u.getMessage().contains("a Unigram tokenizer") && u.getMessage().contains("not supported"), u.getMessage());
    }

    @Test
    void aTokenizerTheLibraryRejectsIsRefusedByName() throws Exception {
        Path file = Files.writeString(tmp.resolve("bad.json"), "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": [\"a b\"]}}");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TextTokenizer.load(file));
        assertTrue(e.getMessage().startsWith(file + ": the tokenizers library rejected it"), e.getMessage());
    }
}
