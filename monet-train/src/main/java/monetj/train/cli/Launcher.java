package monetj.train.cli;

/**
 * How the user started this CLI, for commands printed to be pasted: the launchers ({@code scripts/monet}, the
 * bundle's {@code bin/monet}) export {@code MONET_COMMAND} as they were invoked; otherwise {@code monet}.
 */
final class Launcher {
    private Launcher() {}

    static String command() {
        String c = System.getenv("MONET_COMMAND");
        return c == null || c.isBlank() ? "monet" : c;
    }
}
