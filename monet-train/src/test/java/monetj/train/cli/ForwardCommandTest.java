package monetj.train.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Safetensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ForwardCommandTest {
    private static final Path GOLDEN = Path.of("../monet-core/src/test/resources/golden");

    @Test
    void writesTheReferenceEvalLogitsFromAnHfDirectory(@TempDir Path tmp) throws Exception {
        Path model = tmp.resolve("tiny-hd");
        Files.createDirectories(model);
        Files.copy(GOLDEN.resolve("tiny-hd.config.json"), model.resolve("config.json"));
        Files.copy(GOLDEN.resolve("tiny-hd.weights.safetensors"), model.resolve("model.safetensors"));
        Map<String, HostTensor> expected = Safetensors.read(GOLDEN.resolve("tiny-hd.expected.safetensors")).tensors();
        Path input = tmp.resolve("in.safetensors");
        Safetensors.write(input, Map.of("input_ids", expected.get("input_ids")), null);
        Path out = tmp.resolve("out.safetensors");
        int rc = MonetCli.commandLine().execute("forward", "--model", model.toString(), "--input", input.toString(), "--out", out.toString());
        assertEquals(0, rc);
        Map<String, HostTensor> got = Safetensors.read(out).tensors();
        float[] logits = got.get("logits").floats(), want = expected.get("eval.logits").floats();
        double num = 0, den = 0;
        for (int i = 0; i < want.length; i++) {
            num += Math.pow(logits[i] - want[i], 2);
            den += Math.pow(want[i], 2);
        }
        assertTrue(Math.sqrt(num / den) < 1e-4, "relative error " + Math.sqrt(num / den));
        assertTrue(got.containsKey("layer4.g2"));
        assertFalse(got.containsKey("grad.lm_head.weight"));
    }

    @Test
    void badInputIsNamed(@TempDir Path tmp) throws Exception {
        Path model = tmp.resolve("m");
        Files.createDirectories(model);
        Files.copy(GOLDEN.resolve("tiny-vd.config.json"), model.resolve("config.json"));
        Files.copy(GOLDEN.resolve("tiny-vd.weights.safetensors"), model.resolve("model.safetensors"));
        Path input = tmp.resolve("in.safetensors");
        Safetensors.write(input, Map.of("input_ids", HostTensor.of(monetj.core.tensor.Shape.of(1, 3), new int[] {1, 600, 2})), null);
        var err = new java.io.StringWriter();
        var cl = MonetCli.commandLine();
        cl.setErr(new java.io.PrintWriter(err));
        int rc = cl.execute("forward", "--model", model.toString(), "--input", input.toString(), "--out", tmp.resolve("o.safetensors").toString());
        assertEquals(1, rc);
        assertTrue(err.toString().contains("element 1 is 600, outside the vocabulary [0, 512)"), err.toString());
    }
}
