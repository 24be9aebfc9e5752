package monetj.data.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import monetj.data.NpmPackages;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The converted LLaMA-2 tokenizer, run by the Hugging Face library through DJL, gives exactly the ids of an
 * independent implementation: llama-tokenizer-js's own {@code encode}, run with node. Needs node and npm
 * (the package is fetched into the cache by scripts/fetch-npm-package.sh); skips, saying why, without them.
 */
class LlamaTokenizerParityTest {
    static final List<String> SAMPLES = List.of(
            "Hello",
            "Hello world! The quick brown fox jumps over the lazy dog.",
            "Fellow-Citizens of the Senate and House of Representatives: In meeting you again I feel much satisfaction.",
            "  leading spaces,\ttabs\tand   runs of   spaces  ",
            "line one\nline two\n\n  indented line three\r\n",
            "public static int add(int a, int b) {\n    return a + b; // sum\n}",
            "def f(x):\n\treturn [i**2 for i in range(x) if i % 3 == 0]",
            "Digits: 0 1 22 333 4444 3.14159 1,000,000 2024-11-23 +49 (0)30 123456",
            "Emoji: \ud83e\udd99\ud83d\udc4d\ud83c\udffd \ud83d\udc68\u200d\ud83d\udc69\u200d\ud83d\udc67 \ud83c\uddef\ud83c\uddf5 \u2764\ufe0f",
            "\u65e5\u672c\u8a9e\u306e\u6587\u7ae0\u3068\u4e2d\u6587\u53e5\u5b50\u3002",
            "\u041f\u0440\u0438\u0432\u0435\u0442, \u043c\u0438\u0440! \u0394\u03b5\u03bd \u03be\u03ad\u03c1\u03c9.",
            "\u0645\u0631\u062d\u0628\u0627 \u0628\u0627\u0644\u0639\u0627\u0644\u0645 \u0928\u092e\u0938\u094d\u0924\u0947 \ud55c\uad6d\uc5b4",
            "Accents: na\u00efve caf\u00e9 r\u00e9sum\u00e9 \u00fcber Stra\u00dfe \u00e5\u00f8\u00e6",
            "Symbols ~!@#$%^&*()_+`-={}|[]\\:\";'<>?,./ \u00a7\u00b6\u2020\u2021\u2022\u2026\u2122",
            "<s> and </s> written as text are not special here");

    @TempDir
    static Path tmp;

    static Path packageDir;
    static Path tokenizerJson;

    @BeforeAll
    static void fetchPackage() throws Exception {
        Assumptions.assumeTrue(NpmPackages.runs("node", "--version"), "node is not installed: skipping the llama-tokenizer-js parity test");
        packageDir = NpmPackages.fetchOrSkip("llama-tokenizer-js@1.2.2");
        tokenizerJson = tmp.resolve("tokenizer.json");
        LlamaTokenizerJsConverter.convert(packageDir, tokenizerJson);
    }

    /** llama-tokenizer-js's encode (no BOS, with the SentencePiece leading space) of every sample. */
    private static int[][] encodeWithNode(List<String> texts) throws Exception {
        Path script = tmp.resolve("encode.mjs");
        Files.writeString(script, "import tokenizer from " + new ObjectMapper().writeValueAsString(packageDir.resolve("llama-tokenizer.js").toUri().toString()) + ";\n"
                + "let input = '';\nprocess.stdin.setEncoding('utf8');\nprocess.stdin.on('data', c => input += c);\n"
                + "process.stdin.on('end', () => console.log(JSON.stringify(JSON.parse(input).map(t => tokenizer.encode(t, false, true)))));\n");
        Process p = new ProcessBuilder("node", script.toString()).start();
        try (var in = p.getOutputStream()) {
            in.write(new ObjectMapper().writeValueAsBytes(texts));
        }
        byte[] out = p.getInputStream().readAllBytes();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), "node failed: " + err);
        return new ObjectMapper().readValue(out, int[][].class);
    }

    @Test
    void idsMatchLlamaTokenizerJsOnProseCodeDigitsEmojiAndNonLatinText() throws Exception {
        int[][] expected = encodeWithNode(SAMPLES);
        try (TextTokenizer tok = TextTokenizer.load(tokenizerJson)) {
            for (int i = 0; i < SAMPLES.size(); i++) {
                assertArrayEquals(expected[i], tok.encode(SAMPLES.get(i)), "ids of sample " + i + ": " + SAMPLES.get(i));
            }
        }
    }

    @Test
    void isLlamaTwosVocabularyNotMistrals() {
        try (TextTokenizer tok = TextTokenizer.load(tokenizerJson)) {
            assertArrayEquals(new int[] {15043}, tok.encode("Hello"));
            assertEquals(new TokenizerInfo(tokenizerJson.toAbsolutePath().toString(), tok.info().sha256(), 32000, 1, 2), tok.info());
        }
    }

    @Test
    void decodeGivesBackTheText() {
        try (TextTokenizer tok = TextTokenizer.load(tokenizerJson)) {
            for (String s : SAMPLES) {
                if (s.startsWith(" ")) continue; // SentencePiece's decoder drops one leading space by design
                assertEquals(s, tok.decode(tok.encode(s)));
            }
        }
    }

    @Test
    void conversionIsDeterministic() throws Exception {
        Path again = tmp.resolve("again.json");
        LlamaTokenizerJsConverter.convert(packageDir, again);
        assertArrayEquals(Files.readAllBytes(tokenizerJson), Files.readAllBytes(again));
    }
}
