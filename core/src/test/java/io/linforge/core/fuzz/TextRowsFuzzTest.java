package io.linforge.core.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.linforge.core.data.TextRows;
import java.nio.file.Files;
import java.nio.file.Path;

/** The data reader: the same bytes as JSON lines (labels optional, then required) and as plain text. */
class TextRowsFuzzTest {
    @FuzzTest(maxDuration = "60s")
    void textRows(byte[] data) throws Exception {
        Path dir = ParserContract.tempDir();
        try {
            Path jsonl = dir.resolve("data.jsonl");
            Path txt = dir.resolve("data.txt");
            Files.write(jsonl, data);
            Files.write(txt, data);
            ParserContract.parsesOrRejects(jsonl, () -> TextRows.read(jsonl, false));
            ParserContract.parsesOrRejects(jsonl, () -> TextRows.read(jsonl, true, 3));
            ParserContract.parsesOrRejects(txt, () -> TextRows.read(txt, false));
        } finally {
            ParserContract.delete(dir);
        }
    }
}
