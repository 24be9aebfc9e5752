package monetj.data.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import monetj.data.parquet.ParquetTextWriter;
import monetj.data.parquet.TestParquet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading documents, and every kind of bad input: an error naming the file (and row), or a counted skip. */
class DocumentReaderTest {
    @TempDir
    Path tmp;

    private static List<TextDocument> readAll(Path file, long startRow, SkipLog skips) {
        List<TextDocument> out = new ArrayList<>();
        try (DocumentReader r = DocumentReader.open(file, "text", startRow, skips)) {
            for (TextDocument d = r.next(); d != null; d = r.next()) out.add(d);
        }
        return out;
    }

    @Test
    void parquetRowsComeInOrderWithTheirRowNumbersAndResumeFromARow() throws Exception {
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < 50; i++) texts.add("document number " + i);
        Path file = TestParquet.texts(tmp.resolve("a.parquet"), texts, 7);
        List<TextDocument> all = readAll(file, 0, new SkipLog());
        assertEquals(50, all.size());
        for (int i = 0; i < 50; i++) {
            assertEquals(texts.get(i), all.get(i).text());
            assertEquals(i, all.get(i).row());
        }
        assertEquals(all.subList(23, 50), readAll(file, 23, new SkipLog()));
    }

    @Test
    void nullEmptyAndInvalidUtf8ParquetRowsAreSkippedAndCountedWithTheirRows() throws Exception {
        byte[] invalid = {'b', 'a', 'd', (byte) 0xFF, 'x'};
        Path file = TestParquet.texts(tmp.resolve("b.parquet"), Arrays.asList("first", null, "", invalid, "last"), 10);
        SkipLog skips = new SkipLog();
        List<TextDocument> docs = readAll(file, 0, skips);
        assertEquals(List.of("first", "last"), docs.stream().map(TextDocument::text).toList());
        assertEquals(3, skips.total());
        assertEquals(List.of(new SkipLog.Entry("null text", 1, List.of(file + " row 1")),
                new SkipLog.Entry("empty text", 1, List.of(file + " row 2")),
                new SkipLog.Entry("invalid UTF-8", 1, List.of(file + " row 3"))), skips.entries());
    }

    @Test
    void missingTextColumnNamesTheFileAndTheColumnsItHas() throws Exception {
        Path file = tmp.resolve("nocol.parquet");
        try (ParquetTextWriter w = new ParquetTextWriter(file, List.of(new ParquetTextWriter.Column("content", ParquetTextWriter.ColumnType.STRING)), 4)) {
            w.write("hello");
        }
        DataInputException e = assertThrows(DataInputException.class, () -> readAll(file, 0, new SkipLog()));
        assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains("no column 'text'") && e.getMessage().contains("content"), e.getMessage());
    }

    @Test
    void truncatedAndCorruptParquetFilesAreRefusedByName() throws Exception {
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < 40; i++) texts.add("some text for row " + i);
        Path good = TestParquet.texts(tmp.resolve("good.parquet"), texts, 8);
        byte[] bytes = Files.readAllBytes(good);
        Path truncated = Files.write(tmp.resolve("truncated.parquet"), Arrays.copyOf(bytes, bytes.length / 2));
        DataInputException e = assertThrows(DataInputException.class, () -> readAll(truncated, 0, new SkipLog()));
        assertTrue(e.getMessage().startsWith(truncated.toString()), e.getMessage());

        Path garbage = Files.writeString(tmp.resolve("garbage.parquet"), "this is not parquet at all, just text pretending to be");
        e = assertThrows(DataInputException.class, () -> readAll(garbage, 0, new SkipLog()));
        assertTrue(e.getMessage().startsWith(garbage.toString()), e.getMessage());
    }

    @Test
    void aCorruptPageInTheMiddleIsRefusedByName() throws Exception {
        java.util.Random random = new java.util.Random(3);
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            StringBuilder sb = new StringBuilder();
            for (int c = 0; c < 40; c++) sb.append((char) ('a' + random.nextInt(26))); // incompressible, so stored as a literal
            texts.add(sb.toString());
        }
        byte[] bytes = Files.readAllBytes(TestParquet.texts(tmp.resolve("ok.parquet"), texts, 20));
        int inSecondTextPage = new String(bytes, StandardCharsets.ISO_8859_1).indexOf(texts.get(30));
        assertTrue(inSecondTextPage > 0);
        bytes[inSecondTextPage + 5] ^= 0x01; // still a letter: only a checksum can notice
        Path corrupt = Files.write(tmp.resolve("corrupt.parquet"), bytes);
        DataInputException e = assertThrows(DataInputException.class, () -> readAll(corrupt, 0, new SkipLog()));
        assertTrue(e.getMessage().startsWith(corrupt.toString()) && e.getMessage().contains("corrupt"), e.getMessage());
    }

    @Test
    void emptyFilesAreRefusedByName() throws Exception {
        for (String name : List.of("empty.parquet", "empty.jsonl")) {
            Path file = Files.createFile(tmp.resolve(name));
            DataInputException e = assertThrows(DataInputException.class, () -> readAll(file, 0, new SkipLog()));
            assertEquals(file + ": empty file (0 bytes)", e.getMessage());
        }
    }

    @Test
    void jsonLinesReadsTextFieldsAndCountsWhatItSkips() throws Exception {
        Path file = tmp.resolve("d.jsonl");
        byte[] badUtf8Line = "{\"text\": \"caf\u00e9\"}".getBytes(StandardCharsets.UTF_8);
        badUtf8Line[badUtf8Line.length - 3] = (byte) 0xFF; // breaks the two-byte é
        try (var out = Files.newOutputStream(file)) {
            out.write("{\"text\": \"one\", \"id\": 1}\n".getBytes(StandardCharsets.UTF_8));
            out.write("\n".getBytes(StandardCharsets.UTF_8));
            out.write(badUtf8Line);
            out.write("\n{\"id\": 4}\n{\"text\": \"\"}\n{\"text\": \"t\u00e9l\u00e9 \ud83e\udd99\"}\n".getBytes(StandardCharsets.UTF_8));
        }
        SkipLog skips = new SkipLog();
        List<TextDocument> docs = readAll(file, 0, skips);
        assertEquals(List.of(new TextDocument(file.toString(), 0, "one"), new TextDocument(file.toString(), 5, "t\u00e9l\u00e9 \ud83e\udd99")), docs);
        assertEquals(List.of("blank line", "invalid UTF-8", "no 'text' field", "empty text"), skips.entries().stream().map(SkipLog.Entry::reason).toList());
        assertEquals(List.of(file + " row 2"), skips.entries().get(1).examples());
        assertEquals(docs.subList(1, 2), readAll(file, 3, new SkipLog()));
    }

    @Test
    void malformedJsonNamesFileAndLine() throws Exception {
        Path file = Files.writeString(tmp.resolve("e.jsonl"), "{\"text\": \"ok\"}\n{\"text\": \"unterminated}\n");
        DataInputException e = assertThrows(DataInputException.class, () -> readAll(file, 0, new SkipLog()));
        assertTrue(e.getMessage().startsWith(file + " line 2: not valid JSON"), e.getMessage());
    }

    @Test
    void nonStringTextFieldNamesFileAndLine() throws Exception {
        Path file = Files.writeString(tmp.resolve("f.jsonl"), "{\"text\": 42}\n");
        DataInputException e = assertThrows(DataInputException.class, () -> readAll(file, 0, new SkipLog()));
        assertTrue(e.getMessage().startsWith(file + " line 1: field 'text' is NUMBER"), e.getMessage());
    }

    @Test
    void unknownExtensionsAndMissingFilesAreRefused() throws Exception {
        Path csv = Files.writeString(tmp.resolve("x.csv"), "text\nhello\n");
        assertTrue(assertThrows(DataInputException.class, () -> readAll(csv, 0, new SkipLog())).getMessage().contains("unknown input format"));
        Path missing = tmp.resolve("missing.parquet");
        assertEquals(missing + ": no such file", assertThrows(DataInputException.class, () -> readAll(missing, 0, new SkipLog())).getMessage());
    }

    @Test
    void emptyParquetFileHasNoDocuments() throws Exception {
        Path file = TestParquet.texts(tmp.resolve("zero-rows.parquet"), List.of(), 4);
        try (DocumentReader r = DocumentReader.open(file, "text", 0, new SkipLog())) {
            assertNull(r.next());
        }
    }

    @Test
    void aJsonLinesDocumentLongerThanJacksonsDefaultStringLimitIsRead() throws Exception {
        String text = "long document ".repeat(3_000_000); // 42M characters; Jackson refuses strings over 20M by default
        Path f = tmp.resolve("long.jsonl");
        Files.writeString(f, "{\"text\": \"short\"}\n{\"text\": \"" + text + "\"}\n");
        try (DocumentReader r = DocumentReader.open(f, "text", 0, new SkipLog())) {
            assertEquals("short", r.next().text());
            assertEquals(text.length(), r.next().text().length());
            assertNull(r.next());
            assertEquals(Files.size(f), r.bytesRead());
        }
    }
}
