package io.linforge.trainer.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.linforge.core.LinforgeException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TextBlocksTest {
    @TempDir
    Path dir;

    /** Decoder training text that is not UTF-8 is refused before tokenizing, naming the line. */
    @Test
    void invalidUtf8NamesTheLine() throws Exception {
        Path f = dir.resolve("corpus.txt");
        Files.write(f, new byte[] {'o', 'n', 'e', '\n', 't', 'w', 'o', '\n', 'x', (byte) 0x80, '\n'});
        LinforgeException e = assertThrows(LinforgeException.class, () -> TextBlocks.read(f, null, 8, 0.1));
        assertEquals(LinforgeException.BAD_INPUT, e.exitCode());
        assertEquals(f + ":3: encoding: not valid UTF-8 (byte 0x80 at column 2); save the file as UTF-8", e.getMessage());
    }
}
