package io.linforge.core.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.linforge.core.LinforgeException;
import io.linforge.core.testing.BadInputTest;
import io.linforge.core.testing.BadInputs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TextRowsTest {
    @TempDir
    Path dir;

    Path file(String text) throws Exception {
        Path f = dir.resolve("d.jsonl");
        Files.writeString(f, text);
        return f;
    }

    @Test
    void readsTextLabelSplitAndLineNumbers() throws Exception {
        Path f = file("""
                {"text": "a", "label": 0, "split": "train", "id": 7}

                {"text": "b", "label": 1, "split": "test"}
                {"text": "c", "label": null}
                """);
        List<TextRows.Row> rows = TextRows.read(f, false);
        assertEquals(List.of(new TextRows.Row(1, "a", "0", "train"), new TextRows.Row(3, "b", "1", "test"),
                new TextRows.Row(4, "c", null, "")), rows);
        assertEquals(List.of(false, true, false), rows.stream().map(TextRows.Row::isTest).toList());
        assertEquals(2, TextRows.read(f, false, 2).size());
    }

    static String fails(Path f, boolean labelRequired, int max) {
        LinforgeException e = assertThrows(LinforgeException.class, () -> TextRows.read(f, labelRequired, max));
        assertEquals(LinforgeException.BAD_INPUT, e.exitCode());
        return e.getMessage();
    }

    @Test
    void badRowsNameFileLineAndField() throws Exception {
        Path f = file("{\"text\": \"a\", \"label\": \"x\"}\n{\"text\": \"b\"}\n{\"text\": 3, \"label\": \"x\"}\n{oops\n");
        assertEquals(f + ":2: label: missing", fails(f, true, 0));
        assertEquals(f + ":3: text: missing or not a string", fails(f, false, 0));
        // Lines past the requested rows are not read.
        assertEquals(2, TextRows.read(f, false, 2).size());
        Path g = file("{\"text\": \"a\"}\n\n{oops\n");
        String m = fails(g, false, 0);
        assertEquals(g + ":3: json: not JSON: ", m.substring(0, (g + ":3: json: not JSON: ").length()));
        Path h = file("[1, 2]\n");
        assertEquals(h + ":1: text: missing or not a string", fails(h, false, 0));
        Path k = file("{\"text\": \"a\", \"label\": [\"x\"]}\n");
        assertEquals(k + ":1: label: not a string or number", fails(k, false, 0));
        Path missing = dir.resolve("none.jsonl");
        assertEquals(missing + ": file: no such data file (JSON lines with text and label)", fails(missing, true, 0));
    }

    @BadInputTest
    void labelsOfMixedTypesNameTheLineThatDiffers() throws Exception {
        // "1" and 1 would be one label, 0 another, "spam" a third: a 3-class model from 2 classes
        Path f = file("{\"text\": \"a\", \"label\": \"spam\"}\n{\"text\": \"b\"}\n{\"text\": \"c\", \"label\": 1}\n");
        String mixed = fails(f, false, 0);
        assertEquals(f + ":3: label: a number (1), but line 1's label is a string ('spam'); a file's labels must all be"
                + " strings or all numbers", mixed);
        BadInputs.input("JSON-lines labels of mixed types (string and number)").path(f, "data.jsonl")
                .record(LinforgeException.BAD_INPUT, mixed);
        Path g = file("{\"text\": \"a\", \"label\": 0}\n{\"text\": \"b\", \"label\": true}\n");
        assertEquals(g + ":2: label: a boolean (true), but line 1's label is a number (0); a file's labels must all be"
                + " strings or all numbers", fails(g, true, 0));
    }

    @BadInputTest
    void invalidUtf8NamesTheLineAndColumn() throws Exception {
        byte[] bad = "{\"text\": \"caf\u00e9\", \"label\": 1}\r\n\n{\"text\": \"ab?\", \"label\": 0}\n"
                .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        bad[bad.length - 16] = (byte) 0xff; // the '?' of line 3
        Path f = dir.resolve("bad.jsonl");
        Files.write(f, bad);
        String utf8 = fails(f, true, 0);
        assertEquals(f + ":3: encoding: not valid UTF-8 (byte 0xff at column 13); save the file as UTF-8", utf8);
        BadInputs.input("a data file (JSON lines or plain text) that is not valid UTF-8").path(f, "data.jsonl")
                .record(LinforgeException.BAD_INPUT, utf8);
        assertEquals(1, TextRows.read(f, true, 1).size());
        assertEquals("caf\u00e9", TextRows.read(f, true, 1).get(0).text());
        Path t = dir.resolve("bad.txt");
        Files.write(t, new byte[] {'a', '\n', 'b', 'c', '\n', 'd', (byte) 0xc3, '(', '\n'});
        assertEquals(t + ":3: encoding: not valid UTF-8 (byte 0xc3 at column 2); save the file as UTF-8",
                fails(t, false, 0));
    }
}
