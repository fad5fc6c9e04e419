package io.linforge.core.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.linforge.core.LinforgeException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A write that runs out of space names the file and the bytes it needs, and leaves nothing behind. */
class DiskFullTest {
    /** Every write to /dev/full fails with ENOSPC, as on a full file system. */
    static final Path FULL = Path.of("/dev/full");

    @TempDir
    Path dir;

    static FileChannel full(Path tmp) throws IOException {
        return FileChannel.open(FULL, StandardOpenOption.WRITE);
    }

    /** 3,000,007 bytes in pieces, as a tensor writer would. */
    static void body(OutputStream out) throws IOException {
        byte[] chunk = new byte[1000];
        for (int i = 0; i < 3000; i++) {
            out.write(chunk);
        }
        out.write(new byte[] {1, 2, 3, 4, 5, 6});
        out.write(7);
    }

    List<String> entries() throws IOException {
        try (var s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void aFileThatDoesNotFitNamesItselfAndTheBytesItNeeds() throws Exception {
        assumeTrue(Files.isWritable(FULL), "/dev/full");
        Path target = dir.resolve("model.safetensors");
        LinforgeException e = assertThrows(LinforgeException.class, () -> AtomicFiles.write(target, DiskFullTest::body,
                DiskFullTest::full));
        assertEquals(LinforgeException.FAILURE, e.exitCode());
        assertTrue(e.getMessage().startsWith(target.toAbsolutePath()
                + ": no space left on the file system: writing it needs 3000007 bytes ("), e.getMessage());
        assertTrue(e.getMessage().matches(".* \\([0-9]+ bytes are free there\\)"), e.getMessage());
        assertEquals(List.of(), entries(), "no temporary file stays");
    }

    @Test
    void aFileInAFolderBeingWrittenIsNamedByTheFolderItBecomes() throws Exception {
        assumeTrue(Files.isWritable(FULL), "/dev/full");
        Path ckpt = dir.resolve("ckpt");
        LinforgeException e = assertThrows(LinforgeException.class, () -> AtomicFiles.writeDir(ckpt, tmp -> {
            AtomicFiles.writeString(tmp.resolve("config.json"), "{}");
            AtomicFiles.write(tmp.resolve("model.safetensors"), DiskFullTest::body, DiskFullTest::full);
        }));
        assertTrue(e.getMessage().startsWith(ckpt.toAbsolutePath().resolve("model.safetensors")
                + ": no space left on the file system: writing it needs 3000007 bytes"), e.getMessage());
        assertEquals(List.of(), entries(), "no half-written folder stays");
    }

    @Test
    void otherWriteFailuresPassThroughUnchanged() throws Exception {
        Path target = dir.resolve("a.json");
        AccessDeniedException denied = new AccessDeniedException("a.json");
        IOException e = assertThrows(IOException.class, () -> AtomicFiles.write(target, DiskFullTest::body, tmp -> {
            throw denied;
        }));
        assertEquals(denied, e);
        assertFalse(Files.exists(target));
    }

    @Test
    void shownPathMapsTemporaryFoldersToTheirTargets() {
        assertEquals(Path.of("/data/runs/q/train/adapter_model.safetensors"),
                AtomicFiles.shownPath(Path.of("/data/runs/q/.train.tmp-0a1b2c3d/adapter_model.safetensors")));
        assertEquals(Path.of("/data/.x.tmp-zz/f"), AtomicFiles.shownPath(Path.of("/data/.x.tmp-zz/f")));
    }
}
