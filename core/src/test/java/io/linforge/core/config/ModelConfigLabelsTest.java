package io.linforge.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.linforge.core.LinforgeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelConfigLabelsTest {
    static final String BERT = "{\"model_type\": \"bert\", \"vocab_size\": 30, \"hidden_size\": 8, \"num_hidden_layers\": 1, "
            + "\"num_attention_heads\": 2, \"intermediate_size\": 16";

    @TempDir
    Path dir;

    ModelConfig read(String rest) throws Exception {
        Path f = dir.resolve("config.json");
        Files.writeString(f, BERT + rest + "}");
        return ModelConfig.read(f);
    }

    @Test
    void id2labelKeysAreClassIndicesBlanksAllowedAsInTransformers() throws Exception {
        assertEquals(Map.of(0, "neg", 1, "pos"), read(", \"id2label\": {\" 1\": \"pos\", \"0\": \"neg\"}").id2label());
        LinforgeException e = assertThrows(LinforgeException.class, () -> read(", \"id2label\": {\"0\": \"a\", \"one\": \"b\"}"));
        assertEquals(LinforgeException.BAD_INPUT, e.exitCode());
        assertTrue(e.getMessage().endsWith("config.json: id2label: key 'one' is not a class index (0, 1, ...)"), e.getMessage());
        e = assertThrows(LinforgeException.class, () -> read(", \"id2label\": {\"1\": \"a\", \"01\": \"b\"}"));
        assertTrue(e.getMessage().endsWith("id2label: class index 1 appears twice"), e.getMessage());
    }

    @Test
    void numLabelsIsAPositiveIntegerWithinTheCap() throws Exception {
        assertEquals(3, read(", \"num_labels\": 3").numLabels());
        for (String bad : new String[] {"0", "\"two\"", "2147483647"}) {
            LinforgeException e = assertThrows(LinforgeException.class, () -> read(", \"num_labels\": " + bad));
            assertTrue(e.getMessage().contains("config.json: num_labels: "), e.getMessage());
        }
    }
}
