package io.linforge.core.io;

import io.linforge.core.LinforgeException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Where commands may write. An output folder must not exist or be empty, unless the command
 * knows it as its own (a run folder, a training output being resumed); any other existing folder
 * needs {@code --overwrite}, and even then only linforge's entries (those it writes now and those
 * the folder's {@link #MARKER} lists from before) are replaced (see {@link AtomicFiles#publishDir}).
 * Checked before any work, so a bad output path costs nothing.
 */
public final class Outputs {
    /** The file in every output folder naming the entries linforge wrote there, one a line. */
    public static final String MARKER = ".linforge-output";

    private Outputs() {
    }

    /**
     * Checks an output folder given by {@code option} (e.g. {@code --out}): exit 2 when it is a file,
     * lies under a file, cannot be created, or exists and is not empty while {@code overwrite} is off
     * and the folder is not {@code own}, i.e. known to be this command's (a run folder with its
     * manifest, a training output being resumed).
     */
    public static void checkFolder(Path out, String option, boolean overwrite, boolean own) {
        Path abs = out.toAbsolutePath().normalize();
        if (Files.exists(abs) && !Files.isDirectory(abs)) {
            throw LinforgeException.badInput(out, option, "a file exists there; an output folder is expected"
                    + " (never replaced, not even with --overwrite)");
        }
        checkCreatable(out, option, abs);
        if (Files.isDirectory(abs) && !overwrite && !own) {
            List<String> present = entries(abs);
            if (!present.isEmpty()) {
                throw LinforgeException.badInput(out, option, "the folder exists and is not empty ("
                        + String.join(", ", present.subList(0, Math.min(3, present.size())))
                        + (present.size() > 3 ? ", ..." : "") + "); use --overwrite to replace linforge's files in it"
                        + " (other files stay)");
            }
        }
    }

    /** Checks an output file (e.g. {@code --json}): exit 2 when it is a folder, lies under a file or cannot be written. */
    public static void checkFile(Path file, String option) {
        Path abs = file.toAbsolutePath().normalize();
        if (Files.isDirectory(abs)) {
            throw LinforgeException.badInput(file, option, "a folder exists there; an output file is expected");
        }
        if (Files.exists(abs) && !Files.isWritable(abs)) {
            throw LinforgeException.badInput(file, option, "the file is not writable");
        }
        checkCreatable(file, option, abs);
    }

    /** The nearest existing folder above {@code abs} must be a writable folder. */
    private static void checkCreatable(Path given, String option, Path abs) {
        Path p = abs.getParent();
        while (p != null && !Files.exists(p)) {
            p = p.getParent();
        }
        if (p == null) {
            throw LinforgeException.badInput(given, option, "no existing folder above it");
        }
        if (!Files.isDirectory(p)) {
            throw LinforgeException.badInput(given, option, p + " is a file, not a folder");
        }
        if (!Files.isWritable(p)) {
            throw LinforgeException.badInput(given, option, p + " is not writable");
        }
    }

    /** Adds {@code name}, written into the published folder {@code dir} afterwards, to the folder's marker. */
    public static void record(Path dir, String name) throws IOException {
        Set<String> own = ownEntries(dir);
        own.add(name);
        own.remove(MARKER);
        AtomicFiles.writeString(dir.resolve(MARKER), markerText(own));
    }

    /** Whether {@code dir} is a folder linforge wrote (it holds the marker). */
    public static boolean isOwn(Path dir) {
        return Files.isRegularFile(dir.resolve(MARKER));
    }

    /** The entries of {@code dir} that its marker does not list (all of them when it has none). */
    static List<String> foreignEntries(Path dir) {
        Set<String> own = ownEntries(dir);
        List<String> out = new ArrayList<>();
        for (String n : entries(dir)) {
            if (!own.contains(n)) {
                out.add(n);
            }
        }
        return out;
    }

    /** The entries the marker of {@code dir} lists, with the marker itself; plain names only. */
    static Set<String> ownEntries(Path dir) {
        Set<String> own = new TreeSet<>();
        Path m = dir.resolve(MARKER);
        if (Files.isRegularFile(m, LinkOption.NOFOLLOW_LINKS)) {
            own.add(MARKER);
            try {
                for (String line : Files.readAllLines(m, StandardCharsets.UTF_8)) {
                    String n = line.strip();
                    if (isPlainName(n)) {
                        own.add(n);
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return own;
    }

    /** Writes the marker of a freshly written folder, listing its entries. */
    static void writeMarker(Path dir) throws IOException {
        AtomicFiles.writeString(dir.resolve(MARKER), markerText(entries(dir)));
    }

    private static String markerText(Collection<String> names) {
        StringBuilder sb = new StringBuilder();
        for (String n : names) {
            if (!n.equals(MARKER)) {
                sb.append(n).append('\n');
            }
        }
        return sb.toString();
    }

    /** The names in {@code dir}, sorted. */
    static List<String> entries(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean isPlainName(String n) {
        return !n.isEmpty() && !n.equals(".") && !n.equals("..") && n.indexOf('/') < 0 && n.indexOf('\\') < 0;
    }
}
