package io.linforge.core.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.linforge.core.data.TextRows;

/** The data reader: the same bytes as JSON lines (labels optional, then required) and as plain text. */
class TextRowsFuzzTest {
    @FuzzTest(maxDuration = "60s")
    void textRows(byte[] data) throws Exception {
        ParserContract.parseFile(data, "data.jsonl", f -> TextRows.read(f, false));
        ParserContract.parseFile(data, "data.jsonl", f -> TextRows.read(f, true, 3));
        ParserContract.parseFile(data, "data.txt", f -> TextRows.read(f, false));
    }
}
