package io.linforge.cli.recipe;

import io.linforge.core.LinforgeException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The lock a run holds on its run folder for as long as it runs, so that two runs into one folder
 * (the same recipe started twice) never write it at the same time: an operating-system file lock
 * ({@link FileChannel#tryLock}) on {@link #FILE}, which holds the holder's process id. The lock
 * goes with the process, so a killed run leaves no stale lock; the file stays.
 */
public final class RunLock implements AutoCloseable {
    /** The lock file in a run folder. */
    public static final String FILE = ".linforge-run.lock";

    private final FileChannel channel;
    private final FileLock lock;

    private RunLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /** Locks {@code runDir} (created when missing); exit 2 naming the folder and the holder's pid when another run holds it. */
    public static RunLock acquire(Path runDir) throws IOException {
        Files.createDirectories(runDir);
        FileChannel ch = FileChannel.open(runDir.resolve(FILE), StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = ch.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null; // held by this JVM
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
        if (lock == null) {
            String holder = holder(ch);
            ch.close();
            throw LinforgeException.badInput(runDir, "lock", "another linforge run (pid " + holder
                    + ") is running into this folder; wait for it to end or choose another --out");
        }
        try {
            ch.truncate(0);
            ch.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.UTF_8)), 0);
            ch.force(false);
        } catch (IOException | RuntimeException e) {
            lock.release();
            ch.close();
            throw e;
        }
        return new RunLock(ch, lock);
    }

    /** The pid the holder wrote, or "unknown" while it has not written it yet. */
    private static String holder(FileChannel ch) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(32);
        ch.read(b, 0);
        String s = new String(b.array(), 0, b.position(), StandardCharsets.UTF_8).strip();
        return s.matches("[0-9]+") ? s : "unknown";
    }

    @Override
    public void close() throws IOException {
        try {
            lock.release();
        } finally {
            channel.close();
        }
    }
}
