package monetj.train.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import monetj.core.backend.Backend;
import monetj.core.interp.ExpertMask;
import monetj.core.model.Generator;
import monetj.core.model.HfModelDirectory;
import monetj.core.tensor.HostTensor;
import monetj.data.tokenizer.TextTokenizer;
import monetj.data.tokenizer.TokenizerLocator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code monet generate}: text from a model directory, greedy or nucleus sampling, streamed as it is produced. */
@Command(name = "generate", mixinStandardHelpOptions = true, description = "Generate text with a Hugging Face model directory (KV-cached decoding).")
public final class GenerateCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "Hugging Face model directory")
    Path model;

    @Option(names = "--prompt", required = true, description = "the text to continue")
    String prompt;

    @Option(names = "--max-new-tokens", defaultValue = "64", description = "default ${DEFAULT-VALUE}")
    int maxNewTokens;

    @Option(names = "--temperature", defaultValue = "0", description = "0 for greedy decoding; default ${DEFAULT-VALUE}")
    double temperature;

    @Option(names = "--top-p", defaultValue = "0.9", description = "nucleus size when sampling; default ${DEFAULT-VALUE}")
    double topP;

    @Option(names = "--seed", defaultValue = "0", description = "sampling seed; default ${DEFAULT-VALUE}")
    long seed;

    @Option(names = "--tokenizer", description = "tokenizer.json (default: the model directory's, else llama2)")
    String tokenizer;

    @Option(names = "--mask", description = "expert mask (a .safetensors from 'monet mask select') applied in every layer of each group")
    Path mask;

    @Option(names = "--chat", description = "treat --prompt as a user turn: render it with the tokenizer directory's chat template (as 'monet data prepare --format chat')"
            + " and print the assistant's reply, which ends at EOS")
    boolean chat;

    @Option(names = "--system", description = "with --chat, a system turn before the prompt")
    String system;

    @Mixin
    BackendOptions backendOptions;

    @Override
    public Integer call() throws Exception {
        if (!(topP > 0 && topP <= 1)) throw new IllegalArgumentException("--top-p must be in (0, 1], got " + topP);
        if (maxNewTokens <= 0) throw new IllegalArgumentException("--max-new-tokens must be positive, got " + maxNewTokens);
        HfModelDirectory.Model m = HfModelDirectory.read(model);
        String tokSpec = tokenizer != null ? tokenizer : Files.isRegularFile(model.resolve("tokenizer.json")) ? model.toString() : TokenizerLocator.LLAMA2;
        Map<String, HostTensor> weights = m.f32Tensors();
        Map<String, HostTensor> masks = mask == null ? Map.of() : ExpertMask.read(mask, m.config()).programInputs(m.config());
        try (TextTokenizer tok = TextTokenizer.load(TokenizerLocator.resolve(tokSpec)); Backend backend = backendOptions.create()) {
            TextTokenizer.requireFitsModel(tok.info(), m.config().vocabSize());
            if (system != null && !chat) throw new IllegalArgumentException("--system needs --chat");
            int[] body, ids;
            if (chat) {
                ids = ChatPrompt.ids(TokenizerLocator.resolve(tokSpec), tok, system, prompt);
                body = new int[0];
            } else {
                body = tok.encode(prompt);
                ids = new int[body.length + 1];
                ids[0] = m.config().bosTokenId();
                System.arraycopy(body, 0, ids, 1, body.length);
                System.out.print(prompt);
                System.out.flush();
            }
            int maxLen = Math.min(m.config().maxPositionEmbeddings(), ids.length + maxNewTokens);
            List<Integer> text = new ArrayList<>();
            for (int id : body) text.add(id);
            int[] shown = {tok.decode(body).length()};
            try (Generator gen = new Generator(m.config(), weights, masks, backend, maxLen)) {
                gen.generate(ids, maxNewTokens, new Generator.Sampling(temperature, topP, seed), id -> {
                    text.add(id);
                    // Decode prompt and continuation together each time: SentencePiece pieces (and the space a
                    // continuation starts with) only read right in context.
                    String all = tok.decode(text.stream().mapToInt(Integer::intValue).toArray());
                    System.out.print(all.substring(Math.min(shown[0], all.length())));
                    System.out.flush();
                    shown[0] = Math.max(shown[0], all.length());
                });
            }
            System.out.println();
        }
        return 0;
    }
}
