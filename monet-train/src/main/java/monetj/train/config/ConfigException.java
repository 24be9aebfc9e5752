package monetj.train.config;

/** A run config broke a rule; the message names the key (dotted path) and the rule. */
public final class ConfigException extends IllegalArgumentException {
    public ConfigException(String key, String rule) { super("config key '" + key + "' " + rule); }

    public ConfigException(String message) { super(message); }
}
