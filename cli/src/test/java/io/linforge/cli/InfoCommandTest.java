package io.linforge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.linforge.core.checkpoint.Checkpoint;
import io.linforge.core.config.ModelConfig;
import io.linforge.core.tensor.TensorData;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InfoCommandTest {
    @TempDir
    Path dir;

    record Run(int code, String out, String err) {
    }

    static Run run(String... args) {
        PrintStream o = System.out;
        PrintStream e = System.err;
        ByteArrayOutputStream bo = new ByteArrayOutputStream();
        ByteArrayOutputStream be = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(bo, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(be, true, StandardCharsets.UTF_8));
            int code = Main.execute(args);
            return new Run(code, bo.toString(StandardCharsets.UTF_8), be.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(o);
            System.setErr(e);
        }
    }

    Path tinyLlama() {
        ModelConfig cfg = ModelConfig.builder("llama").set("vocab_size", 16).set("hidden_size", 8)
                .set("num_hidden_layers", 1).set("num_attention_heads", 2).set("num_key_value_heads", 1)
                .set("intermediate_size", 12).architectures("LlamaForCausalLM").build();
        Map<String, TensorData> t = new LinkedHashMap<>();
        t.put("model.embed_tokens.weight", TensorData.ofFloats(new long[] {16, 8}, new float[128]));
        t.put("model.layers.0.self_attn.k_proj.weight", TensorData.ofFloats(new long[] {4, 8}, new float[32]).toF16());
        Path d = dir.resolve("llama");
        Checkpoint.save(d, cfg, t, null);
        return d;
    }

    @Test
    void reportsArchitectureAndCounts() throws Exception {
        Path d = tinyLlama();
        Path json = dir.resolve("info.json");
        Run r = run("info", d.toString(), "--json", json.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("llama"), r.out());
        JsonNode j = CliSupport.JSON.readTree(json.toFile());
        assertEquals(160, j.get("parameters").asLong());
        assertEquals(2, j.get("heads").asInt());
        assertEquals(1, j.get("kv_heads").asInt());
        assertEquals(64, j.get("dtypes").get("F16").get("bytes").asLong());
        assertEquals(512, j.get("dtypes").get("F32").get("bytes").asLong());
        assertFalse(j.get("tokenizer").asBoolean());
    }

    @Test
    void badCheckpointExitsTwoWithOneLineAndWritesNothing() throws Exception {
        Path d = tinyLlama();
        Path weights = d.resolve(Checkpoint.WEIGHTS);
        byte[] all = Files.readAllBytes(weights);
        Files.write(weights, java.util.Arrays.copyOf(all, all.length - 7));
        Path json = dir.resolve("info.json");
        Run r = run("info", d.toString(), "--json", json.toString());
        assertEquals(2, r.code());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains(weights.toString()), r.err());
        assertFalse(Files.exists(json));

        Files.writeString(d.resolve("config.json"), "{\"model_type\": \"t5\"}");
        Run t = run("info", d.toString());
        assertEquals(2, t.code());
        assertTrue(t.err().contains("config.json") && t.err().contains("model_type"), t.err());
    }

    @Test
    void unknownCommandAndMissingArgument() {
        assertEquals(2, run("infoo").code());
        assertEquals(2, run("info").code());
        assertEquals(0, run("--help").code());
    }
}
