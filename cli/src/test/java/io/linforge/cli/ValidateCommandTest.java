package io.linforge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.ByteString;
import io.linforge.core.onnx.proto.Onnx;
import io.linforge.runtime.ModelFiles;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ValidateCommandTest {
    /** Layer 0 intermediate.dense weight of all-MiniLM-L6-v2 ([384, 1536], stored transposed). */
    static final String DAMAGED = "onnx::MatMul_798";

    @TempDir
    static Path dir;
    static Path original;
    static Path faithful;
    static Path damaged;
    static Path poisoned;
    static Path data;

    @BeforeAll
    static void models() throws Exception {
        Path root = Path.of(System.getProperty("linforge.root"));
        original = ModelFiles.bundledMiniLm(root);
        Path tok = ModelFiles.tokenizerFor(original).orElseThrow();
        Onnx.ModelProto model;
        try (InputStream in = Files.newInputStream(original)) {
            model = Onnx.ModelProto.parseFrom(in);
        }
        // Faithful: parsed and written back unchanged (folder form, model.onnx + tokenizer.json).
        Path f = Files.createDirectories(dir.resolve("faithful"));
        try (OutputStream out = Files.newOutputStream(f.resolve("model.onnx"))) {
            model.writeTo(out);
        }
        Files.copy(tok, f.resolve("tokenizer.json"));
        faithful = f;
        // Damaged: Gaussian noise of the weight's own standard deviation on one encoder matrix.
        Onnx.GraphProto.Builder g = model.getGraph().toBuilder();
        Onnx.GraphProto.Builder nan = model.getGraph().toBuilder();
        boolean found = false;
        for (int i = 0; i < g.getInitializerCount(); i++) {
            Onnx.TensorProto t = g.getInitializer(i);
            if (!t.getName().equals(DAMAGED)) {
                continue;
            }
            found = true;
            assertEquals(Onnx.TensorProto.DataType.FLOAT_VALUE, t.getDataType());
            ByteBuffer b = ByteBuffer.wrap(t.getRawData().toByteArray()).order(ByteOrder.LITTLE_ENDIAN);
            int n = b.capacity() / 4;
            assertEquals(384 * 1536, n);
            double sum = 0;
            double sq = 0;
            for (int k = 0; k < n; k++) {
                float v = b.getFloat(k * 4);
                sum += v;
                sq += v * v;
            }
            double std = Math.sqrt(sq / n - (sum / n) * (sum / n));
            Random r = new Random(7);
            for (int k = 0; k < n; k++) {
                b.putFloat(k * 4, (float) (b.getFloat(k * 4) + std * r.nextGaussian()));
            }
            g.setInitializer(i, t.toBuilder().setRawData(ByteString.copyFrom(b.array())));
            // Poisoned: the same matrix all NaN, as a checkpoint with NaN weights exported unchecked would be.
            ByteBuffer p = ByteBuffer.allocate(n * 4).order(ByteOrder.LITTLE_ENDIAN);
            for (int k = 0; k < n; k++) {
                p.putFloat(k * 4, Float.NaN);
            }
            nan.setInitializer(i, t.toBuilder().setRawData(ByteString.copyFrom(p.array())));
        }
        assertTrue(found, DAMAGED + " not found");
        damaged = dir.resolve("damaged.onnx");
        try (OutputStream out = Files.newOutputStream(damaged)) {
            model.toBuilder().setGraph(g).build().writeTo(out);
        }
        poisoned = dir.resolve("poisoned.onnx");
        try (OutputStream out = Files.newOutputStream(poisoned)) {
            model.toBuilder().setGraph(nan).build().writeTo(out);
        }
        data = root.resolve("recipes/data/spam-small.jsonl");
    }

    @Test
    void faithfulCandidatePassesTheCosineGate() throws Exception {
        Path json = dir.resolve("faithful.json");
        Path junit = dir.resolve("faithful.xml");
        InfoCommandTest.Run r = InfoCommandTest.run("validate", "--reference", original.toString(), "--candidate",
                faithful.toString(), "--data", data.toString(), "--limit", "24", "--max-length", "64",
                "--min-cosine", "0.9999", "--threads", "2", "--json", json.toString(), "--junit", junit.toString());
        assertEquals(0, r.code(), r.err() + r.out());
        JsonNode n = CliSupport.JSON.readTree(json.toFile());
        assertEquals("embedding", n.get("kind").asText());
        assertEquals(24, n.get("rows").asInt());
        assertTrue(n.get("test_split_only").asBoolean());
        assertEquals(1.0, n.get("metrics").get("embedding_cosine_mean").asDouble(), 1e-6);
        assertEquals(1.0, n.get("metrics").get("embedding_cosine_min").asDouble(), 1e-6);
        assertTrue(n.get("metrics").get("hidden_max_abs_diff").asDouble() < 1e-5);
        assertTrue(n.get("passed").asBoolean());
        assertTrue(n.get("candidate_engine").asText().startsWith("onnxruntime "), n.toString());
        String xml = Files.readString(junit);
        assertTrue(xml.contains("tests=\"1\" failures=\"0\""), xml);
        assertTrue(xml.contains("<testcase classname=\"linforge.validate\" name=\"min-cosine\"/>"), xml);
    }

    /**
     * validate of {@code candidate} against the original (the reference's tokenizer, a --min-cosine
     * gate, --json NAME.json and --junit NAME.xml), which must fail its gate with exit 3.
     */
    static InfoCommandTest.Run failsGate(String name, Path candidate, int limit, int maxLength, String minCosine) {
        InfoCommandTest.Run r = InfoCommandTest.run("validate", "--reference", original.toString(), "--candidate",
                candidate.toString(), "--tokenizer", ModelFiles.tokenizerFor(original).orElseThrow().toString(), "--data",
                data.toString(), "--limit", Integer.toString(limit), "--max-length", Integer.toString(maxLength),
                "--min-cosine", minCosine, "--threads", "2", "--json", dir.resolve(name + ".json").toString(), "--junit",
                dir.resolve(name + ".xml").toString());
        assertEquals(3, r.code(), r.err() + r.out());
        return r;
    }

    @Test
    void damagedCandidateFailsTheGateWithExitThree() throws Exception {
        InfoCommandTest.Run r = failsGate("damaged", damaged, 24, 64, "0.99");
        assertTrue(r.err().contains("gate min-cosine failed: embedding_cosine_mean"), r.err());
        JsonNode n = CliSupport.JSON.readTree(dir.resolve("damaged.json").toFile());
        double mean = n.get("metrics").get("embedding_cosine_mean").asDouble();
        double min = n.get("metrics").get("embedding_cosine_min").asDouble();
        assertTrue(mean < 0.99 && min <= mean, "mean " + mean + " min " + min);
        assertTrue(mean > 0.3, "one noisy matrix should not destroy the model entirely: " + mean);
        assertTrue(n.get("metrics").get("hidden_max_abs_diff").asDouble() > 0.1);
        assertFalse(n.get("passed").asBoolean());
        assertEquals(mean, n.get("gates").get(0).get("measured").asDouble(), 0);
        String xml = Files.readString(dir.resolve("damaged.xml"));
        assertTrue(xml.contains("tests=\"1\" failures=\"1\""), xml);
        assertTrue(xml.contains("<failure message=\"embedding_cosine_mean"), xml);
        assertTrue(xml.contains("threshold 0.99"), xml);
    }

    @Test
    void aCandidateWithNanOutputsFailsEveryGateAndTheReportCountsItsRows() throws Exception {
        InfoCommandTest.Run r = failsGate("poisoned", poisoned, 8, 32, "-1");
        assertTrue(r.err().contains("gate min-cosine failed") && r.err().contains("in 0 reference and 8 candidate rows"),
                r.err());
        assertTrue(r.out().contains("nonfinite_rows_candidate"), r.out());
        JsonNode m = CliSupport.JSON.readTree(dir.resolve("poisoned.json").toFile()).get("metrics");
        assertEquals(8, m.get("nonfinite_rows_candidate").asInt());
        assertEquals(0, m.get("nonfinite_rows_reference").asInt());
        // NaN never turns into a cosine of 0 or a finite difference
        assertTrue(Double.isNaN(m.get("embedding_cosine_mean").asDouble(0)), m.toString());
        assertTrue(Double.isNaN(m.get("embedding_max_abs_diff").asDouble(0)), m.toString());
        assertTrue(Double.isNaN(m.get("hidden_max_abs_diff").asDouble(0)), m.toString());
        assertTrue(Files.readString(dir.resolve("poisoned.xml")).contains("failures=\"1\""));
    }

    @Test
    void inapplicableGatesAndCheckpointFoldersAreBadInput() throws Exception {
        InfoCommandTest.Run r = InfoCommandTest.run("validate", "--reference", original.toString(), "--candidate",
                faithful.toString(), "--data", data.toString(), "--limit", "2", "--max-accuracy-drop", "0.01");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--max-accuracy-drop needs classifiers"), r.err());
        Path ckpt = Files.createDirectories(dir.resolve("ckpt"));
        Files.writeString(ckpt.resolve("config.json"), "{\"model_type\":\"bert\"}");
        InfoCommandTest.Run c = InfoCommandTest.run("validate", "--reference", original.toString(), "--candidate",
                ckpt.toString(), "--data", data.toString());
        assertEquals(2, c.code());
        assertTrue(c.err().contains("export it first"), c.err());
        Path bad = dir.resolve("bad.jsonl");
        Files.writeString(bad, "{\"text\": \"ok\", \"label\": \"ham\"}\n{\"label\": \"spam\"}\n");
        InfoCommandTest.Run d = InfoCommandTest.run("validate", "--reference", original.toString(), "--candidate",
                faithful.toString(), "--data", bad.toString());
        assertEquals(2, d.code());
        assertTrue(d.err().contains("bad.jsonl:2: text: missing or not a string"), d.err());
    }

    /** A .plan candidate runs on TensorRT; where it cannot, validate stops in one line before reading the data. */
    @Test
    void aTensorRtPlanCandidateThatCannotRunHereExitsTwoWithOneLine() throws Exception {
        Path out = Files.createDirectories(dir.resolve("export-plan"));
        Path plan = out.resolve("model.plan");
        Files.write(plan, new byte[] {1, 2, 3, 4});
        Path nodata = dir.resolve("absent.jsonl");
        InfoCommandTest.Run r = InfoCommandTest.run("validate", "--reference", original.toString(), "--candidate",
                plan.toString(), "--data", data.toString(), "--limit", "2");
        assertEquals(2, r.code(), r.err() + r.out());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().startsWith("linforge validate: " + plan + ": "), r.err());
        String why = io.linforge.runtime.TensorRtProbe.unavailableReason();
        if (why != null) {
            assertTrue(r.err().contains("tensorrt-plan: cannot run a TensorRT engine here: " + why), r.err());
            // the engine is checked before the data is read
            InfoCommandTest.Run early = InfoCommandTest.run("validate", "--reference", original.toString(),
                    "--candidate", plan.toString(), "--data", nodata.toString());
            assertEquals(r.err(), early.err());
        }
        // the folder form: --provider tensorrt-plan takes the folder's model.plan, the reference stays on ONNX Runtime
        InfoCommandTest.Run f = InfoCommandTest.run("validate", "--reference", original.toString(), "--candidate",
                out.toString(), "--provider", "tensorrt-plan", "--reference-provider", "cpu", "--data", data.toString());
        assertEquals(2, f.code());
        assertEquals(r.err(), f.err());
        Path onnxOnly = Files.createDirectories(dir.resolve("export-onnx"));
        Files.copy(original, onnxOnly.resolve("model.onnx"));
        InfoCommandTest.Run g = InfoCommandTest.run("validate", "--reference", original.toString(), "--candidate",
                onnxOnly.toString(), "--provider", "tensorrt-plan", "--reference-provider", "cpu", "--data", data.toString());
        assertEquals(2, g.code());
        assertTrue(g.err().contains("folder has no model.plan"), g.err());
    }
}
