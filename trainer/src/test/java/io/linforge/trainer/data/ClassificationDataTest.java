package io.linforge.trainer.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.linforge.core.LinforgeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClassificationDataTest {
    @TempDir
    Path dir;

    @Test
    void splitsSortsLabelsAndLimits() throws Exception {
        Path f = dir.resolve("d.jsonl");
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 20; i++) {
            sb.append(String.format("{\"text\": \"t%d\", \"label\": \"%s\", \"split\": \"%s\"}%n", i,
                    i % 2 == 0 ? "spam" : "ham", i < 15 ? "train" : "test"));
        }
        Files.writeString(f, sb.toString());
        ClassificationData d = ClassificationData.read(f, 3, 10, 0);
        assertEquals(List.of("ham", "spam"), d.labels());
        assertEquals(10, d.train().size());
        assertEquals(5, d.test().size());
        for (ClassificationData.Example e : d.test()) {
            int i = Integer.parseInt(e.text().substring(1));
            assertEquals(true, i >= 15, e.text() + " is a test row");
            assertEquals(i % 2 == 0 ? 1 : 0, e.label(), e.text());
        }
        // Same seed, same order.
        assertEquals(d.train(), ClassificationData.read(f, 3, 10, 0).train());
    }

    @Test
    void badInputNamesFileLineAndField() throws Exception {
        Path f = dir.resolve("bad.jsonl");
        Files.writeString(f, "{\"text\": \"a\", \"label\": \"x\"}\n{\"text\": \"b\"}\n");
        LinforgeException e = assertThrows(LinforgeException.class, () -> ClassificationData.read(f, 1, 0, 0));
        assertEquals(2, e.exitCode());
        assertEquals(f + ":2: label: missing", e.getMessage());
        Path one = dir.resolve("one.jsonl");
        Files.writeString(one, "{\"text\": \"a\", \"label\": \"x\"}\n");
        assertEquals(one + ": label: needs at least two distinct labels, found [x]",
                assertThrows(LinforgeException.class, () -> ClassificationData.read(one, 1, 0, 0)).getMessage());
    }
}
