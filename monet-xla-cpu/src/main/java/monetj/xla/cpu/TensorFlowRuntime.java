package monetj.xla.cpu;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.regex.Pattern;
import org.tensorflow.TensorFlow;

/**
 * Loads TensorFlow's native libraries once. Before they load, their informational log lines (oneDNN notices,
 * "Compiled cluster using XLA!") are turned off through TF_CPP_MIN_LOG_LEVEL=1 unless the user set it, so that
 * warnings and errors still reach stderr.
 */
final class TensorFlowRuntime {
    private static volatile String version;
    /** absl's informational lines (I1201 ...), TensorFlow's ("2026-...: I tensorflow/..."), and absl's notice that it logs to stderr. */
    private static final Pattern INFO = Pattern.compile(
            "^(I\\d{4} .*|\\d{4}-\\d\\d-\\d\\d [0-9:.]+: I .*|WARNING: All log messages before absl::InitializeLog\\(\\) is called are written to STDERR)$");

    private TensorFlowRuntime() {}

    /** TensorFlow's version, loading the libraries on first use. */
    static String load() {
        if (version == null) {
            synchronized (TensorFlowRuntime.class) {
                if (version == null) {
                    if (System.getenv("TF_CPP_MIN_LOG_LEVEL") == null) setenv("TF_CPP_MIN_LOG_LEVEL", "1");
                    version = TensorFlow.version();
                }
            }
        }
        return version;
    }

    /** {@code log} without TensorFlow's informational lines: what is worth passing on to the user. */
    static String withoutInfo(String log) {
        StringBuilder sb = new StringBuilder();
        for (String line : log.split("\n")) if (!line.isBlank() && !INFO.matcher(line).matches()) sb.append(line).append('\n');
        return sb.toString();
    }

    private static void setenv(String name, String value) {
        Linker linker = Linker.nativeLinker();
        MethodHandle setenv = linker.downcallHandle(linker.defaultLookup().find("setenv").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
        try (Arena arena = Arena.ofConfined()) {
            int rc = (int) setenv.invokeExact(arena.allocateFrom(name), arena.allocateFrom(value), 0);
            if (rc != 0) throw new IllegalStateException("setenv " + name + " failed");
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("setenv " + name + " failed", e);
        }
    }
}
