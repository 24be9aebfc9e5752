package monetj.data.parquet;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import monetj.data.parquet.ParquetTextWriter.Column;
import monetj.data.parquet.ParquetTextWriter.ColumnType;

/** Writes small Parquet files of text rows for tests. */
public final class TestParquet {
    private TestParquet() {}

    /** A file with a {@code text} column (null entries become nulls; byte[] entries are written raw) and an id column. */
    public static Path texts(Path file, List<?> texts, int rowsPerGroup) throws IOException {
        try (ParquetTextWriter w = new ParquetTextWriter(file, List.of(new Column("text", ColumnType.STRING), new Column("id", ColumnType.INT64)), rowsPerGroup)) {
            long id = 0;
            for (Object t : texts) w.write(t, id++);
        }
        return file;
    }
}
