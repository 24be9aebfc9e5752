package monetj.data.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InputFilesTest {
    @TempDir
    Path tmp;

    @Test
    void globsDirectoriesAndPathsExpandToOneSortedListWithoutDuplicates() throws Exception {
        Path sub = Files.createDirectories(tmp.resolve("shards/sub"));
        Path b = Files.writeString(tmp.resolve("shards/b.parquet"), "x");
        Path a = Files.writeString(tmp.resolve("shards/a.parquet"), "x");
        Path c = Files.writeString(sub.resolve("c.jsonl"), "x");
        Files.writeString(tmp.resolve("shards/notes.txt"), "x");
        assertEquals(List.of(a, b), InputFiles.expand(List.of(tmp + "/shards/*.parquet")));
        assertEquals(List.of(a, b, c), InputFiles.expand(List.of(tmp + "/shards")));
        assertEquals(List.of(a, b, c), InputFiles.expand(List.of(tmp + "/shards/**", b.toString(), tmp + "/shards/*.parquet")).stream()
                .filter(p -> !p.toString().endsWith(".txt")).toList());
        assertEquals(List.of(c), InputFiles.expand(List.of(tmp + "/shards/**/*.jsonl")));
    }

    @Test
    void doubleStarAlsoMatchesTheBaseDirectoryAndSymlinkedDirectoriesAreWalked() throws Exception {
        Path top = Files.writeString(Files.createDirectories(tmp.resolve("data")).resolve("top.jsonl"), "x");
        Path deep = Files.writeString(Files.createDirectories(tmp.resolve("data/sub")).resolve("deep.jsonl"), "x");
        assertEquals(List.of(deep, top), InputFiles.expand(List.of(tmp + "/data/**/*.jsonl")));
        Files.writeString(Files.createDirectories(tmp.resolve("disk")).resolve("shard.parquet"), "x");
        Files.createSymbolicLink(tmp.resolve("linked"), tmp.resolve("disk"));
        assertEquals(List.of(tmp.resolve("linked/shard.parquet")), InputFiles.expand(List.of(tmp + "/linked")));
        assertEquals(List.of(tmp.resolve("linked/shard.parquet")), InputFiles.expand(List.of(tmp + "/linked/*.parquet")));
    }

    @Test
    void aPatternMatchingNothingIsAnError() {
        DataInputException e = assertThrows(DataInputException.class, () -> InputFiles.expand(List.of(tmp + "/nothing/*.parquet")));
        assertEquals(tmp + "/nothing/*.parquet: no input files match", e.getMessage());
    }
}
