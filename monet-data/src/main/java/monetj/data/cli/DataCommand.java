package monetj.data.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code monet data}: turning text into token batches, and checking the result. */
@Command(
        name = "data",
        mixinStandardHelpOptions = true,
        description = "Prepare, inspect and benchmark training data (Parquet/JSON-lines text to packed token batches).",
        subcommands = {
            PrepareCommand.class,
            InspectCommand.class,
            BenchCommand.class,
            EncodeCommand.class,
            LlamaTokenizerCommand.class,
            SotuCorpusCommand.class
        })
public final class DataCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() { spec.commandLine().usage(spec.commandLine().getOut()); }
}
