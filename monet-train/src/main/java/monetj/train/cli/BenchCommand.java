package monetj.train.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code monet bench}: micro-benchmarks of the embedded executor, one subcommand each. */
@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        description = "Measure the speed of the embedded Java executor: its kernels, dispatch, and whole training steps against other backends.",
        subcommands = {BenchMatmulCommand.class, BenchDotCommand.class, BenchDispatchCommand.class, BenchStepCommand.class})
public final class BenchCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
