package monetj.train.interp;

import static org.junit.jupiter.api.Assertions.*;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import monetj.core.model.MonetConfig;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The viewer site in headless Chromium (Debian package {@code chromium}, installed by .ci/run; the test skips by
 * name without it): opened from file://, it shows the planted expert with its token highlighted, finds it by token,
 * and refuses an expert id out of range. Leaves a screenshot in target/viewer-expert.png.
 */
class ViewerSiteTest {
    private static final int P = PlantedExpertModel.PLANTED;

    static String chromium() {
        String env = System.getenv("MONET_CHROMIUM");
        if (env != null) return env;
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            for (String name : List.of("chromium", "chromium-browser", "google-chrome")) {
                if (Files.isExecutable(Path.of(dir, name))) return Path.of(dir, name).toString();
            }
        }
        return null;
    }

    /** Runs headless Chromium on the page; returns the DOM after its scripts ran. */
    static String dom(String browser, Path profile, String url, Path screenshot) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(browser, "--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=" + profile,
                "--virtual-time-budget=5000", "--window-size=1200,1100"));
        cmd.add(screenshot != null ? "--screenshot=" + screenshot : "--dump-dom");
        cmd.add(url);
        Path out = Files.createTempFile(profile.getParent(), "dom", ".html");
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        assertTrue(p.waitFor(90, TimeUnit.SECONDS), "chromium did not finish on " + url);
        assertEquals(0, p.exitValue(), "chromium failed on " + url);
        return Files.readString(out, StandardCharsets.UTF_8);
    }

    @Test
    void theSiteShowsThePlantedExpertFromTheFileSystem(@TempDir Path tmp) throws Exception {
        String browser = chromium();
        Assumptions.assumeTrue(browser != null, "headless Chromium not found (apt-get install chromium, or set MONET_CHROMIUM): viewer test skipped");
        Path model = PlantedExpertModel.write(tmp.resolve("model"), MonetConfig.Decompose.VERTICAL, 8);
        Path ids = InterpretabilityCommandsTest.idsFile(tmp, InterpretabilityCommandsTest.ids(4, 32, 5));
        InterpretabilityCommandsTest.ok("experts", "--model", model.toString(), "--input", ids.toString(), "--out", tmp.resolve("atlas").toString(), "--context", "3");
        Path site = tmp.resolve("site");
        InterpretabilityCommandsTest.ok("viewer", tmp.resolve("atlas").toString(), "--out", site.toString());
        String index = site.resolve("index.html").toUri().toString();
        Path profile = tmp.resolve("profile");

        String expert = dom(browser, profile, index + "#g=0&e=" + P, null);
        assertTrue(expert.contains("<span id=\"expert-id\">" + P + "</span> = (4, 5)"), expert);
        assertEquals(3, count(expert, "class=\"top-context\""), "three activations, three contexts");
        assertEquals(3, count(expert, "<span class=\"tok hit\">planted</span>"), "each context highlights the planted token");
        assertTrue(expert.contains("2.000"), "the score S = H = 2");
        assertEquals(10, count(expert, "class=\"effect\""), "ten promoted tokens (the model was found through the atlas)");
        assertTrue(expert.contains("id=\"histogram\""));

        String search = dom(browser, profile, index + "#g=0&q=planted", null);
        assertTrue(search.contains("href=\"#g=0&amp;e=" + P + "\""), search);

        String overview = dom(browser, profile, index, null);
        assertTrue(overview.contains("active experts") && overview.contains("Most active experts"), overview);

        String outOfRange = dom(browser, profile, index + "#g=0&e=64", null);
        assertTrue(outOfRange.contains("expert 64 is out of range: ids run from 0 to 63"), outOfRange);

        Path shot = Path.of("target", "viewer-expert.png").toAbsolutePath();
        dom(browser, profile, index + "#g=0&e=" + P, shot);
        assertTrue(Files.size(shot) > 10_000, "a screenshot was taken");
    }

    private static int count(String s, String needle) {
        int n = 0;
        for (int i = s.indexOf(needle); i >= 0; i = s.indexOf(needle, i + 1)) n++;
        return n;
    }
}
