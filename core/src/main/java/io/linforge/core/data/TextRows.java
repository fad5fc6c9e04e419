package io.linforge.core.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.linforge.core.LinforgeException;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Text data in JSON lines: one object per line with a string {@code text}, a {@code label}
 * (required or optional, as the caller says; numbers are taken as their text, but one file's labels
 * are all strings, all numbers or all booleans) and an optional {@code split}. Blank lines are skipped. Bad input fails with exit code 2 and one line naming
 * {@code file:line} and the field.
 */
public final class TextRows {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * One row. {@code line} is 1-based in the file; {@code label} is null when absent,
     * {@code split} is empty when absent.
     */
    public record Row(int line, String text, String label, String split) {
        public boolean isTest() {
            return split.equals("test");
        }
    }

    private TextRows() {
    }

    /** Every row of {@code file}. */
    public static List<Row> read(Path file, boolean labelRequired) {
        return read(file, labelRequired, 0);
    }

    /** Characters per row when plain text is cut into rows. */
    public static final int PLAIN_TEXT_RUN = 512;

    /** Whether {@code file} is read as JSON lines ({@code .jsonl}, {@code .json}) rather than plain text. */
    public static boolean isJsonLines(Path file) {
        String n = file.getFileName().toString();
        return n.endsWith(".jsonl") || n.endsWith(".json");
    }

    /**
     * The first {@code maxRows} rows of {@code file} (all when {@code maxRows <= 0}); lines after them
     * are not read. A file that is not JSON lines (see {@link #isJsonLines}) is plain text, cut into
     * unlabelled rows of {@link #PLAIN_TEXT_RUN} characters (the remainder is dropped); labels
     * cannot be required of it.
     */
    public static List<Row> read(Path file, boolean labelRequired, int maxRows) {
        if (!Files.isRegularFile(file)) {
            throw LinforgeException.badInput(file, "file", "no such data file (JSON lines with text"
                    + (labelRequired ? " and label)" : ")"));
        }
        if (!isJsonLines(file)) {
            if (labelRequired) {
                throw LinforgeException.badInput(file, "label", "plain text has no labels (JSON lines with text and label needed)");
            }
            String all = readText(file);
            List<Row> runs = new ArrayList<>();
            for (int i = 0; i + PLAIN_TEXT_RUN <= all.length() && (maxRows <= 0 || runs.size() < maxRows); i += PLAIN_TEXT_RUN) {
                runs.add(new Row(runs.size() + 1, all.substring(i, i + PLAIN_TEXT_RUN), null, ""));
            }
            return runs;
        }
        List<Row> rows = new ArrayList<>();
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file))) {
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            String line;
            int no = 0;
            LabelType first = null;
            while ((maxRows <= 0 || rows.size() < maxRows) && (line = nextLine(file, no + 1, in, buf)) != null) {
                no++;
                if (line.isBlank()) {
                    continue;
                }
                JsonNode o = object(file, no, line);
                Row row = parse(file, no, o, labelRequired);
                LabelType t = LabelType.of(no, o.get("label"));
                if (t != null && first != null && t.kind() != first.kind()) {
                    throw LinforgeException.badInput(file + ":" + no, "label", "a " + t.kind() + " (" + t.value()
                            + "), but line " + first.line() + "'s label is a " + first.kind() + " (" + first.value()
                            + "); a file's labels must all be strings or all numbers");
                }
                first = first == null ? t : first;
                rows.add(row);
            }
        } catch (IOException e) {
            throw LinforgeException.badInput(file, "file", "cannot read: " + e.getMessage());
        }
        return rows;
    }

    /** The kind of a row's label (number, string or boolean) and where it was first seen; null without a label. */
    private record LabelType(int line, String kind, String value) {
        static LabelType of(int line, JsonNode l) {
            if (l == null || l.isNull() || l.isContainerNode()) {
                return null;
            }
            String kind = l.isNumber() ? "number" : l.isBoolean() ? "boolean" : "string";
            return new LabelType(line, kind, l.isTextual() ? "'" + l.asText() + "'" : l.asText());
        }
    }

    /** The whole of a UTF-8 text file; invalid UTF-8 is exit 2 naming the file, the line and the column. */
    public static String readText(Path file) {
        try {
            byte[] bytes = Files.readAllBytes(file);
            return utf8(file, 1, bytes, bytes.length);
        } catch (IOException e) {
            throw LinforgeException.badInput(file, "file", "cannot read: " + e.getMessage());
        }
    }

    /** The next line of {@code in} (ended by \n or \r\n, or by the end of the file) decoded as UTF-8; null at the end. */
    private static String nextLine(Path file, int no, InputStream in, ByteArrayOutputStream buf) throws IOException {
        buf.reset();
        int c = in.read();
        if (c < 0) {
            return null;
        }
        for (; c >= 0 && c != '\n'; c = in.read()) {
            buf.write(c);
        }
        byte[] b = buf.toByteArray();
        int n = b.length > 0 && b[b.length - 1] == '\r' ? b.length - 1 : b.length;
        return utf8(file, no, b, n);
    }

    /**
     * The first {@code n} bytes of {@code b} (text starting at line {@code firstLine} of {@code file})
     * decoded as UTF-8; invalid UTF-8 is exit 2 naming the file, the line and the column of the bad byte.
     */
    private static String utf8(Path file, int firstLine, byte[] b, int n) {
        CharsetDecoder d = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(b, 0, n);
        CharBuffer out = CharBuffer.allocate(n);
        CoderResult r = d.decode(in, out, true);
        if (r.isError()) {
            int at = in.position();
            int line = firstLine;
            int lineStart = 0;
            for (int i = 0; i < at; i++) {
                if (b[i] == '\n') {
                    line++;
                    lineStart = i + 1;
                }
            }
            throw LinforgeException.badInput(file + ":" + line, "encoding", String.format("not valid UTF-8 (byte 0x%02x "
                    + "at column %d); save the file as UTF-8", b[at] & 0xff, at - lineStart + 1));
        }
        d.flush(out);
        return out.flip().toString();
    }

    private static JsonNode object(Path file, int no, String line) {
        try {
            return JSON.readTree(line);
        } catch (JsonProcessingException e) {
            throw LinforgeException.badInput(file + ":" + no, "json", "not JSON: " + e.getOriginalMessage().split("\n")[0]);
        }
    }

    private static Row parse(Path file, int no, JsonNode o, boolean labelRequired) {
        String where = file + ":" + no;
        if (o == null || !o.isObject() || !o.path("text").isTextual()) {
            throw LinforgeException.badInput(where, "text", "missing or not a string");
        }
        JsonNode l = o.get("label");
        if (l != null && (l.isObject() || l.isArray())) {
            throw LinforgeException.badInput(where, "label", "not a string or number");
        }
        String label = l == null || l.isNull() ? null : l.asText();
        if (label == null && labelRequired) {
            throw LinforgeException.badInput(where, "label", "missing");
        }
        return new Row(no, o.get("text").asText(), label, o.path("split").asText(""));
    }
}
