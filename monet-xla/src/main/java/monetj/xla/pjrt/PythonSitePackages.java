package monetj.xla.pjrt;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The site-packages directories of the {@code python3} on PATH, as that interpreter reports them: a virtual
 * environment (say {@code /opt/torch/.venv} with Python 3.12) is found without guessing its version. No
 * interpreter, or one that does not answer within seconds, gives none.
 */
final class PythonSitePackages {
    private static final String ASK = "import site, sys; print('\\n'.join(site.getsitepackages() + [site.getusersitepackages()]))";

    private PythonSitePackages() {}

    static List<Path> ofPython3OnPath() {
        List<Path> out = new ArrayList<>();
        try {
            Process p = new ProcessBuilder("python3", "-c", ASK).redirectErrorStream(false).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            p.getOutputStream().close();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return out;
            }
            if (p.exitValue() != 0) return out;
            for (String line : new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (!line.isBlank()) out.add(Path.of(line.strip()));
            }
        } catch (IOException e) {
            return out; // no python3 on PATH
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return out;
    }
}
