package monetj.xla.pjrt;

/** A PJRT call failed: carries the plugin's status code and message, and names the C function. */
public final class PjrtException extends RuntimeException {
    private final PjrtErrorCode code;
    private final String function;
    private final String pluginMessage;

    PjrtException(String function, PjrtErrorCode code, String pluginMessage) {
        super(function + " failed: " + code + ": " + pluginMessage);
        this.code = code;
        this.function = function;
        this.pluginMessage = pluginMessage;
    }

    public PjrtErrorCode code() { return code; }

    /** The C function that returned the error, e.g. {@code PJRT_Client_Compile}. */
    public String function() { return function; }

    /** The plugin's own message, unchanged. */
    public String pluginMessage() { return pluginMessage; }
}
