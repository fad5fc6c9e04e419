package io.linforge.core.fuzz;

import io.linforge.core.LinforgeException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * The contract of an input parser under fuzzing: it parses, or it throws {@link LinforgeException}
 * with exit code 2 and a one-line message that names the file. Any other throwable, another exit
 * code or a message of several lines fails the fuzz test.
 */
public final class ParserContract {
    /** A parse of input that lies in (or below) {@code where}. */
    @FunctionalInterface
    public interface Parse {
        void run() throws Exception;
    }

    private ParserContract() {
    }

    /** Runs {@code parse}; bad input must be exit 2 with one line that names {@code where}. */
    public static void parsesOrRejects(Path where, Parse parse) throws Exception {
        try {
            parse.run();
        } catch (LinforgeException e) {
            String m = e.getMessage();
            if (e.exitCode() != LinforgeException.BAD_INPUT) {
                throw new AssertionError("exit code " + e.exitCode() + " for bad input: " + m, e);
            }
            if (m == null || m.isBlank() || m.indexOf('\n') >= 0 || m.indexOf('\r') >= 0) {
                throw new AssertionError("message is not one line: " + m, e);
            }
            if (!m.contains(where.toString())) {
                throw new AssertionError("message does not name " + where + ": " + m, e);
            }
        }
    }

    /** What is done with one input's temporary folder. */
    @FunctionalInterface
    public interface InDir {
        void run(Path dir) throws Exception;
    }

    /** A parse of one file. */
    @FunctionalInterface
    public interface ParseFile {
        void parse(Path file) throws Exception;
    }

    /** Writes {@code data} to a file {@code name} in a fresh folder and checks the contract of {@code parse} on it. */
    public static void parseFile(byte[] data, String name, ParseFile parse) throws Exception {
        inTempDir(dir -> {
            Path f = dir.resolve(name);
            Files.write(f, data);
            parsesOrRejects(f, () -> parse.parse(f));
        });
    }

    /** Runs {@code body} in a fresh temporary folder, deleted afterwards. */
    public static void inTempDir(InDir body) throws Exception {
        Path dir = Files.createTempDirectory("linforge-fuzz");
        try {
            body.run(dir);
        } finally {
            delete(dir);
        }
    }

    private static void delete(Path dir) {
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path f, BasicFileAttributes a) throws IOException {
                    Files.delete(f);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                    Files.delete(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
