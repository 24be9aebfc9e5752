package monetj.data.source;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.FileVisitOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Expands input arguments (plain paths, directories, or globs such as {@code data/*.parquet} and
 * {@code data/**}{@code /*.jsonl}) into a sorted, duplicate-free list of files, so every run and every
 * process sees the same order. A pattern that matches nothing is an error naming the pattern.
 */
public final class InputFiles {
    private InputFiles() {}

    public static List<Path> expand(List<String> patterns) {
        TreeSet<Path> files = new TreeSet<>();
        for (String pattern : patterns) {
            List<Path> matched = expandOne(pattern);
            if (matched.isEmpty()) throw new DataInputException(pattern + ": no input files match");
            files.addAll(matched);
        }
        return new ArrayList<>(files);
    }

    private static List<Path> expandOne(String pattern) {
        int firstGlob = indexOfGlob(pattern);
        if (firstGlob < 0) {
            Path p = Path.of(pattern);
            if (Files.isDirectory(p)) return listReadable(p, null, Integer.MAX_VALUE);
            return Files.exists(p) ? List.of(p.toAbsolutePath().normalize()) : List.of();
        }
        // Walk from the deepest directory before the first wildcard.
        int slash = pattern.lastIndexOf('/', firstGlob);
        Path base = slash < 0 ? Path.of(".") : Path.of(slash == 0 ? "/" : pattern.substring(0, slash));
        String glob = Path.of(pattern).toAbsolutePath().normalize().toString();
        // As in shells with globstar, "**/" also matches no directory at all: data/**/*.jsonl includes data/x.jsonl.
        PathMatcher deep = FileSystems.getDefault().getPathMatcher("glob:" + glob);
        PathMatcher shallow = glob.contains("**/") ? FileSystems.getDefault().getPathMatcher("glob:" + glob.replace("**/", "")) : deep;
        PathMatcher matcher = p -> deep.matches(p) || shallow.matches(p);
        if (!Files.isDirectory(base)) return List.of();
        // Only "**" reaches arbitrarily deep; otherwise walk no deeper than the pattern has levels.
        String rest = pattern.substring(slash + 1);
        int depth = rest.contains("**") ? Integer.MAX_VALUE : (int) rest.chars().filter(c -> c == '/').count() + 1;
        return listReadable(base, matcher, depth);
    }

    private static List<Path> listReadable(Path dir, PathMatcher matcher, int depth) {
        try (Stream<Path> walk = Files.walk(dir, depth, FileVisitOption.FOLLOW_LINKS)) { // data dirs are often symlinks to disks
            return walk.map(p -> p.toAbsolutePath().normalize())
                    .filter(Files::isRegularFile)
                    .filter(p -> matcher == null ? isInputName(p) : matcher.matches(p))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new DataInputException(dir + ": cannot list: " + e.getMessage(), e);
        }
    }

    private static boolean isInputName(Path p) {
        String n = p.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
        return n.endsWith(".parquet") || n.endsWith(".jsonl") || n.endsWith(".ndjson") || n.endsWith(".json");
    }

    private static int indexOfGlob(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '*' || c == '?' || c == '[' || c == '{') return i;
        }
        return -1;
    }
}
