package monetj.data.parquet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hardwood.InputFile;
import dev.hardwood.reader.ParquetFileReader;
import dev.hardwood.reader.RowReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import monetj.data.parquet.ParquetTextWriter.Column;
import monetj.data.parquet.ParquetTextWriter.ColumnType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the writer stores, Hardwood (an independent Parquet implementation) reads back unchanged. */
class ParquetTextWriterTest {
    @TempDir
    Path tmp;

    @Test
    void hardwoodReadsBackEveryColumnAcrossRowGroupsWithNulls() throws Exception {
        Path file = tmp.resolve("t.parquet");
        List<Column> columns = List.of(new Column("text", ColumnType.STRING), new Column("n", ColumnType.INT64), new Column("x", ColumnType.DOUBLE));
        List<Object[]> rows = new ArrayList<>();
        for (int i = 0; i < 23; i++) {
            String text = i % 7 == 3 ? null : "row " + i + " \u00e9\u65e5\ud83e\udd99".repeat(i % 4);
            rows.add(new Object[] {text, i % 5 == 0 ? null : (long) i * 1_000_000_007L, i % 6 == 1 ? null : i / 3.0});
        }
        try (ParquetTextWriter w = new ParquetTextWriter(file, columns, 5)) {
            for (Object[] r : rows) w.write(r);
        }
        try (ParquetFileReader reader = ParquetFileReader.open(InputFile.of(file)); RowReader rr = reader.rowReader()) {
            assertEquals(23, reader.getFileMetaData().numRows());
            assertEquals(5, reader.getFileMetaData().rowGroups().size());
            int i = 0;
            while (rr.hasNext()) {
                rr.next();
                Object[] expected = rows.get(i++);
                assertEquals(expected[0], rr.isNull("text") ? null : rr.getString("text"), "text of row " + (i - 1));
                assertEquals(expected[1], rr.isNull("n") ? null : rr.getLong("n"), "n of row " + (i - 1));
                assertEquals(expected[2], rr.isNull("x") ? null : rr.getDouble("x"), "x of row " + (i - 1));
            }
            assertEquals(23, i);
        }
    }

    @Test
    void rawBytesAreStoredAsGiven() throws Exception {
        byte[] invalid = {'o', 'k', (byte) 0xC3, (byte) 0x28};
        Path file = TestParquet.texts(tmp.resolve("raw.parquet"), List.of(invalid), 10);
        try (ParquetFileReader reader = ParquetFileReader.open(InputFile.of(file)); RowReader rr = reader.rowReader()) {
            assertTrue(rr.hasNext());
            rr.next();
            assertTrue(Arrays.equals(invalid, rr.getBinary("text")));
        }
    }
}
