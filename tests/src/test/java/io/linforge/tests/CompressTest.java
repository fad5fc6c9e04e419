package io.linforge.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.linforge.cli.Main;
import io.linforge.core.checkpoint.Checkpoint;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Fine-tune, compress one layer under a budget, heal with LoRA, export and validate on ONNX Runtime. */
class CompressTest {
    static final Path DATA = MiniLm.ROOT.resolve("recipes/data/spam-quick.jsonl");

    @TempDir
    Path tmp;

    @Test
    void compressedAndHealedModelExportsAndValidates() throws Exception {
        Path ft = tmp.resolve("ft");
        assertEquals(0, Main.execute("train", "--model", MiniLm.checkpoint().toString(), "--data", DATA.toString(),
                "--steps", "3", "--batch", "8", "--seq", "32", "--out", ft.toString()));
        Path out = tmp.resolve("compressed");
        Path json = tmp.resolve("c.json");
        assertEquals(0, Main.execute("compress", "--model", MiniLm.checkpoint().toString(), "--adapter", ft.toString(),
                "--data", DATA.toString(), "--samples", "16", "--validation", "20", "--max-blocks", "1",
                "--max-accuracy-drop", "1.0", "--seq", "32", "--heal", "lora", "--heal-steps", "2", "--out", out.toString(),
                "--json", json.toString()));
        JsonNode r = new ObjectMapper().readTree(json.toFile());
        assertEquals(1, r.get("replaced_layers").size(), "a budget of 100 points accepts the most linear layer");
        int layer = r.get("replaced_layers").get(0).asInt();
        assertTrue(r.get("parameters_after").asLong() < r.get("parameters_before").asLong());
        try (Checkpoint c = Checkpoint.open(out)) {
            assertTrue(c.has("encoder.layer." + layer + ".linear_map.weight"));
            assertFalse(c.has("encoder.layer." + layer + ".attention.self.query.weight"));
            assertTrue(c.tensorNames().stream().noneMatch(n -> n.contains("lora_")), "healing adapter folded in");
        }
        assertFalse(Files.exists(tmp.resolve("compressed.heal")) || Files.exists(tmp.resolve("compressed.unhealed")));
        Path onnx = tmp.resolve("onnx");
        assertEquals(0, Main.execute("export", "--model", out.toString(), "--out", onnx.toString()));
        Path v = tmp.resolve("v.json");
        assertEquals(0, Main.execute("validate", "--reference", onnx.toString(), "--candidate", onnx.toString(),
                "--data", DATA.toString(), "--max-length", "32", "--json", v.toString()));
        // ONNX Runtime on the exported compressed model agrees with the DJL evaluation after healing
        assertEquals(r.get("test_accuracy_after_healing").asDouble(),
                new ObjectMapper().readTree(v.toFile()).get("metrics").get("reference_accuracy").asDouble(), 1e-9);
    }
}
