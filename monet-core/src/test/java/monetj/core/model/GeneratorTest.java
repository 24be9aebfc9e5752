package monetj.core.model;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import monetj.core.exec.JavaExecutor;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Safetensors;
import monetj.core.tensor.Shape;
import org.junit.jupiter.api.Test;

class GeneratorTest {
    @Test
    void cachedGreedyDecodingEqualsArgmaxOfFullForwardPasses() throws Exception {
        MonetConfig config = MonetConfig.read(MonetGoldenTest.GOLDEN.resolve("tiny-vd.config.json"));
        Map<String, HostTensor> weights = Safetensors.read(MonetGoldenTest.GOLDEN.resolve("tiny-vd.weights.safetensors")).tensors();
        JavaExecutor exec = new JavaExecutor();
        int[] prompt = {1, 17, 300, 42};
        List<Integer> generated;
        try (Generator gen = new Generator(config, weights, exec, 16)) {
            generated = gen.generate(prompt, 6, Generator.Sampling.greedy(), null);
        }
        assertEquals(6, generated.size());
        // The same tokens, one full (uncached) forward pass per step.
        List<Integer> seq = new ArrayList<>();
        for (int p : prompt) seq.add(p);
        for (int n = 0; n < 6; n++) {
            int[] ids = seq.stream().mapToInt(Integer::intValue).toArray();
            ForwardProgram fp = ForwardProgram.build(config, ForwardProgram.typesOf(weights), 1, ids.length, false, false);
            float[] logits = fp.run(exec, weights, HostTensor.of(Shape.of(1, ids.length), ids)).get("logits").floats();
            int v = config.vocabSize(), best = 0;
            for (int i = 1; i < v; i++) if (logits[(ids.length - 1) * v + i] > logits[(ids.length - 1) * v + best]) best = i;
            assertEquals(best, generated.get(n), "token " + n);
            seq.add(best);
        }
    }

    @Test
    void nucleusSamplingOnlyPicksFromTheNucleus() {
        float[] logits = {0f, 5f, 4.9f, -3f, -10f};
        Random rnd = new Random(1);
        for (int i = 0; i < 200; i++) {
            int t = Generator.pick(logits, new Generator.Sampling(1.0, 0.9, 1), rnd);
            assertTrue(t == 1 || t == 2, "picked " + t);
        }
        assertEquals(1, Generator.pick(logits, Generator.Sampling.greedy(), rnd));
    }
}
