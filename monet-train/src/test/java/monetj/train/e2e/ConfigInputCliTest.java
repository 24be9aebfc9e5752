package monetj.train.e2e;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Config input that used to be silently wrong: each is now an error naming the key, or does what it says. */
class ConfigInputCliTest {
    @TempDir Path tmp;

    private TinyRun.Result train(TinyRun t, String run, String... sets) {
        java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("train", "--config", t.config.toString(), "--run-dir", tmp.resolve(run).toString()));
        for (String s : sets) args.addAll(java.util.List.of("--set", s));
        return TinyRun.cli(args.toArray(String[]::new));
    }

    @Test
    void aFractionForAnIntegerKeyIsRefusedByName() throws Exception {
        TinyRun t = new TinyRun(tmp);
        var r = train(t, "frac", "train.batch_size=2.5");
        assertEquals(1, r.exitCode());
        assertTrue(r.stderr().contains("'train.batch_size' has the wrong type") && r.stderr().contains("2.5"), r.stderr());
        assertFalse(Files.exists(tmp.resolve("frac/config.resolved.json")), "nothing recorded for a refused config");
    }

    @Test
    void modelKeysOfAModelFileCanBeOverriddenAndUnknownOnesAreRefused() throws Exception {
        TinyRun t = new TinyRun(tmp);
        var ok = train(t, "topk", "model.moe_topk=3", "train.steps=1");
        assertEquals(0, ok.exitCode(), ok.stderr());
        var resolved = new ObjectMapper().readTree(tmp.resolve("topk/config.resolved.json").toFile());
        assertEquals(3, resolved.get("model").get("moe_topk").asInt());
        assertEquals(3, new ObjectMapper().readTree(tmp.resolve("topk/checkpoints/step-1/config.json").toFile()).get("moe_topk").asInt());

        var typo = train(t, "typo", "model.moe_topK=3");
        assertEquals(1, typo.exitCode());
        assertTrue(typo.stderr().contains("'moe_topK' is not a Monet model config key (did you mean 'moe_topk'?)"), typo.stderr());
    }

    @Test
    void ropeScalingIsRefusedByNameUnlessNull() throws Exception {
        TinyRun t = new TinyRun(tmp);
        var r = train(t, "rope", "model.rope_scaling={type: linear, factor: 2.0}");
        assertEquals(1, r.exitCode());
        assertTrue(r.stderr().contains("'rope_scaling' is not supported"), r.stderr());
        assertEquals(0, train(t, "rope-null", "model.rope_scaling=null", "train.steps=1").exitCode());
    }

    @Test
    void sweepRunsWithUnknownKeysAnEmptyGridAndPathLikeNamesAreRefused() throws Exception {
        new TinyRun(tmp);
        String[][] cases = {
                {"runs: [{name: a, sett: {optimizer.lr: 1.0e-3}}]", "'runs[a].sett' is not a run key"},
                {"grid: {}\nruns: [{name: a, set: {optimizer.lr: 1.0e-3}}]", "'grid' must map config keys to lists"},
                {"runs: [{name: ../../../../tmp/pwn, set: {optimizer.lr: 1.0e-3}}]", "is not a plain name"},
        };
        for (String[] c : cases) {
            Path sweep = tmp.resolve("bad.yaml");
            Files.writeString(sweep, "base: run.yaml\nruns_dir: sweep-runs\n" + c[0] + "\n");
            var r = TinyRun.cli("sweep", "--config", sweep.toString(), "--write-configs");
            assertEquals(1, r.exitCode(), c[0]);
            assertTrue(r.stderr().contains(c[1]), c[0] + " -> " + r.stderr());
        }
        assertFalse(Files.exists(tmp.resolve("sweep-runs")), "nothing written for a refused sweep");
    }

    @Test
    void writtenSweepConfigsTrainFromWhereTheyAreWritten() throws Exception {
        TinyRun t = new TinyRun(tmp);
        Path sweeps = Files.createDirectories(tmp.resolve("sweeps"));
        Files.writeString(sweeps.resolve("s.yaml"), "base: ../run.yaml\nruns_dir: ../elsewhere/runs\nruns: [{name: short, set: {train.steps: 1}}]\n");
        PrintStream saved = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true));
        TinyRun.Result w;
        try {
            w = TinyRun.cli("sweep", "--config", sweeps.resolve("s.yaml").toString(), "--write-configs");
        } finally {
            System.setOut(saved);
        }
        assertEquals(0, w.exitCode(), w.stderr());
        Path written = tmp.resolve("elsewhere/runs/short.yaml");
        assertTrue(out.toString().contains(" train --config " + written + " --run-dir " + tmp.resolve("elsewhere/runs/short")), out.toString());
        var tree = new ObjectMapper(new YAMLFactory()).readTree(written.toFile());
        assertEquals(t.corpus.toString(), tree.get("data").get("train").asText());
        var r = TinyRun.cli("train", "--config", written.toString(), "--run-dir", tmp.resolve("elsewhere/runs/short").toString());
        assertEquals(0, r.exitCode(), r.stderr());
    }

    @Test
    void printedCommandsStartTheWayTheLauncherWasStarted() throws Exception {
        new TinyRun(tmp);
        Path sweep = tmp.resolve("s.yaml");
        Files.writeString(sweep, "base: run.yaml\nruns_dir: out\nruns: [{name: one, set: {train.steps: 1}}]\n");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "--add-modules", "jdk.incubator.vector", "-cp", System.getProperty("java.class.path"),
                "monetj.train.cli.MonetCli", "sweep", "--config", sweep.toString(), "--write-configs").redirectErrorStream(true);
        pb.environment().put("MONET_COMMAND", "/opt/monet-j/scripts/monet");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), out);
        assertTrue(out.contains("/opt/monet-j/scripts/monet train --config " + tmp.resolve("out/one.yaml")), out);
    }
}
