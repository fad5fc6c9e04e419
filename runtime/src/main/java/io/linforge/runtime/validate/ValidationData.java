package io.linforge.runtime.validate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.linforge.core.LinforgeException;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A validation set: JSON lines with {@code text} and {@code label} (label optional for embedding
 * models and language models). When any row has {@code "split": "test"}, only those rows are used.
 */
public record ValidationData(Path file, List<Row> rows, boolean testSplitOnly) {
    public record Row(int line, String text, String label) {
    }

    public static ValidationData read(Path file, int limit) {
        if (!Files.isRegularFile(file)) {
            throw LinforgeException.badInput(file, "file", "missing (JSON lines with text and label)");
        }
        ObjectMapper json = new ObjectMapper();
        List<Row> all = new ArrayList<>();
        List<Row> test = new ArrayList<>();
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            int no = 0;
            while ((line = r.readLine()) != null) {
                no++;
                if (line.isBlank()) {
                    continue;
                }
                JsonNode n;
                try {
                    n = json.readTree(line);
                } catch (IOException e) {
                    throw LinforgeException.badInput(file, "line " + no, "not JSON: " + e.getMessage().split("\n")[0]);
                }
                if (n == null || !n.isObject() || !n.path("text").isTextual()) {
                    throw LinforgeException.badInput(file, "line " + no + ": text", "missing or not a string");
                }
                JsonNode l = n.get("label");
                String label = l == null || l.isNull() ? null : l.asText();
                Row row = new Row(no, n.get("text").asText(), label);
                all.add(row);
                if ("test".equals(n.path("split").asText(null))) {
                    test.add(row);
                }
            }
        } catch (IOException e) {
            throw LinforgeException.badInput(file, "file", "cannot read: " + e.getMessage());
        }
        boolean split = !test.isEmpty();
        List<Row> rows = split ? test : all;
        if (limit > 0 && rows.size() > limit) {
            rows = rows.subList(0, limit);
        }
        if (rows.isEmpty()) {
            throw LinforgeException.badInput(file, "rows", "no rows");
        }
        return new ValidationData(file, List.copyOf(rows), split);
    }

    public List<String> texts() {
        return rows.stream().map(Row::text).toList();
    }
}
