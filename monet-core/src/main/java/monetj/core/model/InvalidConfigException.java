package monetj.core.model;

/** A model config broke a rule; the message names the key and the rule. */
public final class InvalidConfigException extends IllegalArgumentException {
    public InvalidConfigException(String key, String rule) { super("config key '" + key + "' " + rule); }

    InvalidConfigException(String message, Throwable cause) { super(message, cause); }
}
