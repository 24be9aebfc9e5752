package monetj.xla.stablehlo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * LLVM's {@code mlir-opt} as a syntax check of emitted modules (generic form, unregistered dialect allowed).
 * Tests that use it are skipped, naming the package to install, where it is absent.
 */
public final class MlirOpt {
    private MlirOpt() {}

    public static Path find() throws IOException {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            Path p = Path.of(dir, "mlir-opt");
            if (Files.isExecutable(p)) return p;
        }
        Path llvm = Path.of("/usr/lib");
        if (!Files.isDirectory(llvm)) return null;
        try (Stream<Path> dirs = Files.list(llvm)) {
            return dirs.filter(d -> d.getFileName().toString().startsWith("llvm-"))
                    .map(d -> d.resolve("bin/mlir-opt")).filter(Files::isExecutable)
                    .max(Comparator.naturalOrder()).orElse(null);
        }
    }

    /** Runs mlir-opt once over the modules, split into separate inputs. */
    public static void assertParses(List<String> modules) throws Exception {
        Path mlirOpt = find();
        assumeTrue(mlirOpt != null, "mlir-opt not found on PATH or in /usr/lib/llvm-*/bin (install Debian's mlir-19-tools to run this check)");
        String text = String.join("// -----\n", modules);
        Path file = Files.createTempFile("monet-emitted", ".mlir");
        try {
            Files.writeString(file, text);
            Process p = new ProcessBuilder(mlirOpt.toString(), "--allow-unregistered-dialect", "--split-input-file", file.toString())
                    .redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(120, TimeUnit.SECONDS);
            assertEquals(0, p.exitValue(), "mlir-opt rejected the emitted text:\n" + output);
        } finally {
            Files.delete(file);
        }
    }

}
