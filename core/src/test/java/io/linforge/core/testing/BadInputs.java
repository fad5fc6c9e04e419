package io.linforge.core.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Records of the bad inputs tests exercise: one line per case (input, exit code, message), tab
 * separated, in {@code target/bad-inputs/<test class>.tsv} of the module. README's table of bad
 * inputs is made from these files (the {@code tests} module checks that it is).
 *
 * <pre>
 * BadInputs.input("a NaN weight in a checkpoint").path(ckpt, "ckpt").record(r.code(), r.err());
 * </pre>
 */
public final class BadInputs {
    /** The JUnit tag of the tests that record. */
    public static final String TAG = "bad-input";
    /** The folder of the records, relative to a module. */
    public static final String DIR = "target/bad-inputs";

    /** Files written by this JVM: each starts afresh at its first record. */
    private static final Set<Path> STARTED = ConcurrentHashMap.newKeySet();

    private final String input;
    private final Map<String, String> shown = new LinkedHashMap<>();

    private BadInputs(String input) {
        this.input = input;
    }

    /** A case described as README's table lists it (Markdown). */
    public static BadInputs input(String description) {
        return new BadInputs(description);
    }

    /** Shows {@code p} in the message as {@code name} ({@code ""}: paths under it relative to it). */
    public BadInputs path(Path p, String name) {
        for (String form : List.of(p.toAbsolutePath().normalize().toString(), p.toString())) {
            shown.put(form + "/", name.isEmpty() ? "" : name + "/");
            shown.putIfAbsent(form, name);
        }
        return this;
    }

    /** Shows {@code text} in the message as {@code as} (a process id, a number that varies). */
    public BadInputs text(String text, String as) {
        shown.put(text, as);
        return this;
    }

    /**
     * Records the case: {@code output} is what the command printed on stderr (or an exception's
     * message); its first line that is not an engine's log line is the message.
     */
    public void record(int exitCode, String output) {
        String message = output.lines().filter(l -> !l.startsWith("[main] ") && !l.isBlank()).findFirst().orElse("").strip();
        List<String> forms = new ArrayList<>(shown.keySet());
        forms.sort(Comparator.comparingInt(String::length).reversed());
        for (String f : forms) {
            message = message.replace(f, shown.get(f));
        }
        Class<?> test = StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE).getCallerClass();
        Path file = Path.of(DIR, test.getName() + ".tsv").toAbsolutePath();
        String line = input + "\t" + exitCode + "\t" + message + "\n";
        try {
            Files.createDirectories(file.getParent());
            synchronized (BadInputs.class) {
                boolean first = STARTED.add(file);
                Files.writeString(file, line, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                        first ? StandardOpenOption.TRUNCATE_EXISTING : StandardOpenOption.APPEND);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
