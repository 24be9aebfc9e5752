package monetj.core.model;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import monetj.core.exec.JavaExecutor;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Safetensors;
import monetj.core.tensor.Shape;
import org.junit.jupiter.api.Test;

/** Cached decoding with an expert mask follows the masked full forward pass, token by token. */
class MaskedGenerationTest {
    @Test
    void maskedCachedDecodingEqualsArgmaxOfMaskedForwardPasses() throws Exception {
        MonetConfig config = MonetConfig.read(MonetGoldenTest.GOLDEN.resolve("tiny-vd.config.json"));
        Map<String, HostTensor> weights = Safetensors.read(MonetGoldenTest.GOLDEN.resolve("tiny-vd.weights.safetensors")).tensors();
        Random rnd = new Random(2);
        Map<String, HostTensor> masks = new LinkedHashMap<>();
        ExpertMaskInputs.types(config).forEach((name, type) -> {
            float[] m = new float[Math.toIntExact(type.shape().size())];
            for (int k = 0; k < m.length; k++) m[k] = rnd.nextDouble() < 0.5 ? 1f : 0f;
            masks.put(name, HostTensor.of(type.shape(), m));
        });
        JavaExecutor exec = new JavaExecutor();
        int[] prompt = {1, 17, 300, 42};
        List<Integer> masked, plain;
        try (Generator gen = new Generator(config, weights, masks, exec, 16)) {
            masked = gen.generate(prompt, 5, Generator.Sampling.greedy(), null);
        }
        try (Generator gen = new Generator(config, weights, exec, 16)) {
            plain = gen.generate(prompt, 5, Generator.Sampling.greedy(), null);
        }
        assertNotEquals(plain, masked, "removing half the experts changes the continuation");
        Map<String, HostTensor> all = new LinkedHashMap<>(weights);
        all.putAll(masks);
        List<Integer> seq = new ArrayList<>();
        for (int p : prompt) seq.add(p);
        for (int n = 0; n < masked.size(); n++) {
            int[] ids = seq.stream().mapToInt(Integer::intValue).toArray();
            ForwardProgram fp = ForwardProgram.build(config, ForwardProgram.typesOf(weights), 1, ids.length, false, false, true);
            float[] logits = fp.run(exec, all, HostTensor.of(Shape.of(1, ids.length), ids)).get("logits").floats();
            int v = config.vocabSize(), best = 0;
            for (int i = 1; i < v; i++) if (logits[(ids.length - 1) * v + i] > logits[(ids.length - 1) * v + best]) best = i;
            assertEquals(best, masked.get(n), "token " + n);
            seq.add(best);
        }
    }
}
