package monetj.data.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import monetj.data.MonetCache;
import monetj.data.tokenizer.LlamaTokenizerJsConverter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code monet data llama-tokenizer}: the LLaMA-2 tokenizer.json from the llama-tokenizer-js package. */
@Command(name = "llama-tokenizer", mixinStandardHelpOptions = true,
        description = "Convert the unpacked npm package llama-tokenizer-js 1.2.2 into a Hugging Face tokenizer.json (scripts/fetch-tokenizer.sh does both steps).")
public final class LlamaTokenizerCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--package", required = true, description = "Directory of the unpacked llama-tokenizer-js package.")
    Path packageDir;

    @Option(names = "--out", description = "Where to write tokenizer.json. Default: the cache, where '--tokenizer llama2' finds it.")
    Path out;

    @Override
    public Integer call() throws Exception {
        Path target = out != null ? out : MonetCache.llama2Tokenizer();
        LlamaTokenizerJsConverter.convert(packageDir, target);
        spec.commandLine().getOut().println(target.toAbsolutePath());
        return 0;
    }
}
