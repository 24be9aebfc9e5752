package monetj.train.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code monet mask}: choosing composed experts to remove (masks for --mask). */
@Command(name = "mask", mixinStandardHelpOptions = true, description = "Select experts to remove, by domain skew or by correlation with a per-token score.",
        subcommands = {MaskSelectCommand.class})
public final class MaskCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() { spec.commandLine().usage(spec.commandLine().getOut()); }
}
