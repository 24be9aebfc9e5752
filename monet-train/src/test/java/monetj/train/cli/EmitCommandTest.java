package monetj.train.cli;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code monet emit} writes the module and its signature for every program, from shapes only: the published 850M
 * recipe emits in seconds (with remat, bf16-mixed: every product bf16 x bf16 -> f32, one barrier per layer).
 */
class EmitCommandTest {
    private static final Pattern DOT = Pattern.compile("\"stablehlo\\.dot_general\"\\([^)]*\\) \\{[^}]*\\} : \\(tensor<[^>]*x(\\w+)>, tensor<[^>]*x(\\w+)>\\) -> tensor<[^>]*x(\\w+)>");

    @TempDir
    Path tmp;

    private static int emit(String... args) {
        CommandLine cl = MonetCli.commandLine();
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err, true));
        int rc = cl.execute(args);
        if (rc != 0) System.err.println(err);
        return rc;
    }

    private static int count(String s, String what) {
        int n = 0;
        for (int i = s.indexOf(what); i >= 0; i = s.indexOf(what, i + 1)) n++;
        return n;
    }

    @Test
    void everyProgramOfARunEmitsWithItsSignature() throws Exception {
        Path config = tmp.resolve("run.yaml");
        Files.copy(Path.of("../configs/models/tiny-hd.json"), tmp.resolve("model.json"));
        Files.writeString(config, """
                model: model.json
                data: {train: none, seq_len: 16}
                train: {batch_size: 4, micro_batch_size: 2}
                """);
        ObjectMapper json = new ObjectMapper();
        for (String program : new String[] {"step", "gradients", "eval", "forward", "init"}) {
            Path out = tmp.resolve(program + ".mlir");
            assertEquals(0, emit("emit", "--config", config.toString(), "--program", program, "--out", out.toString()), program);
            String text = Files.readString(out);
            JsonNode sig = json.readTree(tmp.resolve(program + ".signature.json").toFile());
            String arguments = text.substring(text.indexOf("@main("), text.indexOf(") -> ("));
            assertEquals(sig.get("inputs").size(), count(arguments, "%arg"), program);
            assertEquals(sig.get("outputs").size(), count(text, "jax.result_info"), program);
            int donated = 0;
            for (JsonNode leaf : sig.get("inputs")) donated += leaf.get("donated").asBoolean() ? 1 : 0;
            assertEquals(donated, count(arguments, "jax.buffer_donor = true"), program);
        }
        JsonNode step = json.readTree(tmp.resolve("step.signature.json").toFile());
        assertEquals("monet_step_accumulated", step.get("program").asText(), "two micro-batches: the update adds the earlier gradients");
        JsonNode first = step.get("inputs").get(0);
        assertEquals("params", first.get("group").asText());
        assertEquals("model.embed_tokens.weight", first.get("name").asText());
        assertTrue(first.get("donated").asBoolean());
        assertTrue(first.get("sharding").isNull());
        boolean lossMean = false;
        for (JsonNode leaf : step.get("outputs")) if (leaf.get("name").asText().equals("loss")) lossMean = leaf.get("combine").asText().equals("mean");
        assertTrue(lossMean);
        assertTrue(Files.readString(tmp.resolve("step.mlir")).contains("xf32>"), "the Java executor's default: f32");
        assertEquals(1, emit("emit", "--config", config.toString(), "--program", "steps", "--out", tmp.resolve("x.mlir").toString()));
        JsonNode init = json.readTree(tmp.resolve("init.signature.json").toFile());
        assertEquals("seed", init.get("inputs").get(0).get("name").asText(), "the init program takes only the seed");
        assertEquals(1, init.get("inputs").size());
    }

    /** The 850M recipe's init program for 32 devices: every result sharded, so each device makes only its shards. */
    @Test
    void theInitProgramOnAMeshCarriesTheShardingsOnItsResults() throws Exception {
        Path out = tmp.resolve("vd-850m-init.mlir");
        long t0 = System.nanoTime();
        assertEquals(0, emit("emit", "--config", "../configs/monet-vd-850m.yaml", "--program", "init", "--set", "mesh.fsdp=32",
                "--set", "train.micro_batch_size=32", "--out", out.toString()));
        System.err.printf("monet-vd-850m init program for fsdp=32: %.1f s%n", (System.nanoTime() - t0) / 1e9);
        String text = Files.readString(out);
        assertTrue(text.contains("mhlo.num_partitions = 32 : i32"));
        JsonNode sig = new ObjectMapper().readTree(tmp.resolve("vd-850m-init.signature.json").toFile());
        int sharded = 0;
        for (JsonNode leaf : sig.get("outputs")) {
            assertFalse(leaf.get("sharding").isNull(), leaf.get("name").asText());
            if (leaf.get("sharding").toString().contains("fsdp")) sharded++;
        }
        assertTrue(sharded > 100, sharded + " results split over fsdp");
        assertEquals(sig.get("outputs").size(), count(text.substring(text.indexOf(") -> ("), text.indexOf(") {\n", text.indexOf(") -> ("))), "sdy.sharding = "));
    }

    @Test
    void thePublished850mStepEmitsFromShapesInSeconds() throws Exception {
        Path out = tmp.resolve("vd-850m-step.mlir");
        long t0 = System.nanoTime();
        assertEquals(0, emit("emit", "--config", "../configs/monet-vd-850m.yaml", "--program", "step", "--set", "backend.kind=pjrt", "--out", out.toString()));
        double seconds = (System.nanoTime() - t0) / 1e9;
        String text = Files.readString(out);
        Map<String, Integer> dots = new TreeMap<>();
        Matcher m = DOT.matcher(text);
        while (m.find()) dots.merge(m.group(1) + " x " + m.group(2) + " -> " + m.group(3), 1, Integer::sum);
        System.err.printf("monet-vd-850m bf16-mixed step: %.1f s, dot_generals by operand and result type %s%n", seconds, dots);
        assertEquals(1, dots.size(), dots.toString());
        assertTrue(dots.getOrDefault("bf16 x bf16 -> f32", 0) > 1000, dots.toString());
        assertEquals(24, count(text, "stablehlo.optimization_barrier"), "remat: layer, one barrier per decoder layer");
        assertTrue(seconds < 60, "took " + seconds + " s");
    }

    @Test
    void aMeshSetOnTheCommandLineShardsTheStep() throws Exception {
        Path out = tmp.resolve("vd-850m-fsdp32.mlir");
        java.io.ByteArrayOutputStream table = new java.io.ByteArrayOutputStream();
        java.io.PrintStream stdout = System.out;
        System.setOut(new java.io.PrintStream(table, true));
        try {
            assertEquals(0, emit("emit", "--config", "../configs/monet-vd-850m.yaml", "--program", "step", "--set", "mesh.fsdp=32",
                    "--set", "train.micro_batch_size=32", "--out", out.toString(), "--sharding-table"));
        } finally {
            System.setOut(stdout);
        }
        String text = Files.readString(out);
        assertTrue(text.contains("mhlo.num_partitions = 32 : i32"));
        assertTrue(text.contains("sdy.mesh @mesh = <[\"data\"=1, \"fsdp\"=32, \"tensor\"=1, \"expert\"=1]>"));
        JsonNode sig = new ObjectMapper().readTree(tmp.resolve("vd-850m-fsdp32.signature.json").toFile());
        for (JsonNode leaf : sig.get("inputs")) assertFalse(leaf.get("sharding").isNull(), leaf.get("name").asText());
        String t = table.toString();
        System.err.print(t);
        assertTrue(t.contains("model.layers.*.moe.u1.weight") && t.contains("[., fsdp]"), t);
        // f32: the replicated vectors (norms, u biases) whole on every device, every other parameter a 32nd
        assertTrue(t.contains("per device: parameters 107,550,720 bytes"), t);
        assertTrue(t.contains("AdamW m+v 215,101,440 bytes"), t);
    }
}
