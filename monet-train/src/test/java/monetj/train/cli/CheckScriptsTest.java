package monetj.train.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Safetensors;
import monetj.train.emit.ProgramIo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The GPU-host check scripts of scripts/check, as far as they run here (no JAX, no GPU): the Python parses, the shell
 * scripts parse, and their numpy half works on what {@code monet emit --io} writes for the 8-device sharded step (the
 * safetensors reader, every leaf against the signature, splitting into device blocks and gathering back, comparing
 * two result files). Skipped, naming what is missing, without python3 or numpy.
 */
class CheckScriptsTest {
    private static final Path CHECK = Path.of("../scripts/check");
    private static final Path SPMD = CHECK.resolve("spmd_on_jax_cpu.py");

    @TempDir
    Path tmp;

    private record Run(int exit, String output) {}

    private static Run run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), cmd + " did not finish");
        return new Run(p.exitValue(), out);
    }

    private static boolean has(String... cmd) {
        try {
            return run(List.of(cmd)).exit() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    @Test
    void theScriptsParse() throws Exception {
        assumeTrue(has("python3", "--version"), "python3 is not installed");
        for (String py : List.of("spmd_on_jax_cpu.py")) {
            Run r = run(List.of("python3", "-c", "import py_compile, sys; py_compile.compile(sys.argv[1], cfile=sys.argv[2], doraise=True)",
                    CHECK.resolve(py).toString(), tmp.resolve(py + "c").toString()));
            assertEquals(0, r.exit(), py + ": " + r.output());
        }
        for (String sh : List.of("spmd_on_jax_cpu.sh", "cuda_step.sh")) {
            Run r = run(List.of("bash", "-n", CHECK.resolve(sh).toString()));
            assertEquals(0, r.exit(), sh + ": " + r.output());
            assertTrue(Files.isExecutable(CHECK.resolve(sh)), sh + " is not executable");
        }
    }

    @Test
    void theNumpyHalfChecksWhatEmitWritesForEightDevices() throws Exception {
        assumeTrue(has("python3", "-c", "import numpy"), "python3 with numpy is not installed");
        Path config = tmp.resolve("run.yaml");
        Files.writeString(config, "model: " + Path.of("../configs/models/tiny-vd.json").toAbsolutePath() + "\n"
                + "data: {train: none, seq_len: 16}\ntrain: {batch_size: 8, micro_batch_size: 8, precision: f32, seed: 7}\n");
        Path module = tmp.resolve("fsdp8/step.mlir"), io = tmp.resolve("io");
        List<String> args = new ArrayList<>(List.of("emit", "--config", config.toString(), "--program", "step", "--set", "mesh.data=2", "--set", "mesh.fsdp=4",
                "--devices", "8", "--out", module.toString(), "--io", io.toString(), "--io-backend", "java"));
        assertEquals(0, MonetCli.commandLine().execute(args.toArray(String[]::new)));
        Map<String, HostTensor> out = Safetensors.read(io.resolve(ProgramIo.OUTPUTS)).tensors();
        assertTrue(Double.isFinite(out.get("loss").getDouble(0)) && out.get("loss").getDouble(0) > 1, "the Java executor's loss: " + out.get("loss"));

        Run self = run(List.of("python3", SPMD.toString(), "--self-test", io.toString(), tmp.resolve("fsdp8/step.signature.json").toString()));
        assertEquals(0, self.exit(), self.output());
        assertTrue(self.output().contains("275 inputs and 282 outputs of monet_step") && self.output().contains("over 8 device(s) gather back bitwise"), self.output());

        Run same = run(List.of("python3", SPMD.toString(), "--compare", io.resolve(ProgramIo.OUTPUTS).toString(), io.resolve(ProgramIo.outputsOf("java")).toString()));
        assertEquals(0, same.exit(), same.output());
        assertTrue(same.output().contains("282 of 282 results agree"), same.output());

        Map<String, HostTensor> changed = new java.util.LinkedHashMap<>(out);
        float[] w = changed.get("lm_head.weight").floats().clone();
        w[5] *= 1.01f; // far beyond 1e-4 relative
        changed.put("lm_head.weight", HostTensor.of(changed.get("lm_head.weight").shape(), w));
        Path bad = tmp.resolve("changed.safetensors");
        Safetensors.write(bad, changed, Map.of());
        Run differs = run(List.of("python3", SPMD.toString(), "--compare", io.resolve(ProgramIo.OUTPUTS).toString(), bad.toString()));
        assertEquals(1, differs.exit(), differs.output());
        assertTrue(differs.output().contains("DIFFERS lm_head.weight") && differs.output().contains("element 5"), differs.output());
    }
}
