package monetj.train.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import monetj.core.model.HfModelDirectory;
import monetj.core.tensor.DType;
import monetj.data.tokenizer.TokenizerLocator;
import monetj.train.checkpoint.TrainCheckpoint;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code monet export-hf}: a training checkpoint to a Hugging Face model directory. */
@Command(name = "export-hf", mixinStandardHelpOptions = true,
        header = "Export a checkpoint as a Hugging Face model directory.",
        description = {"Write a Hugging Face model directory (config.json with auto_map to the authors' modeling code,",
                "generation_config.json, model.safetensors or shards, tokenizer.json and tokenizer_config.json when it has one) from a checkpoint.",
                "Load it with transformers: AutoModelForCausalLM.from_pretrained(DIR, trust_remote_code=True)."})
public final class ExportHfCommand implements Callable<Integer> {
    @Option(names = "--checkpoint", required = true, description = "a checkpoint directory, e.g. RUN/checkpoints/step-1000")
    Path checkpoint;

    @Option(names = "--out", required = true, description = "the directory to write")
    Path out;

    @Option(names = "--dtype", defaultValue = "bf16", description = "bf16 or f32 weights; default ${DEFAULT-VALUE}")
    String dtype;

    @Option(names = "--tokenizer", defaultValue = "llama2", description = "tokenizer.json to copy along (llama2 or a path); default ${DEFAULT-VALUE}")
    String tokenizer;

    @Option(names = "--max-shard-size", defaultValue = "5GB", description = "largest weight file before sharding; default ${DEFAULT-VALUE}")
    String maxShard;

    @Override
    public Integer call() throws Exception {
        DType t = switch (dtype) {
            case "bf16", "bfloat16" -> DType.BF16;
            case "f32", "float32" -> DType.F32;
            default -> throw new IllegalArgumentException("--dtype must be bf16 or f32, got " + dtype);
        };
        // Either checkpoint format; a sharded one's blocks are gathered into whole tensors (the moments are not read).
        TrainCheckpoint.Weights ck = TrainCheckpoint.readWeights(checkpoint);
        HfModelDirectory.write(out, ck.model(), ck.tensors(), t, parseSize(maxShard));
        Path tok = TokenizerLocator.resolve(tokenizer);
        Files.copy(tok, out.resolve("tokenizer.json"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        // Its chat template and special tokens travel with it, so 'generate --chat' renders as 'data prepare --format chat' did.
        Path tokConfig = tok.toAbsolutePath().resolveSibling("tokenizer_config.json");
        if (Files.isRegularFile(tokConfig)) Files.copy(tokConfig, out.resolve("tokenizer_config.json"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        System.out.printf("exported step %d to %s (%s weights, tokenizer from %s)%n", ck.step(), out, t, tok);
        return 0;
    }

    static long parseSize(String s) {
        String u = s.trim().toUpperCase();
        long mult = u.endsWith("GB") ? 1L << 30 : u.endsWith("MB") ? 1L << 20 : u.endsWith("KB") ? 1L << 10 : 1;
        String digits = u.replaceAll("[KMG]?B$", "");
        try {
            return (long) (Double.parseDouble(digits) * mult);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--max-shard-size must look like 5GB, 500MB or a byte count, got " + s);
        }
    }
}
