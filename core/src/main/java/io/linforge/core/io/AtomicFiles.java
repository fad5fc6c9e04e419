package io.linforge.core.io;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
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
     * Renames a fully written temporary folder to {@code finalDir} and records its entries in the
     * folder's {@link Outputs#MARKER}. An existing folder that holds only linforge's entries is
     * replaced whole (the old one is removed only after the new one is in place); in one that also
     * holds other files (allowed by {@code --overwrite}) only linforge's entries, those written now
     * and those its marker lists, are replaced, and the others stay. On a failure the entries moved
     * so far are moved back.
     */
    public static void publishDir(Path tmpDir, Path finalDir) throws IOException {
        Outputs.writeMarker(tmpDir);
        Path abs = finalDir.toAbsolutePath();
        if (!Files.exists(abs, LinkOption.NOFOLLOW_LINKS)) {
            Files.move(tmpDir, abs, StandardCopyOption.ATOMIC_MOVE);
            return;
        }
        Path old = abs.getParent().resolve("." + abs.getFileName() + ".old-"
                + UUID.randomUUID().toString().substring(0, 8));
        if (Outputs.foreignEntries(abs).isEmpty()) {
            Files.move(abs, old, StandardCopyOption.ATOMIC_MOVE);
            Files.move(tmpDir, abs, StandardCopyOption.ATOMIC_MOVE);
            deleteRecursively(old);
            return;
        }
        List<String> fresh = Outputs.entries(tmpDir);
        Set<String> own = new TreeSet<>(Outputs.ownEntries(abs));
        own.addAll(fresh);
        Files.createDirectory(old);
        List<String> asideNames = new ArrayList<>();
        List<String> inNames = new ArrayList<>();
        try {
            for (String n : own) {
                if (Files.exists(abs.resolve(n), LinkOption.NOFOLLOW_LINKS)) {
                    Files.move(abs.resolve(n), old.resolve(n), StandardCopyOption.ATOMIC_MOVE);
                    asideNames.add(n);
                }
            }
            for (String n : fresh) {
                Files.move(tmpDir.resolve(n), abs.resolve(n), StandardCopyOption.ATOMIC_MOVE);
                inNames.add(n);
            }
        } catch (IOException | RuntimeException e) {
            // put the previous entries back; when that fails too they stay in the .old- sibling
            for (String n : inNames) {
                Files.move(abs.resolve(n), tmpDir.resolve(n), StandardCopyOption.ATOMIC_MOVE);
            }
            for (String n : asideNames) {
                Files.move(old.resolve(n), abs.resolve(n), StandardCopyOption.ATOMIC_MOVE);
            }
            deleteRecursively(old);
            throw e;
        }
        deleteRecursively(old);
        deleteRecursively(tmpDir);
    }

    /** Removes a file or a folder tree; does nothing when it does not exist. */
    public static void deleteRecursively(Path p) throws IOException {
        if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
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
