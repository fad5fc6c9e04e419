package io.linforge.apiuse;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.linforge.api.BenchOptions;
import io.linforge.api.BenchResult;
import io.linforge.api.ExportOptions;
import io.linforge.api.ExportResult;
import io.linforge.api.GenerateOptions;
import io.linforge.api.GenerateResult;
import io.linforge.api.ImportOptions;
import io.linforge.api.ImportResult;
import io.linforge.api.InitOptions;
import io.linforge.api.InitResult;
import io.linforge.api.Linforge;
import io.linforge.api.ValidateOptions;
import io.linforge.api.ValidateResult;
import io.linforge.api.training.AnalyzeOptions;
import io.linforge.api.training.AnalyzeResult;
import io.linforge.api.training.TrainOptions;
import io.linforge.api.training.TrainResult;
import io.linforge.api.training.Training;
import com.fasterxml.jackson.databind.JsonNode;
import io.linforge.api.Json;
import io.linforge.cli.Main;
import io.linforge.core.LinforgeException;
import io.linforge.core.checkpoint.Checkpoint;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pipeline as another project's code calls it: only {@code io.linforge.api} (and its exception). */
class JavaApiTest {
    private static final Path ROOT = Path.of(System.getProperty("linforge.root", "..")).toAbsolutePath().normalize();

    @Test
    void importExportValidateBench(@TempDir Path dir) throws Exception {
        ImportResult imp = Linforge.importModel(ImportOptions.of(ROOT.resolve("target/models/all-minilm-l6-v2.jar"),
                dir.resolve("minilm")));
        assertEquals(6, imp.config().numHiddenLayers());
        assertEquals(22_565_376, imp.parameters()); // all-MiniLM-L6-v2 without its pooler

        ExportResult fp32 = Linforge.export(ExportOptions.builder(imp.out(), dir.resolve("fp32")).pooling("mean").build());
        ExportResult fp16 = Linforge.export(ExportOptions.builder(imp.out(), dir.resolve("fp16")).pooling("mean").fp16(true)
                .build());
        assertEquals("fp16", fp16.precision());
        assertEquals(fp32.parameters(), fp16.parameters());
        assertTrue(fp16.bytes() < 0.6 * fp32.bytes(), fp16.bytes() + " vs " + fp32.bytes());
        assertEquals(fp16.toJson().get("onnx").asText(), dir.resolve("fp16/model.onnx").toAbsolutePath().toString());

        // an existing output is refused without overwrite, naming the option
        LinforgeException again = assertThrows(LinforgeException.class,
                () -> Linforge.export(ExportOptions.builder(imp.out(), dir.resolve("fp16")).build()));
        assertEquals(LinforgeException.BAD_INPUT, again.exitCode());
        assertTrue(again.getMessage().contains("--out"), again.getMessage());

        Path data = ROOT.resolve("examples/pipeline/data/sample.jsonl");
        ValidateResult ok = Linforge.validate(ValidateOptions.builder(fp32.onnx(), fp16.onnx(), data).minCosine(0.999)
                .limit(16).build());
        assertTrue(ok.passed(), ok.toJson().toString());
        assertEquals(16, ok.report().rows());
        double cosine = ok.gates().get(0).measured();
        assertTrue(cosine > 0.999 && cosine <= 1 + 1e-6, "cosine " + cosine);

        // the same numbers, an impossible gate: a result that fails, and requirePassed's exit 3
        ValidateResult strict = Linforge.validate(ValidateOptions.builder(fp32.onnx(), fp16.onnx(), data)
                .minCosine(Math.nextUp(cosine)).limit(16).build());
        assertFalse(strict.passed());
        assertEquals(cosine, strict.gates().get(0).measured());
        LinforgeException gate = assertThrows(LinforgeException.class, strict::requirePassed);
        assertEquals(LinforgeException.GATE_FAILED, gate.exitCode());
        assertTrue(gate.getMessage().startsWith("gate min-cosine failed: "), gate.getMessage());

        BenchResult.Single b = (BenchResult.Single) Linforge.bench(BenchOptions.builder(fp32.onnx()).batch(List.of(2))
                .seq(List.of(16)).warmup(1).iterations(3).build());
        assertEquals(1, b.results().size());
        assertEquals(3, b.results().get(0).iterations());
        assertTrue(b.results().get(0).p50Ms() > 0);
        assertEquals(List.of("cpu"), b.providers());

        LinforgeException badList = assertThrows(LinforgeException.class, () -> BenchOptions.parseList("--seq", "16,x"));
        assertEquals("--seq: expected positive integers separated by commas, got '16,x'", badList.getMessage());
        assertTrue(Files.isRegularFile(fp16.onnx()));
    }

