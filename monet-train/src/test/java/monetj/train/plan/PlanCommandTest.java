package monetj.train.plan;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import monetj.train.cli.MonetCli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code monet plan} against numbers worked out by hand from the configs: the tiny VD model on two H100s (f32, every
 * tensor counted), and Monet-VD 850M on a v4-64 slice at the paper's batch; the JSON keys; and the refusals.
 */
class PlanCommandTest {
    @TempDir
    Path tmp;

    private record Run(int rc, String out, String err) {}

    private static Run plan(String... args) {
        CommandLine cl = MonetCli.commandLine();
        StringWriter out = new StringWriter(), err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        List<String> all = new ArrayList<>(List.of("plan"));
        all.addAll(List.of(args));
        int rc = cl.execute(all.toArray(String[]::new));
        return new Run(rc, out.toString(), err.toString());
    }

    private static JsonNode json(String... args) throws Exception {
        Run r = plan(args);
        assertEquals(0, r.rc(), r.err());
        return new ObjectMapper().readTree(r.out());
    }

    private Path tinyConfig(String remat) throws Exception { return tinyConfig(remat, "tiny-vd"); }

    private Path tinyConfig(String remat, String model) throws Exception {
        Files.copy(Path.of("../configs/models/" + model + ".json"), tmp.resolve("tiny.json"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Path config = tmp.resolve("tiny-" + remat + ".yaml");
        Files.writeString(config, """
                model: tiny.json
                data: {train: none, seq_len: 16}
                train: {batch_size: 8, micro_batch_size: 4, precision: f32, remat: %s}
                mesh: {fsdp: 2}
                """.formatted(remat));
        return config;
    }

    @Test
    void tinyModelOnTwoChipsMatchesTheHandCount() throws Exception {
        // tiny-vd: d=64, L=5, 4 heads of 16, E=16, m=8, H=2, V=512, routers on layers 0 and 4; f32 (a = 4 bytes).
        JsonNode none = json("--config", tinyConfig("none").toString(), "--hardware", "h100", "--chips", "2", "--json");
        JsonNode bytes = none.get("per_device_bytes");

        // Parameters: embedding and LM head 2·V·d; per layer attention 4d², norms 2d, experts 2dEm + Em + Ed; routers 2dHE; final norm d.
        long attention = 4 * 64 * 64, experts = 2 * 64 * 16 * 8 + 16 * 8 + 16 * 64, router = 2 * 64 * 2 * 16;
        long embedHead = 2 * 512 * 64, norms = (2 * 5 + 1) * 64, uBiases = 5 * 16 * 8;
        long all = embedHead + 5 * (attention + 2 * 64 + experts) + 2 * router + 64;
        // fsdp=2 halves every weight with an embed dimension; the norms and u1/u2 biases stay whole.
        long replicated = norms + uBiases, perDevice = (all - replicated) / 2 + replicated;
        long buffers = 2 * 2 * (2 * 4 + 2 * 4 + 8); // per router: norm1, norm2 x (running_mean, running_var f32[H], num_batches_tracked s64)
        assertEquals(4 * perDevice + buffers, bytes.get("params").asLong());
        assertEquals(4 * perDevice, bytes.get("grads").asLong());
        assertEquals(2 * 4 * perDevice, bytes.get("optimizer").asLong());

        // Activations, 32 tokens per device (micro-batch 4 x 16 over fsdp=2), f32, per layer: each RMSNorm keeps its f32
        // input, statistic, value before the weight and output; attention q, k, v, the softmax's exponentials [4 heads,
        // T=16] and sums, the probabilities, the output; VD experts five [E, m/2] tensors per half, the per-head
        // contractions [H, m/2] x 2, s1 and s2.
        long tok = 32;
        long norm = tok * 64 * 4 + tok * 4 + tok * 64 * 4 + tok * 64 * 4;
        long attn = norm + tok * 4 * 16 * 4 /* q */ + 2 * tok * 4 * 16 * 4 /* k, v */ + tok * 4 * (16 * 4 + 4) /* exps, sums */
                + tok * 4 * 16 * 4 /* probs */ + tok * 4 * 16 * 4 /* attention output */;
        long moe = norm + 5 * tok * 16 * 8 * 4 + tok * 2 * 8 * 4 + 2 * tok * 16 * 4;
        long layer = attn + moe, finalNorm = norm;
        long masks = 2 * tok * 2 * 16 + 2 * tok * 2 * (16 * 4 + 4); // the router's selection masks, softmax exponentials and sums
        long routing = 2 * tok * 2 * 16 * 4, logits = 2 * tok * 512 * 4;
        // Weights held whole while in use: a router layer's embed-split weights (two in flight, plus their gradients); embedding and LM head (and gradients).
        long layerGathered = 4 * (attention + 2 * 64 * 16 * 8 + 16 * 64 + router), headGathered = 4 * embedHead;
        long saved = 5 * layer + 2 * (masks + routing) + finalNorm;
        JsonNode acts = none.get("activation_bytes");
        assertEquals(saved, acts.at("/remat_none/held_between_layers").asLong());
        assertEquals(layer + masks, acts.at("/remat_none/layer_backward").asLong());
        assertEquals(logits, acts.at("/remat_none/head_backward").asLong());
        assertEquals(3 * layerGathered, acts.get("gathered_layer_weights").asLong());
        assertEquals(2 * headGathered, acts.get("gathered_embedding_and_head").asLong());
        long noneTotal = saved + Math.max(layer + masks + 3 * layerGathered, logits + 2 * headGathered);
        assertEquals(noneTotal, bytes.get("activations").asLong());
        // Remat: only the layer inputs and the groups' routing stay; a layer is recomputed and differentiated.
        long rematSaved = 5 * tok * 64 * 4 + 2 * routing + finalNorm;
        assertEquals(rematSaved, acts.at("/remat_layer/held_between_layers").asLong());
        assertEquals(2 * (layer + masks), acts.at("/remat_layer/layer_backward").asLong());
        JsonNode layerRun = json("--config", tinyConfig("layer").toString(), "--hardware", "h100", "--chips", "2", "--json");
        assertEquals(rematSaved + Math.max(2 * (layer + masks) + 3 * layerGathered, logits + 2 * headGathered),
                layerRun.at("/per_device_bytes/activations").asLong());
        assertEquals(noneTotal, layerRun.at("/activation_bytes/remat_none/total").asLong());

        // Collectives per step: 2 micro-batches, each gathering the split weights twice (the other half: perDevice - replicated
        // elements) and reduce-scattering their gradients once; the replicated ones' gradients are all-reduced (2 x 1/2).
        long split = 4 * (perDevice - replicated);
        assertEquals(2 * 2 * split, none.at("/collectives_per_step/all_gather_bytes").asLong());
        assertEquals(2 * split, none.at("/collectives_per_step/reduce_scatter_bytes").asLong());
        assertEquals(2 * 4 * replicated, none.at("/collectives_per_step/all_reduce_bytes").asLong());
        assertEquals(450e9, none.at("/collectives_per_step/bandwidth_bytes_per_s").asDouble(), "two H100s of one node: NVLink");

        // tiny-hd has the same sizes; its layer keeps three [E, m] tensors (u before and after relu², y) and one head sum (s2).
        JsonNode hd = json("--config", tinyConfig("none", "tiny-hd").toString(), "--hardware", "h100", "--chips", "2", "--json");
        assertEquals(layer + masks - tok * 16 * 8 * 4 - tok * 16 * 4, hd.at("/activation_bytes/remat_none/layer_backward").asLong());
        assertEquals(bytes.get("params").asLong(), hd.at("/per_device_bytes/params").asLong(), "HD and VD experts have the same parameter count");
    }

    @Test
    void monetVd850mOnAV4SliceAtThePapersBatch() throws Exception {
        JsonNode p = json("--config", "../configs/monet-vd-850m.yaml", "--set", "mesh.fsdp=32", "--set", "train.micro_batch_size=32",
                "--hardware", "v4", "--chips", "32", "--json");
        // Spec §9: 853,501,440 parameters; 49 norms of d=1536 and 24 x 2 u-biases of E·m/2 = 3072 are not split; the rest is split 32 ways.
        long all = 853_501_440L, replicated = 49 * 1536 + 24 * 2 * 3072, perDevice = (all - replicated) / 32 + replicated;
        long buffers = 6 * 2 * (6 * 4 + 6 * 4 + 8);
        JsonNode bytes = p.get("per_device_bytes");
        assertEquals(4 * perDevice + buffers, bytes.get("params").asLong());
        assertEquals(4 * perDevice, bytes.get("grads").asLong());
        assertEquals(8 * perDevice, bytes.get("optimizer").asLong());
        assertEquals(bytes.get("params").asLong() + bytes.get("grads").asLong() + bytes.get("optimizer").asLong() + bytes.get("activations").asLong(),
                bytes.get("total").asLong());

        // bf16-mixed (a = 2), remat layer, 2048 tokens per chip (32 sequences over 32 chips): the 24 layer inputs, the
        // 6 groups' g1, g2 in f32 [T, H=6, E=512], the final norm (f32 input, statistic, before the weight, output).
        long tok = 2048;
        long norm = tok * 1536 * 4 + tok * 4 + 2 * tok * 1536 * 2;
        assertEquals(24 * tok * 1536 * 2 + 6 * 2 * tok * 6 * 512 * 4 + norm, p.at("/activation_bytes/remat_layer/held_between_layers").asLong());
        long attention = norm + 3 * tok * 12 * 128 * 2 + tok * 12 * (2048 * 4 + 4) + tok * 12 * 2048 * 2 + tok * 12 * 128 * 2;
        long experts = norm + 5 * tok * 512 * 12 * 2 + tok * 6 * 12 * 2 + 2 * tok * 512 * 2 + 2 * tok * 6 * 512 * 2;
        long router = 2 * tok * 6 * 512 + 2 * tok * 6 * (512 * 4 + 4);
        assertEquals(2 * (attention + experts + router), p.at("/activation_bytes/remat_layer/layer_backward").asLong());
        assertEquals(2 * tok * 32000 * 4, p.at("/activation_bytes/remat_layer/head_backward").asLong());

        // Spec §13: 3 x L(8d² + 4Td + 4dEm + 4HEm + 2Ed) + (L/4)·4dHE + 2dV per token (5.743 GFLOP); 2^21 tokens per step;
        // 32 chips at 275 TFLOP/s and MFU 0.4.
        double d = 1536, e = 512, m = 12, h = 6;
        double forward = 24 * (8 * d * d + 4 * 2048 * d + 4 * d * e * m + 4 * h * e * m + 2 * e * d) + 6 * 4 * d * h * e + 2 * d * 32000;
        double flops = 3 * forward * 2097152;
        assertEquals(5.743e9 * 2097152, flops, flops * 5e-4); // the table rounds F_fwd to 1.914 before tripling
        assertEquals(flops, p.get("flops_per_step").asDouble(), flops * 1e-12);
        assertEquals(flops / (32 * 275e12 * 0.4), p.get("step_seconds").asDouble(), 1e-3 * p.get("step_seconds").asDouble());
        assertEquals(2097152 / p.get("step_seconds").asDouble(), p.get("tokens_per_second").asDouble(), 1e-6 * p.get("tokens_per_second").asDouble());
        assertEquals(100e9 / p.get("tokens_per_second").asDouble() / 86400, p.get("days_per_100b_tokens").asDouble(), 1e-9);
        // 32 micro-batches; per micro-batch each chip receives 31/32 of every split weight twice and of its gradient once.
        long split = 4 * (perDevice - replicated);
        assertEquals(32L * 2 * 31 * split, p.at("/collectives_per_step/all_gather_bytes").asLong());
        assertEquals(32L * 31 * split, p.at("/collectives_per_step/reduce_scatter_bytes").asLong());
        assertEquals(32L * 2 * 31 * (4 * replicated) / 32, p.at("/collectives_per_step/all_reduce_bytes").asLong(), 32);
        assertEquals(270e9, p.at("/collectives_per_step/bandwidth_bytes_per_s").asDouble());
    }

    @Test
    void jsonHasExactlyTheFiveByteKeysAndTheTextStatesTheDefaultMfu() throws Exception {
        JsonNode p = json("--config", tinyConfig("layer").toString(), "--hardware", "v5p", "--chips", "2", "--json");
        List<String> keys = new ArrayList<>();
        p.get("per_device_bytes").fieldNames().forEachRemaining(keys::add);
        assertEquals(List.of("params", "grads", "optimizer", "activations", "total"), keys);
        for (String k : List.of("flops_per_step", "step_seconds", "tokens_per_second", "days_per_100b_tokens", "collectives_per_step", "hbm_bytes", "mfu")) {
            assertTrue(p.has(k), k);
        }
        assertEquals(0.4, p.get("mfu").asDouble());
        Run text = plan("--config", tinyConfig("layer").toString(), "--hardware", "v5p", "--chips", "2");
        assertEquals(0, text.rc(), text.err());
        assertTrue(text.out().contains("MFU 0.40 (default"), text.out());
        assertTrue(plan("--config", tinyConfig("layer").toString(), "--hardware", "v5p", "--chips", "2", "--mfu", "0.5").out().contains("MFU 0.50 of"));
    }

    @Test
    void refusesChipCountsTheMeshDoesNotSpanAndOtherBadArguments() throws Exception {
        Run wrong = plan("--config", tinyConfig("layer").toString(), "--hardware", "v4", "--chips", "4");
        assertEquals(1, wrong.rc());
        assertTrue(wrong.err().contains("--chips 4") && wrong.err().contains("fsdp=2") && wrong.err().contains("spans 2 chips"), wrong.err());

        Run rest = plan("--config", tinyConfig("layer").toString(), "--set", "mesh.fsdp=-1", "--set", "mesh.data=2", "--hardware", "v4", "--chips", "3");
        assertTrue(rest.rc() == 1 && rest.err().contains("--chips 3") && rest.err().contains("data=2") && rest.err().contains("multiple of 2"), rest.err());

        // 8 chips on fsdp would split the micro-batch of 4 sequences 8 ways.
        Run batch = plan("--config", tinyConfig("layer").toString(), "--set", "mesh.fsdp=-1", "--hardware", "v4", "--chips", "8");
        assertTrue(batch.rc() == 1 && batch.err().contains("on 8 chips") && batch.err().contains("tokens") && batch.err().contains("batch"), batch.err());

        Run chip = plan("--config", tinyConfig("layer").toString(), "--hardware", "v3", "--chips", "2");
        assertTrue(chip.rc() == 1 && chip.err().contains("--hardware must be one of [v4, v5p, a100, h100, h200], got 'v3'"), chip.err());

        Run mfu = plan("--config", tinyConfig("layer").toString(), "--hardware", "v4", "--chips", "2", "--mfu", "1.5");
        assertTrue(mfu.rc() == 1 && mfu.err().contains("--mfu must be in (0, 1]"), mfu.err());
    }

    @Test
    void gpuCollectivesBeyondOneNodeGoAtTheNetworksBandwidth() throws Exception {
        JsonNode p = json("--config", tinyConfig("layer").toString(), "--set", "mesh.fsdp=16", "--set", "train.micro_batch_size=16",
                "--set", "train.batch_size=16", "--hardware", "a100", "--chips", "16", "--json");
        assertEquals(25e9, p.at("/collectives_per_step/bandwidth_bytes_per_s").asDouble());
    }
}
