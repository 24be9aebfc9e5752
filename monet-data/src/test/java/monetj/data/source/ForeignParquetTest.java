package monetj.data.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hardwood.InputFile;
import dev.hardwood.metadata.ColumnMetaData;
import dev.hardwood.metadata.CompressionCodec;
import dev.hardwood.metadata.RowGroup;
import dev.hardwood.reader.ParquetFileReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import monetj.data.NpmPackages;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Parquet written by another implementation (hyparquet-writer, under node) reads back exactly: dictionary
 * pages, several data pages per chunk, several row groups, statistics, nulls, snappy. Skips without node/npm.
 */
class ForeignParquetTest {
    @TempDir
    Path tmp;

    @Test
    void readsWhatHyparquetWriterWrites() throws Exception {
        Assumptions.assumeTrue(NpmPackages.runs("node", "--version"), "node is not installed: skipping");
        Path writer = NpmPackages.fetchOrSkip("hyparquet-writer@0.17.0");
        Path reader = NpmPackages.fetchOrSkip("hyparquet@1.31.5"); // hyparquet-writer's one dependency
        Path modules = Files.createDirectories(tmp.resolve("node_modules"));
        Files.createSymbolicLink(modules.resolve("hyparquet-writer"), writer);
        Files.createSymbolicLink(modules.resolve("hyparquet"), reader);
        Path script = Files.writeString(tmp.resolve("write.mjs"), """
                import { parquetWriteFile } from 'hyparquet-writer';
                import fs from 'fs';
                const texts = [], bodies = [], scores = [];
                for (let i = 0; i < 2500; i++) {
                  // 'text' repeats a few values, so the writer picks dictionary encoding; 'body' is long and unique,
                  // so a row group's chunk spans several 1 MB data pages.
                  texts.push(i % 10 === 7 ? null : i % 250 === 1 ? 'rare caf\\u00e9 \\u{1F999} ' + i : 'repeated text ' + (i % 4));
                  bodies.push('document ' + i + ' ' + 'words '.repeat(300 + i % 400));
                  scores.push(i / 1000);
                }
                parquetWriteFile({ filename: process.argv[2], columnData: [
                  { name: 'text', data: texts, type: 'STRING' },
                  { name: 'body', data: bodies, type: 'STRING' },
                  { name: 'score', data: scores, type: 'DOUBLE' },
                ] });
                fs.writeFileSync(process.argv[3], JSON.stringify({ text: texts, body: bodies }));
                """);
        Path parquet = tmp.resolve("foreign.parquet");
        Path expectedJson = tmp.resolve("expected.json");
        Process p = new ProcessBuilder("node", "--preserve-symlinks", script.toString(), parquet.toString(), expectedJson.toString()).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), "node failed: " + log);
        Map<String, List<String>> expected = new ObjectMapper().readValue(expectedJson.toFile(), new TypeReference<>() {});
        try (ParquetFileReader file = ParquetFileReader.open(InputFile.of(parquet))) {
            List<RowGroup> groups = file.getFileMetaData().rowGroups();
            assertTrue(groups.size() >= 2, "row groups: " + groups.size());
            ColumnMetaData text = groups.getFirst().columns().get(0).metaData();
            ColumnMetaData body = groups.getFirst().columns().get(1).metaData();
            assertTrue(text.dictionaryPageOffset() != null, "the text column is dictionary-encoded");
            assertTrue(body.totalUncompressedSize() > 2 << 20, "the body column spans several 1 MB pages");
            assertEquals(CompressionCodec.SNAPPY, text.codec());
        }
        for (String column : List.of("text", "body")) {
            List<String> want = expected.get(column);
            SkipLog skips = new SkipLog();
            List<TextDocument> docs = new ArrayList<>();
            try (DocumentReader r = DocumentReader.open(parquet, column, 0, skips)) {
                assertEquals(2500, r.rowCount());
                for (TextDocument d = r.next(); d != null; d = r.next()) docs.add(d);
            }
            for (TextDocument d : docs) assertEquals(want.get((int) d.row()), d.text(), column + " of row " + d.row());
            assertEquals(want.stream().filter(t -> t != null).count(), docs.size(), column);
            assertEquals(want.size() - docs.size(), skips.total(), "null " + column + " rows are counted");
            try (DocumentReader r = DocumentReader.open(parquet, column, 1998, new SkipLog())) {
                assertEquals(new TextDocument(parquet.toString(), 1998, want.get(1998)), r.next());
            }
        }
    }
}
