package monetj.data;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Fetches npm packages for tests through scripts/fetch-npm-package.sh (the script users run, into the same
 * cache), or skips the calling test with the reason when npm or the registry is not there.
 */
public final class NpmPackages {
    private NpmPackages() {}

    /** The unpacked package directory, e.g. for {@code llama-tokenizer-js@1.2.2}. */
    public static Path fetchOrSkip(String spec) throws InterruptedException {
        Assumptions.assumeTrue(runs("npm", "--version"), "npm is not installed: skipping (needs " + spec + ")");
        Path script = Path.of("..", "scripts", "fetch-npm-package.sh").toAbsolutePath().normalize();
        try {
            Process p = new ProcessBuilder("bash", script.toString(), spec).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            Assumptions.assumeTrue(p.waitFor() == 0, "could not fetch " + spec + " from npm (" + err + "): skipping");
            return Path.of(out);
        } catch (IOException e) {
            Assumptions.abort("could not run " + script + ": " + e.getMessage());
            throw new AssertionError(e);
        }
    }

    /** Whether a command runs and exits 0 (used to find node and npm). */
    public static boolean runs(String... command) throws InterruptedException {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        }
    }
}
