package monetj.xla.pjrt;

/** The plugin's PJRT C API version (or function table) is not one this binding can use. */
public final class IncompatiblePluginException extends RuntimeException {
    IncompatiblePluginException(String message) { super(message); }
}
