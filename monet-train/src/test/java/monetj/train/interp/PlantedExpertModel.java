package monetj.train.interp;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import monetj.core.model.HfModelDirectory;
import monetj.core.model.MonetConfig;
import monetj.core.model.MonetModel;
import monetj.core.tensor.DType;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Shape;

/**
 * A two-layer Monet (one routing group) whose routing is planted: token v routes, in every head, all its weight to
 * composed expert (v / E, v % E), so with vocabulary E² each expert fires on exactly one token id and scores H
 * there. The embedding of v is one-hot in i = v / E (first E dims) and in j = v % E (last E dims); router rows pick
 * those dims; the attention output projections are zero, so every position only sees its own token. Expert and
 * head weights are random. Also writes a word-level tokenizer.json whose token {@link #PLANTED} reads "planted".
 */
public final class PlantedExpertModel {
    public static final int E = 8, VOCAB = E * E, HEADS = 2;
    /** The token id of interest and its expert: (4, 5) = id 37. */
    public static final int PLANTED = 37;

    private PlantedExpertModel() {}

    public static MonetConfig config(MonetConfig.Decompose decompose) {
        return new MonetConfig(VOCAB, 2 * E, 2, 2, 2, E, 64, 1e-6, 10000.0, 0.02, false, "relu2", decompose, 4, HEADS, E, 2, 4, 1, 2, null);
    }

    public static Map<String, HostTensor> weights(MonetConfig c, long seed) {
        Random rnd = new Random(seed);
        Map<String, HostTensor> w = new LinkedHashMap<>(new MonetModel(c).init(seed).asMap());
        int d = c.hiddenSize();
        for (var e : w.entrySet()) {
            String k = e.getKey();
            if (k.contains(".moe.") || k.equals("lm_head.weight")) e.setValue(random(rnd, e.getValue().shape(), 0.5));
        }
        float[] embed = new float[VOCAB * d];
        for (int v = 0; v < VOCAB; v++) {
            embed[v * d + v / E] = 1f;
            embed[v * d + E + v % E] = 1f;
        }
        w.put("model.embed_tokens.weight", HostTensor.of(Shape.of(VOCAB, d), embed));
        for (int l = 0; l < c.numHiddenLayers(); l++) w.put("model.layers." + l + ".self_attn.o_proj.weight", HostTensor.zeros(DType.F32, Shape.of(d, d)));
        w.put("model.layers.0.router.w1.weight", selector(0, d));
        w.put("model.layers.0.router.w2.weight", selector(E, d));
        return w;
    }

    /** Router rows (h, x) = 8 * unit vector on dim offset + x: logit 8 * z_x, far above the threshold only for the token's own x. */
    private static HostTensor selector(int offset, int d) {
        float[] m = new float[HEADS * E * d];
        for (int h = 0; h < HEADS; h++) for (int x = 0; x < E; x++) m[(h * E + x) * d + offset + x] = 8f;
        return HostTensor.of(Shape.of(HEADS * E, d), m);
    }

    private static HostTensor random(Random rnd, Shape s, double scale) {
        float[] v = new float[Math.toIntExact(s.size())];
        for (int i = 0; i < v.length; i++) v[i] = (float) (rnd.nextGaussian() * scale);
        return HostTensor.of(s, v);
    }

    /** Writes the model as a Hugging Face directory (f32) with its word-level tokenizer. */
    public static Path write(Path dir, MonetConfig.Decompose decompose, long seed) throws IOException {
        MonetConfig c = config(decompose);
        HfModelDirectory.write(dir, c, weights(c, seed), DType.F32, Long.MAX_VALUE);
        ObjectMapper json = new ObjectMapper();
        ObjectNode tok = json.createObjectNode();
        ObjectNode model = tok.putObject("model");
        model.put("type", "WordLevel").put("unk_token", "w0");
        ObjectNode vocab = model.putObject("vocab");
        for (int v = 0; v < VOCAB; v++) vocab.put(word(v), v);
        tok.putObject("pre_tokenizer").put("type", "Whitespace");
        tok.putArray("added_tokens");
        Files.writeString(dir.resolve("tokenizer.json"), json.writeValueAsString(tok));
        return dir;
    }

    public static String word(int v) { return v == PLANTED ? "planted" : "w" + v; }
}
