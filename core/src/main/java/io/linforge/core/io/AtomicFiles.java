package io.linforge.core.io;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Writes that never leave a half-written output: data goes to a temporary sibling, is flushed
 * to disk, and is renamed into place.
 */
public final class AtomicFiles {
    private AtomicFiles() {
    }

    /** Writes {@code file} through {@code body}; on any failure the temporary file is removed. */
    public static void write(Path file, IoConsumer<OutputStream> body) throws IOException {
        Path abs = file.toAbsolutePath();
        Path parent = abs.getParent();
        Files.createDirectories(parent);
        Path tmp = parent.resolve("." + abs.getFileName() + ".tmp-" + UUID.randomUUID().toString().substring(0, 8));
        boolean done = false;
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                    OutputStream out = new BufferedOutputStream(java.nio.channels.Channels.newOutputStream(ch),
                            1 << 20)) {
                body.accept(out);
                out.flush();
                ch.force(true);
            }
            move(tmp, abs);
            done = true;
        } finally {
            if (!done) {
                Files.deleteIfExists(tmp);
            }
        }
    }

    public static void writeString(Path file, String text) throws IOException {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        write(file, out -> out.write(b));
    }

    /** A fresh, empty temporary folder next to {@code finalDir}, to be published with {@link #publishDir}. */
    public static Path tempDirFor(Path finalDir) throws IOException {
        Path abs = finalDir.toAbsolutePath();
        Files.createDirectories(abs.getParent());
        Path tmp = abs.getParent().resolve("." + abs.getFileName() + ".tmp-"
                + UUID.randomUUID().toString().substring(0, 8));
        Files.createDirectory(tmp);
        return tmp;
    }

    /**
     * Writes a whole folder atomically: {@code body} fills a temporary sibling, which then replaces
     * {@code finalDir}; on any failure the temporary folder is removed and {@code finalDir} is untouched.
     */
    public static void writeDir(Path finalDir, IoConsumer<Path> body) throws IOException {
        Path tmp = tempDirFor(finalDir);
        boolean done = false;
        try {
            body.accept(tmp);
            publishDir(tmp, finalDir);
            done = true;
        } finally {
            if (!done) {
                deleteRecursively(tmp);
            }
        }
    }

    /**
     * Renames a fully written temporary folder to {@code finalDir}, replacing an existing folder
     * of that name (the old one is removed only after the new one is complete).
     */
    public static void publishDir(Path tmpDir, Path finalDir) throws IOException {
        Path abs = finalDir.toAbsolutePath();
        if (Files.exists(abs)) {
            Path old = abs.getParent().resolve("." + abs.getFileName() + ".old-"
                    + UUID.randomUUID().toString().substring(0, 8));
            Files.move(abs, old, StandardCopyOption.ATOMIC_MOVE);
            Files.move(tmpDir, abs, StandardCopyOption.ATOMIC_MOVE);
            deleteRecursively(old);
        } else {
            Files.move(tmpDir, abs, StandardCopyOption.ATOMIC_MOVE);
        }
    }

    /** Removes a file or a folder tree; does nothing when it does not exist. */
    public static void deleteRecursively(Path p) throws IOException {
        if (!Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(q);
            }
        }
    }

    private static void move(Path tmp, Path target) throws IOException {
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException | FileAlreadyExistsException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
