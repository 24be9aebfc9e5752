package monetj.data.source;

/** Input that cannot be read: the message names the file, and the row where one applies. */
public final class DataInputException extends RuntimeException {
    public DataInputException(String message) { super(message); }

    public DataInputException(String message, Throwable cause) { super(message, cause); }
}
