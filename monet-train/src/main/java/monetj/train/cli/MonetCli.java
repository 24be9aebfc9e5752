package monetj.train.cli;

import monetj.data.cli.DataCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code monet} command. Each subcommand is its own class. */
@Command(
        name = "monet",
        mixinStandardHelpOptions = true,
        version = "Monet-J 0.1.0",
        description = "Train, inspect and export Monet (Mixture of Monosemantic Experts) models on the JVM.",
        subcommands = {TrainCommand.class, SweepCommand.class, EmitCommand.class, PlanCommand.class, ExportHfCommand.class, PlotCommand.class, ForwardCommand.class, GenerateCommand.class,
                RoutingCommand.class, ExpertsCommand.class, MaskCommand.class, EvalCommand.class, ViewerCommand.class,
                DataCommand.class, DevicesCommand.class, SelftestCommand.class, BenchCommand.class, CommandLine.HelpCommand.class})
public final class MonetCli implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The configured command line; tests call this to run commands in-process. */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new MonetCli());
        cl.setExecutionExceptionHandler((ex, line, parse) -> {
            // Users see the message; a stack trace only when asked for.
            String message = ex.getMessage();
            line.getErr().println("monet: " + (message == null || message.isBlank() ? ex.toString() : message));
            if (System.getenv("MONET_DEBUG") != null) ex.printStackTrace(line.getErr());
            return 1;
        });
        return cl;
    }
}
