package io.linforge.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.linforge.cli.Main;
import io.linforge.core.adapter.SparseGradDelta;
import io.linforge.core.checkpoint.Checkpoint;
import io.linforge.core.tensor.TensorData;
import io.linforge.exporter.OnnxExporter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SparseGrad fine-tuning of MiniLM: its adapter file, folded by the exporter, is the model that was trained. */
class SparseGradExportTest {
    @TempDir
    Path tmp;

    @Test
    void sparseGradAdapterFoldsIntoTheExportedWeights() throws Exception {
        Path adapter = tmp.resolve("sg");
        Path json = tmp.resolve("sg.json");
        int keep = 3000;
        assertEquals(0, Main.execute("train", "--model", MiniLm.checkpoint().toString(), "--data",
                TrainExportTest.DATA.toString(), "--method", "sparsegrad", "--steps", "8", "--collect-steps", "3",
                "--keep", Integer.toString(keep), "--batch", "8", "--seq", "64", "--lr", "1e-3", "--seed", "5",
                "--out", adapter.toString(), "--json", json.toString()));
        assertTrue(Files.isRegularFile(adapter.resolve(SparseGradDelta.CONFIG)));
        JsonNode r = new ObjectMapper().readTree(json.toFile());
        // 12 MLP weights × keep entries + MLP biases (6·(1536 + 384)) + pooler (384·384 + 384) + classifier (2·384 + 2)
        assertEquals(12L * keep + 6 * (1536 + 384) + 384 * 384 + 384 + 2 * 384 + 2, r.get("trainable_parameters").asLong());
        SparseGradDelta d = SparseGradDelta.read(adapter);
        assertEquals(12, d.modules().size());
        for (SparseGradDelta.Module m : d.modules().values()) {
            // 5 sparse updates of at most `keep` entries each (ties aside)
            assertTrue(m.indices().length >= keep && m.indices().length <= 5 * keep + 50, m.name() + " " + m.indices().length);
        }
        // the folded weights differ from the base by a dense, non-zero change
        try (Checkpoint base = Checkpoint.open(MiniLm.checkpoint())) {
            Map<String, TensorData> merged = OnnxExporter.mergedTensors(base, List.of(adapter));
            String k = "encoder.layer.2.intermediate.dense.weight";
            float[] w0 = base.tensor(k).toFloats();
            float[] w1 = merged.get(k).toFloats();
            int changed = 0;
            for (int i = 0; i < w0.length; i++) {
                changed += w0[i] != w1[i] ? 1 : 0;
            }
            assertTrue(changed > w0.length / 2, "a rotated sparse change is dense in the weight's basis: " + changed);
        }
        Path onnx = tmp.resolve("onnx");
        assertEquals(0, Main.execute("export", "--model", MiniLm.checkpoint().toString(), "--adapter", adapter.toString(),
                "--out", onnx.toString()));
        Path v = tmp.resolve("v.json");
        assertEquals(0, Main.execute("validate", "--reference", onnx.toString(), "--candidate", onnx.toString(),
                "--data", TrainExportTest.DATA.toString(), "--max-length", "64", "--json", v.toString()));
        JsonNode vr = new ObjectMapper().readTree(v.toFile());
        // ONNX Runtime on the folded export classifies the test rows as the trained DJL model did
        assertEquals(r.get("eval_accuracy").asDouble(), vr.get("metrics").get("reference_accuracy").asDouble(), 1e-9);
    }
}
