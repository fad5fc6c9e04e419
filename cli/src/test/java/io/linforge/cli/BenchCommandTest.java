package io.linforge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.linforge.core.testing.BadInputTest;
import io.linforge.core.testing.BadInputs;
import io.linforge.runtime.ModelFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchCommandTest {
    @TempDir
    Path dir;

    @Test
    void benchWritesPercentilesAndThroughputPerShape() throws Exception {
        Path onnx = ModelFiles.bundledMiniLm(Path.of(System.getProperty("linforge.root")));
        Path json = dir.resolve("bench.json");
        InfoCommandTest.Run r = InfoCommandTest.run("bench", "--model", onnx.toString(), "--batch", "1,2",
                "--seq", "8,16", "--warmup", "1", "--iterations", "3", "--threads", "1", "--json", json.toString());
        assertEquals(0, r.code(), r.err());
        JsonNode n = CliSupport.JSON.readTree(json.toFile());
        assertEquals("cpu", n.get("providers").get(0).asText());
        assertEquals(30522, n.get("vocab").asInt());
        assertFalse(n.get("machine").get("cpu").asText().isBlank());
        assertEquals(4, n.get("results").size());
        JsonNode last = n.get("results").get(3);
        assertEquals(2, last.get("batch").asInt());
        assertEquals(16, last.get("seq").asInt());
        double p50 = last.get("p50_ms").asDouble();
        assertTrue(p50 > 0 && p50 <= last.get("p90_ms").asDouble() && last.get("p90_ms").asDouble() <= last.get("p99_ms").asDouble());
        // tokens/s is sequences/s times the sequence length
        assertEquals(16 * last.get("sequences_per_s").asDouble(), last.get("tokens_per_s").asDouble(), 1e-6);
        assertTrue(r.out().contains("tokens/s"), r.out());
        assertTrue(Files.list(dir).allMatch(p -> p.equals(json)), "no temporary files left");
    }

    /** --compare with --profile: both models' traces are summarised per operator, every run counted. */
    @Test
    void compareWithProfilePrintsTimePerOperator() throws Exception {
        Path onnx = ModelFiles.bundledMiniLm(Path.of(System.getProperty("linforge.root")));
        Path json = dir.resolve("cmp.json");
        Path prof = dir.resolve("prof");
        InfoCommandTest.Run r = InfoCommandTest.run("bench", "--model", onnx.toString(), "--compare", onnx.toString(),
                "--batch", "1", "--seq", "8", "--warmup", "1", "--iterations", "2", "--threads", "1",
                "--profile", prof.toString(), "--json", json.toString());
        assertEquals(0, r.code(), r.err());
        JsonNode p = CliSupport.JSON.readTree(json.toFile()).get("profile");
        for (String side : new String[] {"candidate", "baseline"}) {
            JsonNode s = p.get(side);
            assertEquals(1 + 2 * 5, s.get("runs").asInt(), side);
            assertTrue(s.get("nodes").asInt() > 50, side);
            // the bundled PyTorch export after ONNX Runtime's fusions
            assertTrue(s.get("op_ms").has("MatMul") && s.get("op_ms").has("LayerNormalization"), s.toString());
            assertTrue(Files.isRegularFile(Path.of(s.get("file").asText())));
        }
        assertTrue(r.out().contains("per-operator time"), r.out());
        InfoCommandTest.Run two = InfoCommandTest.run("bench", "--model", onnx.toString(), "--batch", "1,2", "--seq", "8",
                "--profile", prof.toString());
        assertEquals(2, two.code());
        assertTrue(two.err().contains("--profile"), two.err());
    }

    /** A decoder export with its key/value cache is timed on whole sequences with an empty cache. */
    @Test
    void decoderExportsAreBenchmarkedAndCompared() throws Exception {
        Path out = dir.resolve("llama");
        io.linforge.exporter.OnnxExporter.export(Path.of("../core/src/test/resources/fixtures/hf/llama"), java.util.List.of(),
                out, io.linforge.exporter.OnnxExporter.Options.defaults());
        Path json = dir.resolve("bench.json");
        InfoCommandTest.Run r = InfoCommandTest.run("bench", "--model", out.resolve("model.onnx").toString(), "--vocab", "256",
                "--batch", "2", "--seq", "8", "--warmup", "1", "--iterations", "2", "--threads", "1", "--json", json.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(CliSupport.JSON.readTree(json.toFile()).get("results").get(0).get("p50_ms").asDouble() > 0);
        InfoCommandTest.Run c = InfoCommandTest.run("bench", "--model", out.resolve("model.onnx").toString(), "--compare",
                out.resolve("model.onnx").toString(), "--vocab", "256", "--batch", "2", "--seq", "8", "--warmup", "1",
                "--iterations", "1", "--threads", "1", "--json", json.toString());
        assertEquals(0, c.code(), c.err());
        assertEquals(2, CliSupport.JSON.readTree(json.toFile()).get("results").get(0).get("batch").asInt());
    }

    /** Sequences beyond the export's position table and ids beyond its embedding table are refused before any run. */
    @BadInputTest
    void sequencesAndVocabularyBeyondTheExportsTablesExitTwo() throws Exception {
        Path out = dir.resolve("llama");
        io.linforge.exporter.OnnxExporter.export(Path.of("../core/src/test/resources/fixtures/hf/llama"), java.util.List.of(),
                out, io.linforge.exporter.OnnxExporter.Options.defaults());
        String model = out.resolve("model.onnx").toString();
        String cfg = out.resolve("config.json").toAbsolutePath().toString();
        InfoCommandTest.Run seq = InfoCommandTest.run("bench", "--model", model, "--vocab", "256", "--batch", "1",
                "--seq", "8,129", "--iterations", "1");
        assertEquals(2, seq.code(), seq.err());
        assertEquals("linforge bench: --seq: 129 positions exceed the model's position table (128 positions: " + cfg
                + " max_position_embeddings)", seq.err().strip());
        BadInputs.input("`bench --seq` beyond the export's position table (read from `config.json` next to the model)")
                .path(out, "out").record(seq.code(), seq.err());
        InfoCommandTest.Run past = InfoCommandTest.run("bench", "--model", model, "--vocab", "256", "--batch", "1",
                "--seq", "4", "--decode-past", "126", "--iterations", "1");
        assertEquals(2, past.code(), past.err());
        assertTrue(past.err().contains("--seq: 126 cached + 4 positions exceed"), past.err());
        BadInputs.input("`bench --decode-past` plus `--seq` beyond the export's position table").path(out, "out")
                .record(past.code(), past.err());
        InfoCommandTest.Run vocab = InfoCommandTest.run("bench", "--model", model, "--vocab", "257", "--batch", "1",
                "--seq", "8", "--iterations", "1");
        assertEquals(2, vocab.code(), vocab.err());
        assertEquals("linforge bench: --vocab: 257 token ids exceed the model's embedding table (" + cfg
                + " vocab_size 256)", vocab.err().strip());
        BadInputs.input("`bench --vocab` (or the tokenizer's vocabulary) beyond the export's embedding table").path(out, "out")
                .record(vocab.code(), vocab.err());
        InfoCommandTest.Run compare = InfoCommandTest.run("bench", "--model", model, "--compare", model, "--vocab", "300",
                "--batch", "1", "--seq", "8", "--iterations", "1");
        assertEquals(2, compare.code(), compare.err());
        assertTrue(compare.err().contains("--vocab: 300 token ids exceed"), compare.err());
    }

    @Test
    void unavailableProviderAndBadListsExitTwo() throws Exception {
        Path onnx = ModelFiles.bundledMiniLm(Path.of(System.getProperty("linforge.root")));
        InfoCommandTest.Run r = InfoCommandTest.run("bench", "--model", onnx.toString(), "--provider", "cuda",
                "--batch", "1", "--seq", "8", "--iterations", "1");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("'cuda'"), r.err());
        assertEquals(2, InfoCommandTest.run("bench", "--model", onnx.toString(), "--batch", "0").code());
        Path ckpt = Files.createDirectories(dir.resolve("ckpt"));
        Files.writeString(ckpt.resolve("config.json"), "{}");
        InfoCommandTest.Run c = InfoCommandTest.run("bench", "--model", ckpt.toString());
        assertEquals(2, c.code());
        assertTrue(c.err().contains("export"), c.err());
    }

    /** A .plan model selects the TensorRT engine; where it cannot run, bench says why in one line. */
    @Test
    void aTensorRtPlanThatCannotRunHereExitsTwoWithOneLine() throws Exception {
        Path plan = dir.resolve("model.plan");
        Files.write(plan, new byte[] {1, 2, 3, 4});
        // no --vocab and no tokenizer: the engine is checked first
        InfoCommandTest.Run r = InfoCommandTest.run("bench", "--model", plan.toString(), "--batch", "1", "--seq", "8",
                "--iterations", "1");
        assertEquals(2, r.code(), r.err() + r.out());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().startsWith("linforge bench: " + plan + ": "), r.err());
        String why = io.linforge.runtime.TensorRtProbe.unavailableReason();
        if (why != null) {
            assertTrue(r.err().contains("tensorrt-plan: cannot run a TensorRT engine here: " + why), r.err());
        }
        Path onnx = ModelFiles.bundledMiniLm(Path.of(System.getProperty("linforge.root")));
        InfoCommandTest.Run p = InfoCommandTest.run("bench", "--model", onnx.toString(), "--provider", "tensorrt-plan",
                "--batch", "1", "--seq", "8", "--iterations", "1");
        assertEquals(2, p.code());
        assertTrue(p.err().contains("--provider: tensorrt-plan runs serialized TensorRT engines (.plan files)"), p.err());
    }
}
