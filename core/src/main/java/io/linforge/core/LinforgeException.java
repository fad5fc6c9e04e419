package io.linforge.core;

/**
 * An error with a command-line exit code: 2 for bad usage or bad input, 3 for a failed
 * validation gate, 1 for anything else. The message is one line meant for the user: line breaks
 * that come with input (a tensor name, a label, a YAML key) are shown escaped.
 */
public class LinforgeException extends RuntimeException {
    public static final int FAILURE = 1;
    public static final int BAD_INPUT = 2;
    public static final int GATE_FAILED = 3;

    private final int exitCode;

    public LinforgeException(int exitCode, String message) {
        super(oneLine(message));
        this.exitCode = exitCode;
    }

    public LinforgeException(int exitCode, String message, Throwable cause) {
        super(oneLine(message), cause);
        this.exitCode = exitCode;
    }

    /** {@code message} with CR, LF and the Unicode line and paragraph separators escaped. */
    static String oneLine(String message) {
        if (message == null) {
            return null;
        }
        StringBuilder b = new StringBuilder(message.length());
        for (int i = 0; i < message.length(); i++) {
            char c = message.charAt(i);
            switch (c) {
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\u0085', '\u2028', '\u2029' -> b.append(String.format("\\u%04x", (int) c));
                default -> b.append(c);
            }
        }
        return b.toString();
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
