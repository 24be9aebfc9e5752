package monetj.xla.cpu;

/** A program that XLA's CPU compiler refused: the message names the program and quotes XLA's diagnostic. */
public final class XlaCpuCompileException extends RuntimeException {
    XlaCpuCompileException(String message, Throwable cause) { super(message, cause); }
}
