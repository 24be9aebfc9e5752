package monetj.train.cli;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import monetj.core.backend.Backend;
import monetj.core.interp.ExpertMask;
import monetj.core.model.ForwardProgram;
import monetj.core.model.HfModelDirectory;
import monetj.core.tensor.HostTensor;
import monetj.core.tensor.Safetensors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code monet forward}: one forward pass of an HF model directory on given ids, results to safetensors. */
@Command(name = "forward", mixinStandardHelpOptions = true,
        header = "Run a model on input ids and write logits, losses and optionally gradients.",
        description = {"Run a model on input_ids (int32 [B,T] in a safetensors file; labels = the same ids) and write",
                "logits, loss, layer<L>.g1/g2 (routing probabilities of each router), with --mode train the updated",
                "BatchNorm statistics (after.<name>) and with --grads the gradient of the LM loss (grad.<name>)."})
public final class ForwardCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "Hugging Face model directory (config.json + model.safetensors)")
    Path model;

    @Option(names = "--input", required = true, description = "safetensors file holding input_ids int32 [B,T]")
    Path input;

    @Option(names = "--out", required = true, description = "where to write the results (safetensors)")
    Path out;

    @Option(names = "--mode", defaultValue = "eval", description = "eval (running BatchNorm statistics) or train (batch statistics); default ${DEFAULT-VALUE}")
    String mode;

    @Option(names = "--grads", description = "also write grad.<parameter> for the language-model loss")
    boolean grads;

    @Option(names = "--mask", description = "expert mask (a .safetensors from 'monet mask select') applied in every layer of each group")
    Path mask;

    @Mixin
    BackendOptions backendOptions;

    @Override
    public Integer call() throws Exception {
        if (!mode.equals("eval") && !mode.equals("train")) throw new IllegalArgumentException("--mode must be eval or train, got " + mode);
        HfModelDirectory.Model m = HfModelDirectory.read(model);
        HostTensor ids = Safetensors.read(input).tensors().get("input_ids");
        if (ids == null) throw new IllegalArgumentException(input + ": no tensor named input_ids");
        ForwardProgram.checkIds(ids, m.config());
        Map<String, HostTensor> weights = m.f32Tensors();
        boolean training = mode.equals("train");
        ForwardProgram program = ForwardProgram.build(m.config(), ForwardProgram.typesOf(weights), ids.shape().dim(0), ids.shape().dim(1), training, grads,
                mask != null);
        if (mask != null) weights.putAll(ExpertMask.read(mask, m.config()).programInputs(m.config()));
        try (Backend backend = backendOptions.create()) {
            long t0 = System.nanoTime();
            Map<String, HostTensor> results = program.run(backend, weights, ids);
            Safetensors.write(out, results, Map.of("mode", mode, "backend", backend.platform()));
            System.err.printf("monet forward: %s mode on %s, loss %.6f, %d tensors written to %s (%.2f s)%n", mode, backend.platform(),
                    results.get("loss").getDouble(0), results.size(), out, (System.nanoTime() - t0) / 1e9);
        }
        return 0;
    }
}
