package monetj.train.interp;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import monetj.core.interp.ExpertMask;
import monetj.core.interp.ModelFingerprint;
import monetj.core.model.HfModelDirectory;
import monetj.core.model.MonetConfig;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Safetensors;
import monetj.core.tensor.Shape;
import monetj.data.shard.TokenShardFixture;
import monetj.train.cli.MonetCli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The interpretability commands end to end on {@link PlantedExpertModel}, whose expert 37 of group 0 fires only on token 37. */
class InterpretabilityCommandsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int P = PlantedExpertModel.PLANTED;

    record Result(int rc, String out, String err) {}

    static Result monet(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        var cl = MonetCli.commandLine();
        cl.setErr(new PrintWriter(err));
        StringBuilder failure = new StringBuilder();
        cl.setExecutionExceptionHandler((ex, line, parse) -> {
            failure.append("monet: ").append(ex.getMessage()).append('\n');
            return 1;
        });
        java.io.PrintStream oldOut = System.out, oldErr = System.err;
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream(), capturedErr = new java.io.ByteArrayOutputStream();
        System.setOut(new java.io.PrintStream(captured, true));
        System.setErr(new java.io.PrintStream(capturedErr, true));
        int rc;
        try {
            rc = cl.execute(args);
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
        return new Result(rc, captured + out.toString(), capturedErr + err.toString() + failure);
    }

    static Result ok(String... args) {
        Result r = monet(args);
        assertEquals(0, r.rc(), "monet " + String.join(" ", args) + " failed: " + r.err());
        return r;
    }

    /** Random ids over the vocabulary with the planted token at a few known places. */
    static HostTensor ids(int b, int t, long seed) {
        Random rnd = new Random(seed);
        int[] v = new int[b * t];
        for (int k = 0; k < v.length; k++) {
            do v[k] = rnd.nextInt(PlantedExpertModel.VOCAB); while (v[k] == P);
        }
        for (int at : new int[] {3, t + 7, v.length - 2}) if (at < v.length) v[at] = P;
        return HostTensor.of(Shape.of(b, t), v);
    }

    static Path idsFile(Path dir, HostTensor ids) throws Exception {
        Path f = dir.resolve("ids.safetensors");
        Safetensors.write(f, Map.of("input_ids", ids), null);
        return f;
    }

    static List<JsonNode> lines(Path file) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (String l : Files.readAllLines(file)) if (!l.isBlank()) out.add(JSON.readTree(l));
        return out;
    }

    @Test
    void expertsRanksThePlantedTokenFirstAndEachExpertSeesOnlyItsToken(@TempDir Path tmp) throws Exception {
        Path model = PlantedExpertModel.write(tmp.resolve("model"), MonetConfig.Decompose.VERTICAL, 1);
        Path atlas = tmp.resolve("atlas");
        Result r = ok("experts", "--model", model.toString(), "--input", idsFile(tmp, ids(4, 32, 5)).toString(), "--out", atlas.toString(), "--top", "5", "--context", "2");
        assertTrue(r.err().contains("tokens/s"), r.err());
        JsonNode planted = null;
        for (JsonNode line : lines(atlas.resolve("group-0.jsonl"))) {
            int id = line.path("expert").asInt();
            for (JsonNode t : line.path("top")) assertEquals(id, t.path("token").asInt(), "expert " + id + " fires only on its own token");
            if (id == P) planted = line;
        }
        assertNotNull(planted, "the planted expert is in the atlas");
        assertEquals(3, planted.path("count").asInt());
        assertEquals(4, planted.path("i").asInt());
        assertEquals(5, planted.path("j").asInt());
        JsonNode first = planted.path("top").get(0);
        assertEquals(P, first.path("token").asInt());
        assertEquals(PlantedExpertModel.HEADS, first.path("score").asDouble(), 1e-5, "S = sum over heads of 1 x 1");
        assertEquals("planted", first.path("token_text").asText());
        assertEquals(0, first.path("row").asInt());
        assertEquals(3, first.path("pos").asInt());
        assertEquals(2, first.path("at").asInt());
        assertEquals(5, first.path("context").size());
        JsonNode summary = JSON.readTree(atlas.resolve("summary.json").toFile());
        assertEquals(128, summary.path("tokens").asLong());
        assertEquals(ModelFingerprint.of(PlantedExpertModel.config(MonetConfig.Decompose.VERTICAL)), summary.path("config_hash").asText());
        long active = summary.path("groups").get(0).path("active_experts").asLong();
        long histogramTotal = 0;
        for (JsonNode c : summary.path("groups").get(0).path("density_histogram").path("counts")) histogramTotal += c.asLong();
        assertEquals(active, histogramTotal);
    }

    @Test
    void routingListsEachTokensOwnExpertFirst(@TempDir Path tmp) throws Exception {
        Path model = PlantedExpertModel.write(tmp.resolve("model"), MonetConfig.Decompose.HORIZONTAL, 2);
        HostTensor ids = ids(2, 16, 3);
        Path out = tmp.resolve("routing.safetensors");
        ok("routing", "--model", model.toString(), "--input", idsFile(tmp, ids).toString(), "--out", out.toString(), "--top", "3");
        Map<String, HostTensor> r = Safetensors.read(out).tensors();
        int[] experts = r.get("group0.experts").ints(), active = r.get("group0.active").ints();
        float[] scores = r.get("group0.scores").floats();
        for (int k = 0; k < 32; k++) {
            assertEquals(ids.ints()[k], experts[3 * k], "token " + k);
            assertEquals(2f, scores[3 * k], 1e-5);
            assertEquals(-1, experts[3 * k + 1], "no second expert has a nonzero score");
            assertEquals(1, active[k]);
        }
    }

    @ParameterizedTest
    @EnumSource(MonetConfig.Decompose.class)
    void maskingThePlantedExpertRemovesExactlyItsContribution(MonetConfig.Decompose decompose, @TempDir Path tmp) throws Exception {
        Path model = PlantedExpertModel.write(tmp.resolve("model"), decompose, 3);
        ok("mask", "select", "--rule", "experts:0:" + P, "--model", model.toString(), "--out", tmp.resolve("masks").toString());
        Path in = idsFile(tmp, ids(2, 16, 9));
        ok("forward", "--model", model.toString(), "--input", in.toString(), "--out", tmp.resolve("plain.safetensors").toString());
        ok("forward", "--model", model.toString(), "--input", in.toString(), "--out", tmp.resolve("masked.safetensors").toString(),
                "--mask", tmp.resolve("masks/experts.safetensors").toString());
        float[] plain = Safetensors.read(tmp.resolve("plain.safetensors")).tensors().get("logits").floats();
        float[] masked = Safetensors.read(tmp.resolve("masked.safetensors")).tensors().get("logits").floats();
        int[] tokens = Safetensors.read(in).tensors().get("input_ids").ints();
        HfModelDirectory.Model m = HfModelDirectory.read(model);
        // All of the token's routing weight is on the masked expert: C = (1 - M) S = 0, so both layers of the group
        // add nothing and the logits are the LM head on the normalised embedding (attention outputs are zero).
        float[] expected = headOnEmbedding(m, P);
        int v = PlantedExpertModel.VOCAB;
        double changed = 0;
        for (int pos = 0; pos < tokens.length; pos++) {
            for (int k = 0; k < v; k++) {
                float got = masked[pos * v + k];
                if (tokens[pos] == P) {
                    assertEquals(expected[k], got, 1e-5 * (1 + Math.abs(expected[k])), "planted position " + pos + " logit " + k);
                    changed += Math.abs(got - plain[pos * v + k]);
                } else {
                    assertEquals(plain[pos * v + k], got, 1e-5 * (1 + Math.abs(got)), "unmasked position " + pos + " logit " + k);
                }
            }
        }
        assertTrue(changed > 1e-2, "masking changed the planted positions");
    }

    /** lm_head · RMSNorm(embedding[token]) with the final norm's gain. */
    private static float[] headOnEmbedding(HfModelDirectory.Model m, int token) {
        Map<String, HostTensor> w = m.f32Tensors();
        int d = m.config().hiddenSize(), v = m.config().vocabSize();
        float[] x = new float[d], emb = w.get("model.embed_tokens.weight").floats(), gain = w.get("model.norm.weight").floats(), head = w.get("lm_head.weight").floats();
        double ms = 0;
        for (int k = 0; k < d; k++) ms += emb[token * d + k] * emb[token * d + k];
        double scale = 1 / Math.sqrt(ms / d + m.config().rmsNormEps());
        for (int k = 0; k < d; k++) x[k] = (float) (emb[token * d + k] * scale) * gain[k];
        float[] out = new float[v];
        for (int t = 0; t < v; t++) {
            double s = 0;
            for (int k = 0; k < d; k++) s += head[t * d + k] * x[k];
            out[t] = (float) s;
        }
        return out;
    }

    /** Half the tokens of either domain are shared (0..19); the other half is the planted token (A) or 40..50 (B). */
    static Path domain(Path dir, boolean a, long seed) throws Exception {
        Random rnd = new Random(seed);
        List<int[]> docs = new ArrayList<>();
        for (int d = 0; d < 40; d++) {
            int[] doc = new int[40];
            for (int k = 0; k < doc.length; k++) doc[k] = rnd.nextBoolean() ? rnd.nextInt(20) : a ? P : 40 + rnd.nextInt(11);
            docs.add(doc);
        }
        return TokenShardFixture.write(dir, docs, PlantedExpertModel.VOCAB, 7);
    }

    @Test
    void skewSelectsThePlantedExpertForItsDomainAndEvalShowsTheDeltas(@TempDir Path tmp) throws Exception {
        Path model = PlantedExpertModel.write(tmp.resolve("model"), MonetConfig.Decompose.VERTICAL, 4);
        Path a = domain(tmp.resolve("a"), true, 1), b = domain(tmp.resolve("b"), false, 2);
        ok("experts", "--model", model.toString(), "--data", a.toString(), "--out", tmp.resolve("atlas-a").toString(), "--seq-len", "16");
        ok("experts", "--model", model.toString(), "--data", b.toString(), "--out", tmp.resolve("atlas-b").toString(), "--seq-len", "16");
        Path masks = tmp.resolve("masks");
        Result r = ok("mask", "select", "--by-domain", "A=" + tmp.resolve("atlas-a"), "B=" + tmp.resolve("atlas-b"), "--rule", "skew:2.0", "--out", masks.toString());
        MonetConfig c = PlantedExpertModel.config(MonetConfig.Decompose.VERTICAL);
        boolean[] maskA = ExpertMask.read(masks.resolve("A.safetensors"), c).groups().get(0);
        boolean[] maskB = ExpertMask.read(masks.resolve("B.safetensors"), c).groups().get(0);
        assertTrue(maskA[P], "the planted expert belongs to domain A");
        assertFalse(maskB[P]);
        for (int t = 0; t < 20; t++) assertFalse(maskA[t] || maskB[t], "expert " + t + " is shared by both domains: a generalist");
        for (int t = 40; t <= 50; t++) assertTrue(maskB[t] && !maskA[t], "expert " + t + " is B's");
        assertEquals(1, countTrue(maskA));
        assertEquals(11, countTrue(maskB));
        JsonNode report = JSON.readTree(masks.resolve("report.json").toFile());
        assertEquals(1, report.path("masks").get(0).path("removed").asLong());
        assertTrue(r.out().contains("A"), r.out());

        Result eval = ok("eval", "--model", model.toString(), "--data", "A=" + a, "B=" + b, "--mask", masks.resolve("A.safetensors").toString(),
                "--batches", "2", "--batch", "2", "--seq-len", "16");
        Map<String, Double> delta = new LinkedHashMap<>();
        for (String line : eval.out().split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length == 5 && (f[0].equals("A") || f[0].equals("B"))) delta.put(f[0], Double.parseDouble(f[4]));
        }
        assertEquals(0.0, delta.get("B"), 1e-4, "B has no planted token: masking A's expert leaves it unchanged\n" + eval.out());
        assertTrue(Math.abs(delta.get("A")) > 1e-3, "A's loss changes\n" + eval.out());
        assertTrue(eval.out().contains("delta target (A)"), eval.out());
    }

    private static int countTrue(boolean[] m) {
        int n = 0;
        for (boolean x : m) if (x) n++;
        return n;
    }

    @Test
    void pearsonSelectsTheExpertThatTracksTheTokenScore(@TempDir Path tmp) throws Exception {
        Path model = PlantedExpertModel.write(tmp.resolve("model"), MonetConfig.Decompose.HORIZONTAL, 5);
        HostTensor ids = ids(4, 16, 11);
        float[] score = new float[64];
        for (int k = 0; k < 64; k++) score[k] = ids.ints()[k] == P ? 1f : 0f;
        Path file = tmp.resolve("scores.safetensors");
        Safetensors.write(file, Map.of("input_ids", ids, "scores", HostTensor.of(Shape.of(4, 16), score)), null);
        ok("mask", "select", "--model", model.toString(), "--rule", "pearson:0.9", "--token-scores", file.toString(), "--out", tmp.resolve("m").toString());
        boolean[] m = ExpertMask.read(tmp.resolve("m/pearson.safetensors"), PlantedExpertModel.config(MonetConfig.Decompose.HORIZONTAL)).groups().get(0);
        assertTrue(m[P]);
        assertEquals(1, countTrue(m));
    }

    @Test
    void badInputIsRefusedByName(@TempDir Path tmp) throws Exception {
        Path vd = PlantedExpertModel.write(tmp.resolve("vd"), MonetConfig.Decompose.VERTICAL, 6);
        Path hd = PlantedExpertModel.write(tmp.resolve("hd"), MonetConfig.Decompose.HORIZONTAL, 6);
        Path in = idsFile(tmp, ids(2, 8, 1));
        MonetConfig c = PlantedExpertModel.config(MonetConfig.Decompose.VERTICAL);

        Path wrongShape = tmp.resolve("wrong.safetensors");
        new ExpertMask(4, Map.of(0, new boolean[16]), ModelFingerprint.of(c), "x", "test").write(wrongShape);
        Result r = monet("forward", "--model", vd.toString(), "--input", in.toString(), "--out", tmp.resolve("o.safetensors").toString(), "--mask", wrongShape.toString());
        assertEquals(1, r.rc());
        assertTrue(r.err().contains("'group0'") && r.err().contains("bool[8,8]"), r.err());

        ok("mask", "select", "--rule", "experts:0:1", "--model", hd.toString(), "--out", tmp.resolve("hd-masks").toString());
        r = monet("forward", "--model", vd.toString(), "--input", in.toString(), "--out", tmp.resolve("o.safetensors").toString(), "--mask",
                tmp.resolve("hd-masks/experts.safetensors").toString());
        assertEquals(1, r.rc());
        assertTrue(r.err().contains("made for another model") && r.err().contains("config hash"), r.err());

        ok("experts", "--model", hd.toString(), "--input", in.toString(), "--out", tmp.resolve("atlas-hd").toString());
        ok("experts", "--model", vd.toString(), "--input", in.toString(), "--out", tmp.resolve("atlas-vd").toString());
        r = monet("mask", "select", "--by-domain", "A=" + tmp.resolve("atlas-hd"), "B=" + tmp.resolve("atlas-vd"), "--rule", "skew:2", "--out", tmp.resolve("x").toString());
        assertEquals(1, r.rc());
        assertTrue(r.err().contains("made for another model"), r.err());
        r = monet("viewer", tmp.resolve("atlas-hd").toString(), "--model", vd.toString(), "--out", tmp.resolve("site").toString());
        assertEquals(1, r.rc());
        assertTrue(r.err().contains("made for another model") && r.err().contains("config hash"), r.err());

        r = monet("mask", "select", "--rule", "experts:0:64", "--model", vd.toString(), "--out", tmp.resolve("y").toString());
        assertEquals(1, r.rc());
        assertTrue(r.err().contains("expert id 64 of group 0 is out of range [0, 64)"), r.err());
        r = monet("mask", "select", "--rule", "experts:1:3", "--model", vd.toString(), "--out", tmp.resolve("y").toString());
        assertEquals(1, r.rc());
        assertTrue(r.err().contains("group 1 is out of range"), r.err());
    }
}
