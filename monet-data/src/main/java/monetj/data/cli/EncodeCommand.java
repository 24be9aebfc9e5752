package monetj.data.cli;

import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import monetj.data.tokenizer.TextTokenizer;
import monetj.data.tokenizer.TokenizerLocator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code monet data encode TEXT}: token ids of a text, to check a tokenizer by hand. */
@Command(name = "encode", mixinStandardHelpOptions = true, description = "Print the token ids of a text (no BOS), space-separated.")
public final class EncodeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", description = "The text.")
    String text;

    @Option(names = {"-t", "--tokenizer"}, defaultValue = TokenizerLocator.LLAMA2, description = "'llama2' or a tokenizer.json. Default: ${DEFAULT-VALUE}.")
    String tokenizer;

    @Override
    public Integer call() {
        try (TextTokenizer tok = TextTokenizer.load(TokenizerLocator.resolve(tokenizer))) {
            spec.commandLine().getOut().println(Arrays.stream(tok.encode(text)).mapToObj(Integer::toString).collect(Collectors.joining(" ")));
        }
        return 0;
    }
}