    @Test
    void trainAndAnalyze(@TempDir Path dir) throws Exception {
        Path base = Linforge.importModel(ImportOptions.of(ROOT.resolve("target/models/all-minilm-l6-v2.jar"),
                dir.resolve("minilm"))).out();
        Path data = ROOT.resolve("recipes/data/spam-quick.jsonl");
        Path adapter = dir.resolve("lora");
        TrainResult t = Training.train(TrainOptions.builder(base, data, adapter).rank(4).steps(3).batch(4).seq(32)
                .evalEvery(2).limitTrain(32).limitTest(8).seed(7).build());
        assertFalse(t.decoder());
        // r=4 on query and value of 6 layers, plus the pooler and the two-label classifier trained in full
        assertEquals(2 * 6 * (4 * 384 + 384 * 4) + 384 * 384 + 384 + 2 * 384 + 2, t.trainableParameters());
        assertEquals(3, t.curve().size());
        assertNull(t.curve().get(0).metric());
        assertTrue(t.curve().get(1).metric() != null, "evaluated every 2 updates");
        assertNull(t.curve().get(2).metric(), "the last update's evaluation is the result's");
        assertEquals(8, t.evalSize());
        double correct = t.evalAccuracy() * 8;
        assertEquals(Math.rint(correct), correct, 1e-9, "accuracy over 8 rows");
        JsonNode json = t.toJson();
        assertEquals(5e-4, json.get("lr").asDouble(), "the method's default learning rate");
        assertEquals(t.evalAccuracy(), json.get("eval_accuracy").asDouble());
        assertEquals(8 * t.trainableParameters(), json.get("optimizer_state_bytes").asLong());
        JsonNode cfg = Json.MAPPER.readTree(adapter.resolve("adapter_config.json").toFile());
        assertEquals(4, cfg.get("r").asInt());
        assertEquals("[\"query\",\"value\"]", cfg.get("target_modules").toString(), "an encoder's default targets");

        LinforgeException bad = assertThrows(LinforgeException.class, () -> Training.train(TrainOptions.builder(base, data,
                dir.resolve("never")).method("qlora").build()));
        assertEquals(LinforgeException.BAD_INPUT, bad.exitCode());
        assertEquals("--method: 'qlora' is not one of lora, relora, sparsegrad, bitfit, full, dora", bad.getMessage());
        LinforgeException nan = assertThrows(LinforgeException.class, () -> Training.train(TrainOptions.builder(base, data,
                dir.resolve("never")).lr(Double.NaN).build()));
        assertEquals("--lr: expected a finite number, got 'NaN'", nan.getMessage());
        assertFalse(Files.exists(dir.resolve("never")));

        // more tokens than hidden dimensions (384), so that no layer is fitted exactly
        AnalyzeResult a = Training.analyze(AnalyzeOptions.builder(base, data, dir.resolve("an")).samples(8).seq(64).build());
        assertEquals(6, a.layers().size());
        assertEquals(8, a.texts());
        assertTrue(a.tokens() > 384, a.tokens() + " tokens");
        assertEquals(Json.text(a.toJson()), Files.readString(dir.resolve("an/scores.json")), "scores.json is the result");
        for (AnalyzeResult.Layer l : a.layers()) {
            assertTrue(l.linearity() > 0.3 && l.linearity() < 0.999, "linearity " + l.linearity());
        }
        // position 0 of each of the 8 texts joins the statistics
        AnalyzeResult first = Training.analyze(AnalyzeOptions.builder(base, data, dir.resolve("an-first")).samples(8).seq(64)
                .includeFirst(true).build());
        assertEquals(a.tokens() + 8, first.tokens());
        // the trained adapter is folded in before the capture
        AnalyzeResult tuned = Training.analyze(AnalyzeOptions.builder(base, data, dir.resolve("an-lora")).adapter(adapter)
                .samples(8).seq(64).build());
        assertEquals(a.tokens(), tuned.tokens());
        assertNotEquals(a.layers().get(0).linearity(), tuned.layers().get(0).linearity());
    }

    /** A tiny LLaMA config (byte-level vocabulary): 2 layers, hidden 32, 4 query and 2 key/value heads of 8. */
    static Path tinyDecoderConfig(Path dir) throws Exception {
        com.fasterxml.jackson.databind.node.ObjectNode cfg = (com.fasterxml.jackson.databind.node.ObjectNode) Json.MAPPER
                .readTree(ROOT.resolve("recipes/models/llama-d256-l6-gqa.json").toFile());
        cfg.put("hidden_size", 32).put("intermediate_size", 48).put("num_hidden_layers", 2).put("head_dim", 8)
                .put("num_attention_heads", 4).put("num_key_value_heads", 2).put("max_position_embeddings", 64);
        Path f = dir.resolve("tiny.json");
        Files.writeString(f, Json.MAPPER.writeValueAsString(cfg));
        return f;
    }

