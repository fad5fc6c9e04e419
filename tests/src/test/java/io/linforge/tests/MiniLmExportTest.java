package io.linforge.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.linforge.cli.Main;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** linforge's own MiniLM exports (fp32, fp16) through validate and bench on ONNX Runtime CPU. */
class MiniLmExportTest {
    static final Path DATA = MiniLm.ROOT.resolve("recipes/data/spam-small.jsonl");

    @TempDir
    Path tmp;

    @Test
    void fp16ExportPassesTheGateAgainstFp32AndTheOriginalAndBenchRuns() throws Exception {
        Path ckpt = MiniLm.checkpoint();
        Path fp32 = tmp.resolve("fp32");
        Path fp16 = tmp.resolve("fp16");
        assertEquals(0, Main.execute("export", "--model", ckpt.toString(), "--out", fp32.toString()));
        assertEquals(0, Main.execute("export", "--model", ckpt.toString(), "--out", fp16.toString(), "--fp16"));
        Path v = tmp.resolve("v.json");
        assertEquals(0, Main.execute("validate", "--reference", MiniLm.originalOnnxFile().toString(), "--candidate",
                fp32.toString(), "--tokenizer", ckpt.resolve("tokenizer.json").toString(), "--data", DATA.toString(),
                "--limit", "32", "--min-cosine", "0.99999", "--json", v.toString()));
        JsonNode r = new ObjectMapper().readTree(v.toFile());
        assertTrue(r.get("metrics").get("embedding_max_abs_diff").asDouble() < 1e-4, r.toString());
        Path v16 = tmp.resolve("v16.json");
        assertEquals(0, Main.execute("validate", "--reference", fp32.toString(), "--candidate", fp16.toString(),
                "--data", DATA.toString(), "--limit", "32", "--min-cosine", "0.999", "--json", v16.toString()));
        // a gate the fp16 model cannot meet fails with exit 3
        assertEquals(3, Main.execute("validate", "--reference", fp32.toString(), "--candidate", fp16.toString(),
                "--data", DATA.toString(), "--limit", "8", "--min-cosine", "0.99999999"));
        Path b = tmp.resolve("b.json");
        assertEquals(0, Main.execute("bench", "--model", fp16.toString(), "--batch", "1", "--seq", "32", "--warmup", "1",
                "--iterations", "2", "--threads", "2", "--json", b.toString()));
        assertEquals("cpu", new ObjectMapper().readTree(b.toFile()).get("providers").get(0).asText());
    }
}
