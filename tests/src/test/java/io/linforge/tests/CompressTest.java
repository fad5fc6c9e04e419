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

/** Fine-tune, compress under a budget, heal (LoRA, distillation), export and validate on ONNX Runtime. */
class CompressTest {
    static final Path DATA = MiniLm.ROOT.resolve("recipes/data/spam-quick.jsonl");

    @TempDir
    Path tmp;

    @TempDir
    static Path shared;

    private static Path finetuned;

    /** A short LoRA fine-tune of MiniLM on the spam sample, made once for the tests of this class. */
    static synchronized Path finetuned() {
        if (finetuned == null) {
            Path ft = shared.resolve("ft");
            assertEquals(0, Main.execute("train", "--model", MiniLm.checkpoint().toString(), "--data", DATA.toString(),
                    "--steps", "3", "--batch", "8", "--seq", "32", "--out", ft.toString()));
            finetuned = ft;
        }
        return finetuned;
    }

    @Test
    void compressedAndHealedModelExportsAndValidates() throws Exception {
        Path ft = finetuned();
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

    @Test
    void distillationBringsTheCompressedModelsPredictionsBackTowardsTheOriginal() throws Exception {
        Path ft = finetuned();
        Path reference = tmp.resolve("onnx-ft");
        assertEquals(0, Main.execute("export", "--model", MiniLm.checkpoint().toString(), "--adapter", ft.toString(),
                "--out", reference.toString()));
        ObjectMapper json = new ObjectMapper();
        double[] kl = new double[2];
        JsonNode[] result = new JsonNode[2];
        String[] heal = {"none", "distill"};
        for (int i = 0; i < 2; i++) {
            Path out = tmp.resolve("c-" + heal[i]);
            Path cj = tmp.resolve("c-" + heal[i] + ".json");
            java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("compress", "--model",
                    MiniLm.checkpoint().toString(), "--adapter", ft.toString(), "--data", DATA.toString(), "--samples", "16",
                    "--validation", "20", "--max-blocks", "2", "--max-accuracy-drop", "1.0", "--seq", "32", "--heal", heal[i],
                    "--out", out.toString(), "--json", cj.toString()));
            if (i == 1) {
                args.addAll(java.util.List.of("--heal-steps", "20", "--distill-alpha", "1"));
            }
            assertEquals(0, Main.execute(args.toArray(String[]::new)));
            result[i] = json.readTree(cj.toFile());
            Path onnx = tmp.resolve("onnx-" + heal[i]);
            assertEquals(0, Main.execute("export", "--model", out.toString(), "--out", onnx.toString()));
            Path v = tmp.resolve("v-" + heal[i] + ".json");
            assertEquals(0, Main.execute("validate", "--reference", reference.toString(), "--candidate", onnx.toString(),
                    "--data", DATA.toString(), "--max-length", "32", "--json", v.toString()));
            kl[i] = json.readTree(v.toFile()).get("metrics").get("kl_mean").asDouble();
        }
        assertEquals(result[0].get("replaced_layers"), result[1].get("replaced_layers"), "same seed, same layers");
        assertEquals(2, result[0].get("replaced_layers").size());
        // the compressor's own (DJL) measurement agrees with ONNX Runtime's
        assertEquals(kl[0], result[0].get("test_kl_to_original").asDouble(), 0.02 * kl[0]);
        assertEquals(kl[1], result[1].get("test_kl_to_original_after_healing").asDouble(), 0.02 * kl[0]);
        assertTrue(kl[0] > 1e-3, "replacing two layers moves the predictions (KL " + kl[0] + ")");
        assertTrue(kl[1] < 0.5 * kl[0], "held-out KL to the fine-tuned model: " + kl[0] + " without healing, "
                + kl[1] + " after distillation");
        try (Checkpoint c = Checkpoint.open(tmp.resolve("c-distill"))) {
            assertTrue(c.tensorNames().stream().noneMatch(n -> n.contains("lora_")), "adapters folded in");
        }
    }
}
