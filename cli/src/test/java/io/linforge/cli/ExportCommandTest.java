package io.linforge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExportCommandTest {
    static final Path HF = Path.of("../core/src/test/resources/fixtures/hf");

    @TempDir
    Path dir;

    static void badInput(InfoCommandTest.Run r, String option) {
        assertEquals(2, r.code(), r.err() + r.out());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().startsWith("linforge export: ") && r.err().contains(option), r.err());
    }

    @Test
    void pooledExportWritesTheReportAndATritonEntryWithSentenceEmbedding() throws Exception {
        Path out = dir.resolve("pooled");
        Path json = dir.resolve("export.json");
        InfoCommandTest.Run r = InfoCommandTest.run("export", "--model", HF.resolve("bert_export").toString(), "--out",
                out.toString(), "--pooling", "mean", "--normalize", "--triton", dir.resolve("repo").toString(),
                "--triton-name", "emb", "--json", json.toString());
        assertEquals(0, r.code(), r.err() + r.out());
        JsonNode j = CliSupport.JSON.readTree(json.toFile());
        assertEquals("mean", j.get("pooling").asText());
        assertTrue(j.get("normalize").asBoolean());
        String pbtxt = Files.readString(dir.resolve("repo/emb/config.pbtxt"));
        assertTrue(pbtxt.contains("name: \"sentence_embedding\""), pbtxt);
        assertTrue(pbtxt.replaceAll("\\s+", " ").contains("name: \"sentence_embedding\" data_type: TYPE_FP32 dims: 32 }"),
                pbtxt);
        assertFalse(pbtxt.contains("last_hidden_state"), pbtxt);
        JsonNode cfg = CliSupport.JSON.readTree(out.resolve("config.json").toFile());
        assertEquals("mean", cfg.get("linforge_pooling").asText());
        // without --pooling the report says none
        Path plain = dir.resolve("plain.json");
        assertEquals(0, InfoCommandTest.run("export", "--model", HF.resolve("bert_export").toString(), "--out",
                dir.resolve("plain").toString(), "--json", plain.toString()).code());
        assertEquals("none", CliSupport.JSON.readTree(plain.toFile()).get("pooling").asText());
        assertFalse(CliSupport.JSON.readTree(dir.resolve("plain/config.json").toFile()).has("linforge_pooling"));
    }

    @Test
    void badPoolingCombinationsExitTwoWithOneLine() {
        String bert = HF.resolve("bert_export").toString();
        badInput(InfoCommandTest.run("export", "--model", bert, "--out", dir.resolve("a").toString(), "--normalize"),
                "--normalize");
        badInput(InfoCommandTest.run("export", "--model", bert, "--out", dir.resolve("b").toString(), "--pooling", "max"),
                "--pooling");
        badInput(InfoCommandTest.run("export", "--model", HF.resolve("bert").toString(), "--out",
                dir.resolve("c").toString(), "--pooling", "mean"), "--pooling");
        badInput(InfoCommandTest.run("export", "--model", HF.resolve("llama").toString(), "--out",
                dir.resolve("d").toString(), "--pooling", "cls"), "--pooling");
        for (String d : new String[] {"a", "b", "c", "d"}) {
            assertFalse(Files.exists(dir.resolve(d)), d);
        }
    }

    /** TensorRT build options are checked before anything is written, on machines with or without TensorRT. */
    @Test
    void tensorRtBuildOptionsAreCheckedFirst() {
        String bert = HF.resolve("bert_export").toString();
        InfoCommandTest.Run r = InfoCommandTest.run("export", "--model", bert, "--out", dir.resolve("a").toString(),
                "--trt-level", "5");
        badInput(r, "--trt-level needs --tensorrt");
        r = InfoCommandTest.run("export", "--model", bert, "--out", dir.resolve("b").toString(), "--tensorrt",
                "--trt-level", "6");
        badInput(r, "--trt-level: TensorRT's builder optimization level is 0..5, got 6");
        r = InfoCommandTest.run("export", "--model", bert, "--out", dir.resolve("c").toString(), "--tensorrt",
                "--trt-batch", "8,4,32");
        badInput(r, "--trt-batch: '8,4,32' (needs 1 <= MIN <= OPT <= MAX");
        for (String d : new String[] {"a", "b", "c"}) {
            assertFalse(Files.exists(dir.resolve(d)), d);
        }
    }

    /** The llama fixture with {@code field} set to {@code json} in its config.json. */
    Path llamaWith(String name, String field, String json) throws Exception {
        Path d = dir.resolve(name);
        Files.createDirectories(d);
        Files.copy(HF.resolve("llama/model.safetensors"), d.resolve("model.safetensors"));
        var cfg = (com.fasterxml.jackson.databind.node.ObjectNode) CliSupport.JSON.readTree(
                HF.resolve("llama/config.json").toFile());
        cfg.remove("rope_parameters");
        cfg.put("rope_theta", 500000.0);
        cfg.set(field, CliSupport.JSON.readTree(json));
        Files.writeString(d.resolve("config.json"), cfg.toString());
        return d;
    }

    @Test
    void aRopeScalingItDoesNotImplementIsExitTwoNamingFileAndFieldForEveryCommand() throws Exception {
        Path yarn = llamaWith("yarn", "rope_scaling", "{\"rope_type\":\"yarn\",\"factor\":4.0,"
                + "\"original_max_position_embeddings\":32}");
        String cfg = yarn.resolve("config.json").toString();
        for (String[] args : new String[][] {
            {"export", "--model", yarn.toString(), "--out", dir.resolve("out").toString()},
            {"info", yarn.toString()},
        }) {
            InfoCommandTest.Run r = InfoCommandTest.run(args);
            assertEquals(2, r.code(), args[0] + ": " + r.err() + r.out());
            assertEquals(1, r.err().strip().lines().count(), r.err());
            assertTrue(r.err().contains(cfg + ": rope_scaling.rope_type: 'yarn' is not supported"), r.err());
        }
        assertFalse(Files.exists(dir.resolve("out")));
        Path llama3 = llamaWith("llama3", "rope_scaling", "{\"rope_type\":\"llama3\",\"factor\":8.0,"
                + "\"low_freq_factor\":1.0,\"high_freq_factor\":4.0,\"original_max_position_embeddings\":32}");
        InfoCommandTest.Run ok = InfoCommandTest.run("export", "--model", llama3.toString(), "--out",
                dir.resolve("llama3-onnx").toString());
        assertEquals(0, ok.code(), ok.err() + ok.out());
        assertTrue(Files.isRegularFile(dir.resolve("llama3-onnx/model.onnx")));
    }
}