    @Test
    void initExportGenerate(@TempDir Path dir) throws Exception {
        Path cfg = tinyDecoderConfig(dir);
        InitResult init = Linforge.init(InitOptions.builder(cfg, dir.resolve("init")).seed(3).build());
        // embeddings and LM head 257 x 32; per layer q 32x32, k and v 16x32, o 32x32, gate and up 48x32, down 32x48, 2 norms
        long perLayer = 32 * 32 + 2 * 16 * 32 + 32 * 32 + 3 * 48 * 32 + 2 * 32;
        assertEquals(2 * 257 * 32 + 2 * perLayer + 32, init.parameters());
        assertEquals(2, init.config().numHiddenLayers());
        assertEquals("bytes", init.toJson().get("tokenizer").asText());
        try (Checkpoint ck = Checkpoint.open(init.out())) {
            assertEquals(List.of(16L, 32L), List.of(ck.tensor("model.layers.1.self_attn.k_proj.weight").shape()[0],
                    ck.tensor("model.layers.1.self_attn.k_proj.weight").shape()[1]));
            assertEquals(48, ck.tensor("model.layers.0.mlp.down_proj.weight").shape()[1]);
            for (String n : ck.tensorNames()) {
                assertEquals("F32", ck.tensor(n).dtype().name(), n);
            }
            float[] norm = ck.tensor("model.norm.weight").toFloats();
            assertEquals(1f, norm[0]);
            float[] q = ck.tensor("model.layers.0.self_attn.q_proj.weight").toFloats();
            double sq = 0;
            for (float v : q) {
                sq += v * v;
            }
            assertEquals(0.02, Math.sqrt(sq / q.length), 0.002, "N(0, 0.02^2) weights");
        }
        // the same seed writes the same weights, and the command line writes what the API writes
        assertEquals(0, Main.execute("init", "--config", cfg.toString(), "--seed", "3", "--out", dir.resolve("cli-init").toString()));
        assertArrayEquals(Files.readAllBytes(init.out().resolve("model.safetensors")),
                Files.readAllBytes(dir.resolve("cli-init/model.safetensors")));

        LinforgeException small = assertThrows(LinforgeException.class, () -> Linforge.init(InitOptions.builder(
                ROOT.resolve("core/src/test/resources/fixtures/hf/bert/config.json"), dir.resolve("never")).build()));
        assertEquals(LinforgeException.BAD_INPUT, small.exitCode());
        LinforgeException exists = assertThrows(LinforgeException.class,
                () -> Linforge.init(InitOptions.builder(cfg, init.out()).build()));
        assertTrue(exists.getMessage().contains("--out"), exists.getMessage());
        assertFalse(Files.exists(dir.resolve("never")));

        ExportResult export = Linforge.export(ExportOptions.builder(init.out(), dir.resolve("export")).build());
        assertTrue(export.decoder());
        GenerateResult g = Linforge.generate(GenerateOptions.builder(export.onnx(), "Call me").maxNewTokens(5).build());
        assertEquals("greedy", g.mode());
        assertEquals(5, g.newTokenIds().length);
        Path json = dir.resolve("generate.json");
        assertEquals(0, Main.execute("generate", "--model", export.onnx().toString(), "--prompt", "Call me",
                "--max-new-tokens", "5", "--json", json.toString()));
        JsonNode cli = Json.MAPPER.readTree(json.toFile());
        assertEquals(java.util.Arrays.toString(g.newTokenIds()), cli.get("new_token_ids").toString().replace(",", ", "),
                "the command line's greedy tokens");
        assertEquals(java.util.Arrays.toString(g.promptTokenIds()), cli.get("prompt_token_ids").toString().replace(",", ", "));
        assertEquals(g.completion(), cli.get("completion").asText());

        // nucleus sampling: the seed fixes the tokens, another seed draws others
        GenerateOptions.Builder sampled = GenerateOptions.builder(export.onnx(), "Call me").maxNewTokens(12).topP(0.95)
                .temperature(2);
        long[] a = Linforge.generate(sampled.seed(1).build()).newTokenIds();
        assertArrayEquals(a, Linforge.generate(sampled.seed(1).build()).newTokenIds());
        assertNotEquals(java.util.Arrays.toString(a), java.util.Arrays.toString(Linforge.generate(sampled.seed(2).build())
                .newTokenIds()));

        LinforgeException empty = assertThrows(LinforgeException.class,
                () -> Linforge.generate(GenerateOptions.builder(export.onnx(), "").build()));
        assertEquals("--prompt: missing or empty", empty.getMessage());
        LinforgeException topP = assertThrows(LinforgeException.class,
                () -> Linforge.generate(GenerateOptions.builder(export.onnx(), "x").topP(1.5).build()));
        assertEquals(LinforgeException.BAD_INPUT, topP.exitCode());
    }
}
