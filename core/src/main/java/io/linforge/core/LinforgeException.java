package io.linforge.core;

/**
 * An error with a command-line exit code: 2 for bad usage or bad input, 3 for a failed
 * validation gate, 1 for anything else. The message is one line meant for the user.
 */
public class LinforgeException extends RuntimeException {
    public static final int FAILURE = 1;
    public static final int BAD_INPUT = 2;
    public static final int GATE_FAILED = 3;

    private final int exitCode;

    public LinforgeException(int exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    public LinforgeException(int exitCode, String message, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    public int exitCode() {
        return exitCode;
    }

    /** Bad input: names the file and the field that is wrong. */
    public static LinforgeException badInput(Object file, String field, String reason) {
        return new LinforgeException(BAD_INPUT, file + ": " + field + ": " + reason);
    }

    public static LinforgeException badInput(String message) {
        return new LinforgeException(BAD_INPUT, message);
    }
}
