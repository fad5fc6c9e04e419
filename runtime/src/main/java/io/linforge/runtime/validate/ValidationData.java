package io.linforge.runtime.validate;

import io.linforge.core.LinforgeException;
import io.linforge.core.data.TextRows;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A validation set: JSON lines with {@code text} and {@code label} (label optional for embedding
 * models and language models), read by {@link TextRows}. When any row has {@code "split": "test"},
 * only those rows are used.
 */
public record ValidationData(Path file, List<Row> rows, boolean testSplitOnly) {
    public record Row(int line, String text, String label) {
    }

    public static ValidationData read(Path file, int limit) {
        List<Row> all = new ArrayList<>();
        List<Row> test = new ArrayList<>();
        for (TextRows.Row r : TextRows.read(file, false)) {
            Row row = new Row(r.line(), r.text(), r.label());
            all.add(row);
            if (r.isTest()) {
                test.add(row);
            }
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
