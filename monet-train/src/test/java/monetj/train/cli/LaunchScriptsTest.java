package monetj.train.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * scripts/tpu-pod.sh and scripts/gpu-hosts.sh in --dry-run: every worker gets its own identity and the same config,
 * the config travels with its model file, the worker count comes from gcloud when not given, and bad arguments stop
 * with a message that says what is wrong.
 */
class LaunchScriptsTest {
    private static final Pattern IDENTITY = Pattern.compile("--config (\\S+) --run-dir (\\S+) --process-id (\\d+) --num-processes (\\d+) --coordinator (\\S+)");

    @TempDir Path tmp;
    private Path config, bundle;

    private record Run(int rc, String out, String err) {}

    @BeforeEach
    void files() throws Exception {
        Files.createDirectories(tmp.resolve("recipe/models"));
        Files.copy(Path.of("../configs/models/tiny-vd.json"), tmp.resolve("recipe/models/tiny.json"));
        config = tmp.resolve("recipe/run.yaml");
        Files.writeString(config, "model: models/tiny.json   # the model travels along\ndata: {train: none, seq_len: 16}\n");
        bundle = tmp.resolve("monet-bundle.tar.gz");
        Files.writeString(bundle, "not really a bundle");
    }

    private Run script(String name, String path, List<String> args) throws Exception { return script(name, path, java.util.Map.of(), args); }

