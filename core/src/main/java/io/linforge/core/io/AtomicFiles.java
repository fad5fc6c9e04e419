package io.linforge.core.io;

import io.linforge.core.LinforgeException;
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

    /** Opens the channel a write goes to (the temporary file; another channel in tests). */
    @FunctionalInterface
    interface ChannelOpener {
        FileChannel open(Path tmp) throws IOException;
    }

    /**
     * Writes {@code file} through {@code body}; on any failure the temporary file is removed. When the
     * file system runs out of space the body still runs to its end, its bytes counted and dropped, so
     * that the failure (exit 1) names the file and the bytes it needs.
     */
    public static void write(Path file, IoConsumer<OutputStream> body) throws IOException {
        write(file, body, tmp -> FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE));
    }

    static void write(Path file, IoConsumer<OutputStream> body, ChannelOpener opener) throws IOException {
        Path abs = file.toAbsolutePath();
        Path parent = abs.getParent();
        Files.createDirectories(parent);
        Path tmp = parent.resolve("." + abs.getFileName() + ".tmp-" + UUID.randomUUID().toString().substring(0, 8));
        boolean done = false;
        SpaceCountingStream counted = null;
        try {
            try (FileChannel ch = opener.open(tmp)) {
                counted = new SpaceCountingStream(java.nio.channels.Channels.newOutputStream(ch));
                try (OutputStream out = new BufferedOutputStream(counted, 1 << 20)) {
                    body.accept(out);
                }
                if (counted.noSpace != null) {
                    throw counted.noSpace;
                }
                ch.force(true);
            } catch (IOException e) {
                if (counted != null && isNoSpace(e)) {
                    Files.deleteIfExists(tmp);
                    throw new LinforgeException(LinforgeException.FAILURE, shownPath(abs)
                            + ": no space left on the file system: writing it needs " + counted.bytes + " bytes ("
                            + Files.getFileStore(parent).getUsableSpace() + " bytes are free there)", e);
                }
                throw e;
            }
            move(tmp, abs);
            done = true;
        } finally {
            if (!done) {
                Files.deleteIfExists(tmp);
            }
        }
    }

    /** Whether {@code e} is the operating system's "no space left" (ENOSPC) or "quota exceeded" (EDQUOT). */
    static boolean isNoSpace(IOException e) {
        String m = e.getMessage();
        return m != null && (m.contains("No space left on device") || m.contains("Disk quota exceeded"));
    }

    /** {@code p} as the user will see it: a temporary folder of {@link #tempDirFor} in it shown as the folder it becomes. */
    static Path shownPath(Path p) {
        Path out = p.getRoot();
        for (Path part : p) {
            String n = part.toString();
            java.util.regex.Matcher m = TEMP_NAME.matcher(n);
            Path shown = Path.of(m.matches() ? m.group(1) : n);
            out = out == null ? shown : out.resolve(shown);
        }
        return out;
    }

    private static final java.util.regex.Pattern TEMP_NAME = java.util.regex.Pattern.compile("\\.(.+)\\.tmp-[0-9a-f]{8}");

    /** Counts every byte written; after the file system ran out of space, drops them and keeps the failure. */
    private static final class SpaceCountingStream extends OutputStream {
        private final OutputStream inner;
        long bytes;
        IOException noSpace;

        SpaceCountingStream(OutputStream inner) {
            this.inner = inner;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            bytes += len;
            if (noSpace == null) {
                try {
                    inner.write(b, off, len);
                } catch (IOException e) {
                    if (!isNoSpace(e)) {
                        throw e;
                    }
                    noSpace = e;
                }
            }
        }

        @Override
        public void flush() throws IOException {
            if (noSpace == null) {
                inner.flush();
            }
        }
    }

    public static void writeString(Path file, String text) throws IOException {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        write(file, out -> out.write(b));
    }

    /** A fresh, empty temporary folder next to {@code finalDir} (named as {@link #shownPath} expects), to be published with {@link #publishDir}. */
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
