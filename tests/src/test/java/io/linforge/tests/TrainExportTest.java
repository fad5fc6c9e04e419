package io.linforge.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.linforge.cli.Main;
import io.linforge.core.LinforgeException;
import io.linforge.core.text.Tokenizer;
import io.linforge.model.text.HfTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** LoRA fine-tuning of the imported MiniLM, then its merged export on ONNX Runtime. */
class TrainExportTest {
    static final Path DATA = MiniLm.ROOT.resolve("recipes/data/spam-quick.jsonl");

    @TempDir
    Path tmp;

    int train(Path out, Path json) {
        return Main.execute("train", "--model", MiniLm.checkpoint().toString(), "--data", DATA.toString(),
                "--method", "lora", "--steps", "4", "--batch", "8", "--seq", "64",
                "--seed", "7", "--out", out.toString(), "--json", json.toString());
    }

    @Test
    void loraTrainingIsDeterministicAndItsMergedExportAgreesWithDjl() throws Exception {
        Path a = tmp.resolve("a");
        Path b = tmp.resolve("b");
        assertEquals(0, train(a, tmp.resolve("a.json")));
        assertEquals(0, train(b, tmp.resolve("b.json")));
        assertArrayEquals(Files.readAllBytes(a.resolve("adapter_model.safetensors")),
                Files.readAllBytes(b.resolve("adapter_model.safetensors")), "same seed, same adapter bytes");
        JsonNode r = new ObjectMapper().readTree(tmp.resolve("a.json").toFile());
        // r=8 on query and value of 6 layers (2·6·(8·384 + 384·8)) + pooler (384·384 + 384) + classifier (2·384 + 2)
        assertEquals(2 * 6 * (8 * 384 + 384 * 8) + 384 * 384 + 384 + 2 * 384 + 2, r.get("trainable_parameters").asLong());
        assertTrue(Double.isFinite(r.get("final_loss").asDouble()));
        assertTrue(r.get("optimizer_state_bytes").asLong() == 8 * r.get("trainable_parameters").asLong());
        Path onnx = tmp.resolve("onnx");
        assertEquals(0, Main.execute("export", "--model", MiniLm.checkpoint().toString(), "--adapter", a.toString(),
                "--out", onnx.toString()));
        Path v = tmp.resolve("v.json");
        assertEquals(0, Main.execute("validate", "--reference", onnx.toString(), "--candidate", onnx.toString(),
                "--data", DATA.toString(), "--max-length", "64", "--json", v.toString()));
        JsonNode vr = new ObjectMapper().readTree(v.toFile());
        // ONNX Runtime on the merged export classifies the test rows as the DJL model with its live adapter did
        assertEquals(r.get("eval_accuracy").asDouble(), vr.get("metrics").get("reference_accuracy").asDouble(), 1e-9);
    }

    @Test
    void missingTokenizerExitsTwoNamingTheFile() throws Exception {
        Path dir = tmp.resolve("no-tokenizer");
        Files.createDirectories(dir);
        try {
            HfTokenizer.forCheckpoint(dir);
        } catch (LinforgeException e) {
            assertEquals(2, e.exitCode());
            assertTrue(e.getMessage().contains(dir.resolve("tokenizer.json").toString()), e.getMessage());
            return;
        }
        throw new AssertionError("no error for a missing tokenizer");
    }
}