    private Run script(String name, String path, java.util.Map<String, String> env, List<String> args) throws Exception {
        List<String> command = new ArrayList<>(List.of("bash", Path.of("../scripts", name).toAbsolutePath().toString()));
        command.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(command).directory(tmp.toFile());
        Path out = tmp.resolve("out.txt"), err = tmp.resolve("err.txt");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        if (path != null) pb.environment().put("PATH", path);
        pb.environment().put("MONET_CACHE", tmp.resolve("empty-cache").toString());
        pb.environment().putAll(env);
        Process p = pb.start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the script finished");
        return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    private Run tpuPod(String... args) throws Exception { return script("tpu-pod.sh", null, List.of(args)); }

    /** A PATH with the tools the scripts use and no gcloud. */
    private String pathWithoutGcloud() throws Exception {
        Path bin = Files.createDirectories(tmp.resolve("bin-no-gcloud"));
        for (String tool : List.of("bash", "sed", "mktemp", "cp", "mkdir", "dirname", "basename", "rm", "head", "sort", "uniq", "find", "tr", "cat")) {
            Path real = Path.of("/usr/bin", tool);
            if (!Files.exists(real)) real = Path.of("/bin", tool);
            if (!Files.exists(bin.resolve(tool))) Files.createSymbolicLink(bin.resolve(tool), real);
        }
        return bin.toString();
    }

    /** Identities [process id, process count, coordinator, config, run dir] of the started processes, in order. */
    private static List<String[]> identities(String out) {
        List<String[]> ids = new ArrayList<>();
        Matcher m = IDENTITY.matcher(out);
        while (m.find()) ids.add(new String[] {m.group(3), m.group(4), m.group(5), m.group(1), m.group(2)});
        return ids;
    }

    private static void assertDistinctIdentities(String out, int n, String coordinator) {
        List<String[]> ids = identities(out);
        assertEquals(n, ids.size(), out);
        Set<String> processIds = new TreeSet<>();
        for (String[] id : ids) {
            processIds.add(id[0]);
            assertEquals(String.valueOf(n), id[1], out);
            assertEquals(coordinator, id[2], out);
            assertEquals("config/run.yaml", id[3], "every process reads the same config");
            assertEquals("runs/run", id[4], "and writes the same run directory");
        }
        Set<String> expected = new TreeSet<>();
        for (int i = 0; i < n; i++) expected.add(String.valueOf(i));
        assertEquals(expected, processIds, out);
    }

    @Test
    void tpuPodDryRunStartsEightWorkersWithTheirOwnIdentityAndTheSameConfig() throws Exception {
        Run r = script("tpu-pod.sh", pathWithoutGcloud(), List.of("my-v4-64", "--zone", "us-central2-b", "--config", config.toString(), "--workers", "8",
                "--bundle", bundle.toString(), "--dry-run", "--", "--resume"));
        assertEquals(0, r.rc(), r.err());
        assertDistinctIdentities(r.out(), 8, "WORKER0_IP:8476");
        for (int i = 0; i < 8; i++) {
            assertTrue(r.out().contains("--worker=" + i + " --command 'cd monet && MONET_CACHE=$HOME/monet/cache nohup setsid monet-bundle/bin/monet train") && r.out().contains("> logs/worker-" + i + ".log"), r.out());
        }
        assertEquals(8, r.out().split("--resume", -1).length - 1, "the arguments after -- reach every worker");
        assertTrue(r.out().contains("gcloud compute tpus tpu-vm scp --recurse " + bundle), r.out());
        assertTrue(r.out().contains("--worker=all --command 'cd monet && tar xzf monet-bundle.tar.gz") && r.out().contains("fuser -k /dev/accel*"), r.out());
        assertTrue(r.out().contains("--worker=0 --command 'tail -n +1 -F monet/logs/worker-0.log'"), "streams worker 0's log:\n" + r.out());
        assertTrue(r.err().contains("copying config/models/tiny.json config/run.yaml"), r.err());
        assertTrue(r.err().contains("warning: no --run-dir"), r.err());
    }

    @Test
    void theLlama2TokenizerTravelsWithTheConfigAndTheRunDirectoryIsPassedOn() throws Exception {
        Path cache = tmp.resolve("cache");
        Files.createDirectories(cache.resolve("tokenizers/llama2"));
        Files.writeString(cache.resolve("tokenizers/llama2/tokenizer.json"), "{}");
        Files.writeString(config, Files.readString(config).replace("data: {train: none, seq_len: 16}", "data:\n  train: none\n  tokenizer: llama2\n  seq_len: 16"));
        Run r = script("tpu-pod.sh", null, java.util.Map.of("MONET_CACHE", cache.toString()), List.of("pod", "--zone", "z", "--config", config.toString(), "--workers", "2",
                "--bundle", bundle.toString(), "--run-dir", "/mnt/shared/runs/x", "--dry-run"));
        assertEquals(0, r.rc(), r.err());
        assertTrue(r.err().contains("copying cache/tokenizers/llama2/tokenizer.json config/models/tiny.json config/run.yaml"), r.err());
        assertTrue(r.out().matches("(?s).*scp --recurse \\S+ \\S+/config \\S+/cache pod:monet/ .*"), r.out());
        assertTrue(r.out().contains("--run-dir /mnt/shared/runs/x --process-id 1 --num-processes 2"), r.out());
        assertFalse(r.err().contains("warning"), r.err());
        Run missing = script("tpu-pod.sh", null, List.of("pod", "--zone", "z", "--config", config.toString(), "--workers", "2", "--bundle", bundle.toString(), "--dry-run"));
        assertTrue(missing.rc() == 0 && missing.err().contains("warning: the llama2 tokenizer is not in"), missing.err());
    }

    @Test
    void tpuPodTakesTheWorkersAndTheCoordinatorFromGcloud() throws Exception {
        Path bin = Files.createDirectories(tmp.resolve("bin-fake-gcloud"));
        Path gcloud = bin.resolve("gcloud");
        Files.writeString(gcloud, """
                #!/usr/bin/env bash
                [[ "$*" == "compute tpus tpu-vm describe my-v4-64 --zone us-central2-b --project proj"* ]] || { echo "unexpected: $*" >&2; exit 1; }
                for i in 2 3 4 5 6 7 8 9; do echo 10.130.0.$i; done
                """);
        Files.setPosixFilePermissions(gcloud, PosixFilePermissions.fromString("rwxr-xr-x"));
        String path = bin + ":" + System.getenv("PATH");
        List<String> args = List.of("my-v4-64", "--zone", "us-central2-b", "--project", "proj", "--config", config.toString(), "--bundle", bundle.toString(),
                "--coordinator-port", "9999", "--dry-run");
        Run r = script("tpu-pod.sh", path, args);
        assertEquals(0, r.rc(), r.err());
        assertDistinctIdentities(r.out(), 8, "10.130.0.2:9999");
        // Not a dry run (a dry run with --workers asks gcloud nothing): the count is checked before anything runs.
        List<String> mismatch = new ArrayList<>(args.subList(0, args.size() - 1));
        mismatch.addAll(List.of("--workers", "4"));
        Run m = script("tpu-pod.sh", path, mismatch);
        assertEquals(2, m.rc());
        assertTrue(m.err().contains("--workers 4, but TPU my-v4-64 has 8 workers"), m.err());
    }

    @Test
    void gpuHostsDryRunGivesEachHostOfTheFileItsIdentity() throws Exception {
        Path hosts = tmp.resolve("hosts");
        Files.writeString(hosts, "# the coordinator first\ngpu-a\n\nalice@gpu-b   \ngpu-c\n");
        Run r = script("gpu-hosts.sh", null, List.of(hosts.toString(), "--config", config.toString(), "--bundle", bundle.toString(), "--dry-run"));
        assertEquals(0, r.rc(), r.err());
        assertDistinctIdentities(r.out(), 3, "gpu-a:8476");
        assertTrue(r.out().contains("+ ssh alice@gpu-b 'cd monet && MONET_CACHE=$HOME/monet/cache nohup setsid monet-bundle/bin/monet train --config config/run.yaml --run-dir runs/run --process-id 1 "), r.out());
        for (String host : List.of("gpu-a", "alice@gpu-b", "gpu-c")) {
            assertTrue(r.out().matches("(?s).*\\+ scp -q -r " + Pattern.quote(bundle.toString()) + " \\S+/config " + host + ":monet/\n.*"), host + ":\n" + r.out());
        }
        assertTrue(r.out().contains("+ ssh gpu-a 'tail -n +1 -F monet/logs/process-0.log'"), r.out());
    }

    @Test
    void badArgumentsStopWithAClearMessage() throws Exception {
        String c = config.toString(), b = bundle.toString();
        String[][] tpuCases = {
                {"no TPU name", "the TPU name is missing", "--zone", "z", "--config", c, "--workers", "8", "--dry-run"},
                {"no zone", "--zone is required", "pod", "--config", c, "--workers", "8", "--dry-run"},
                {"no config", "--config RUN.yaml is required", "pod", "--zone", "z", "--workers", "8", "--dry-run"},
                {"missing config", "--config nope.yaml: no such file", "pod", "--zone", "z", "--config", "nope.yaml", "--dry-run"},
                {"bad port", "--coordinator-port must be a port number, got 'http'", "pod", "--zone", "z", "--config", c, "--coordinator-port", "http", "--dry-run"},
                {"bad count", "--workers must be a positive integer, got '0'", "pod", "--zone", "z", "--config", c, "--workers", "0", "--dry-run"},
                {"unknown option", "unknown option --zones", "pod", "--zones", "z"},
                {"option without value", "--zone needs a value", "pod", "--zone"},
                {"missing bundle", "--bundle /no/bundle.tgz: no such file", "pod", "--zone", "z", "--config", c, "--workers", "2", "--bundle", "/no/bundle.tgz", "--dry-run"},
        };
        for (String[] t : tpuCases) {
            Run r = tpuPod(java.util.Arrays.copyOfRange(t, 2, t.length));
            assertEquals(2, r.rc(), t[0]);
            assertTrue(r.err().contains(t[1]), t[0] + ": " + r.err());
        }
        Run noGcloud = script("tpu-pod.sh", pathWithoutGcloud(), List.of("pod", "--zone", "z", "--config", c, "--bundle", b, "--dry-run"));
        assertTrue(noGcloud.rc() == 2 && noGcloud.err().contains("without gcloud, --dry-run needs --workers N"), noGcloud.err());
        Run live = script("tpu-pod.sh", pathWithoutGcloud(), List.of("pod", "--zone", "z", "--config", c, "--bundle", b));
        assertTrue(live.rc() == 2 && live.err().contains("gcloud is not on PATH"), live.err());

        Path empty = tmp.resolve("empty-hosts"), twice = tmp.resolve("twice");
        Files.writeString(empty, "# nobody\n\n");
        Files.writeString(twice, "gpu-a\ngpu-a\n");
        String[][] gpuCases = {
                {"no host file", "the host file is missing", "--config", c, "--dry-run"},
                {"missing host file", "host file nowhere: no such file", "nowhere", "--config", c, "--dry-run"},
                {"empty host file", "names no host", empty.toString(), "--config", c, "--bundle", b, "--dry-run"},
                {"a host twice", "names a host twice: gpu-a", twice.toString(), "--config", c, "--bundle", b, "--dry-run"},
                {"no config", "--config RUN.yaml is required", twice.toString(), "--dry-run"},
        };
        for (String[] t : gpuCases) {
            Run r = script("gpu-hosts.sh", null, List.of(java.util.Arrays.copyOfRange(t, 2, t.length)));
            assertEquals(2, r.rc(), t[0]);
            assertTrue(r.err().contains(t[1]), t[0] + ": " + r.err());
        }
        Files.writeString(config, "model: models/gone.json\n");
        Run noModel = tpuPod("pod", "--zone", "z", "--config", c, "--workers", "2", "--bundle", b, "--dry-run");
        assertTrue(noModel.rc() != 0 && noModel.err().contains("model file") && noModel.err().contains("gone.json does not exist"), noModel.err());
    }
}
