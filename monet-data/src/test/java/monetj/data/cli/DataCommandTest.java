package monetj.data.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import monetj.data.parquet.TestParquet;
import monetj.data.tokenizer.TestTokenizers;
import monetj.data.tokenizer.TextTokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The commands as a user types them: prepare a directory, then inspect it. */
class DataCommandTest {
    @TempDir
    Path tmp;

    private record Run(int exit, String out, String err) {}

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new DataCommand());
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int exit = cl.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void prepareThenInspectAndPrintOneDocumentsIds() throws Exception {
        List<String> texts = List.of("the cat in a hat", "a second document", "the end");
        TestParquet.texts(java.nio.file.Files.createDirectories(tmp.resolve("in")).resolve("a.parquet"), texts, 2);
        Path tokenizer = TestTokenizers.write(tmp, 0);
        Path out = tmp.resolve("tokens");
        Run prepare = run("prepare", "--input", tmp + "/in/*.parquet", "--tokenizer", tokenizer.toString(), "--out", out.toString(), "--threads", "1");
        assertEquals(0, prepare.exit(), prepare.err());
        assertTrue(prepare.out().contains("documents    3"), prepare.out());
        assertTrue(prepare.err().contains("100%"), "a progress line on stderr: " + prepare.err());

        Run inspect = run("inspect", out.toString());
        assertEquals(0, inspect.exit(), inspect.err());
        assertTrue(inspect.out().contains("documents  3") && inspect.out().contains("document length in tokens"), inspect.out());

        Run bench = run("bench", "--shards", out.toString(), "--batch", "2", "--seq-len", "4", "--seconds", "0.2");
        assertEquals(0, bench.exit(), bench.err());
        assertTrue(bench.out().matches("(?s).*batch 2 x 5: [0-9,.]+ batches/s.*"), bench.out());

        Run encode = run("encode", "--tokenizer", tokenizer.toString(), "a second document");
        assertEquals(0, encode.exit(), encode.err());

        Run doc = run("inspect", out.toString(), "--doc", "1");
        assertEquals(0, doc.exit(), doc.err());
        try (TextTokenizer tok = TextTokenizer.load(tokenizer)) {
            String ids = Arrays.stream(tok.encode("a second document")).mapToObj(Integer::toString).collect(Collectors.joining(" "));
            assertEquals("1 " + ids, doc.out().strip());
            assertEquals(ids, encode.out().strip());
        }
    }

    @Test
    void aBadInputFailsNamingTheFile() throws Exception {
        Path bad = java.nio.file.Files.writeString(tmp.resolve("bad.parquet"), "not parquet");
        Run r = run("prepare", "--input", bad.toString(), "--tokenizer", TestTokenizers.write(tmp, 0).toString(), "--out", tmp.resolve("o").toString());
        assertEquals(1, r.exit());
        assertTrue(r.err().contains(bad.toString()), r.err());
    }
}
