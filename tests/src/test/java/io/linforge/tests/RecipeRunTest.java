package io.linforge.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import ai.onnxruntime.OrtEnvironment;
import io.linforge.cli.Main;
import io.linforge.core.Versions;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A recipe run: manifest, skipping of unchanged stages, rerun of changed ones, a failing gate. */
class RecipeRunTest {
    static final Path FIX = MiniLm.ROOT.resolve("core/src/test/resources/fixtures/hf/bert_export/model.onnx");

    @TempDir
    Path tmp;

    Path recipe(String fp16) throws Exception {
        Path r = tmp.resolve("r.yaml");
        Files.writeString(r, """
                name: small
                stages:
                  - stage: import
                    with: {onnx: %s}
                  - stage: export
                    with: {model: "${import}", fp16: %s}
                  - stage: bench
                    with: {model: "${export}", batch: [1], seq: [8], warmup: 1, iterations: 2, threads: 1, vocab: 128}
                """.formatted(FIX, fp16));
        return r;
    }

    JsonNode manifest(Path run) throws Exception {
        return new ObjectMapper().readTree(run.resolve("manifest.json").toFile());
    }

    @Test
    void rerunSkipsUnchangedStagesAndRedoesChangedOnes() throws Exception {
        Path run = tmp.resolve("run");
        assertEquals(0, Main.execute("run", recipe("false").toString(), "--out", run.toString()));
        JsonNode m1 = manifest(run);
        assertEquals(3, m1.get("stages").size());
        for (JsonNode s : m1.get("stages")) {
            assertEquals("ok", s.get("status").asText());
            assertFalse(s.get("skipped").asBoolean());
        }
        assertEquals(64, m1.get("inputs").get(0).get("sha256").asText().length());
        // The versions are read from the jars on the class path, as linforge --version prints them.
        assertEquals(new ObjectMapper().valueToTree(Versions.all()), m1.get("versions"));
        assertEquals(OrtEnvironment.class.getPackage().getImplementationVersion(), m1.get("versions").get("onnxruntime").asText());
        assertTrue(m1.get("versions").get("tensorrt").asText().matches("\\d+\\.\\d+-\\d+\\.\\d+\\.\\d+"),
                m1.get("versions").toString());
        assertTrue(Files.isRegularFile(run.resolve("export/model.onnx")));
        assertTrue(Files.readString(run.resolve("report.html")).contains("<h2>Stages</h2>"));

        assertEquals(0, Main.execute("run", recipe("false").toString(), "--out", run.toString()));
        for (JsonNode s : manifest(run).get("stages")) {
            assertTrue(s.get("skipped").asBoolean(), s.get("name").asText() + " should be skipped");
        }

        assertEquals(0, Main.execute("run", recipe("true").toString(), "--out", run.toString()));
        JsonNode m3 = manifest(run);
        assertTrue(m3.get("stages").get(0).get("skipped").asBoolean(), "import unchanged");
        assertFalse(m3.get("stages").get(1).get("skipped").asBoolean(), "export options changed");
        assertFalse(m3.get("stages").get(2).get("skipped").asBoolean(), "bench reads the changed export");
        assertEquals("fp16", m3.get("stages").get(1).get("metrics").get("precision").asText());
    }

    @Test
    void aFailingStageKeepsEarlierArtifactsAndReportsItsExitCode() throws Exception {
        Path run = tmp.resolve("run2");
        Path r = tmp.resolve("bad.yaml");
        Files.writeString(r, """
                stages:
                  - stage: import
                    with: {onnx: %s}
                  - stage: train
                    with: {model: "${import}", data: %s, method: relora}
                """.formatted(FIX, FIX));
        assertEquals(2, Main.execute("run", r.toString(), "--out", run.toString()));
        JsonNode m = manifest(run);
        assertEquals("ok", m.get("stages").get(0).get("status").asText());
        assertEquals("failed", m.get("stages").get(1).get("status").asText());
        assertTrue(Files.isRegularFile(run.resolve("import/model.safetensors")));
    }
}
