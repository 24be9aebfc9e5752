package monetj.xla.cpu;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * XLA's own account of why a module did not compile, from what it wrote to fd 2: its MLIR diagnostics
 * ({@code loc("-":LINE:COL): error: ...}), each followed by the offending line of the module text with a caret
 * under the column, and TensorFlow's error lines when there is no located diagnostic.
 */
final class CompileDiagnostics {
    private static final Pattern LOCATED = Pattern.compile("loc\\(\"-\":(\\d+):(\\d+)\\): (error|warning|note|remark): (.*)");
    private static final Pattern ERROR_LINE = Pattern.compile("^(E\\d{4} |.* [EFW] tensorflow/|.*(INVALID_ARGUMENT|UNIMPLEMENTED|INTERNAL|FAILED_PRECONDITION|error:)).*");

    private CompileDiagnostics() {}

    /** The explanation to append to a compile failure; empty when the log holds nothing that explains it. */
    static String explain(String log, String module) {
        String[] moduleLines = module.split("\n", -1);
        List<String> out = new ArrayList<>();
        for (String line : log.split("\n")) {
            Matcher m = LOCATED.matcher(line);
            if (m.find()) {
                int row = Integer.parseInt(m.group(1)), col = Integer.parseInt(m.group(2));
                out.add("  line " + row + ":" + col + ": " + m.group(3) + ": " + m.group(4));
                if (row >= 1 && row <= moduleLines.length) {
                    String text = moduleLines[row - 1];
                    int lead = text.length() - text.stripLeading().length();
                    out.add("    " + text.strip());
                    out.add("    " + " ".repeat(Math.max(0, col - 1 - lead)) + "^");
                }
            }
        }
        if (out.isEmpty()) {
            for (String line : log.split("\n")) if (ERROR_LINE.matcher(line).matches()) out.add("  " + line.strip());
        }
        return out.isEmpty() ? "" : "XLA said:\n" + String.join("\n", out);
    }
}
