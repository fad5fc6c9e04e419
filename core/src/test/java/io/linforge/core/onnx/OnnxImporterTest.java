package io.linforge.core.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.linforge.core.LinforgeException;
import io.linforge.core.checkpoint.Checkpoint;
import io.linforge.core.tensor.TensorData;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Import of a BERT exported by torch.onnx (TorchScript exporter) against the same model's safetensors. */
class OnnxImporterTest {
    static final Path FIX = Path.of("src/test/resources/fixtures/hf/bert_export");

    @TempDir
    Path tmp;

    @Test
    void everyTensorEqualsTheHuggingFaceCheckpoint() {
        Path out = tmp.resolve("imported");
        OnnxImporter.importTo(FIX.resolve("model.onnx"), out, null);
        try (Checkpoint ours = Checkpoint.open(out); Checkpoint ref = Checkpoint.open(FIX)) {
            assertEquals(2, ours.config().numHiddenLayers());
            assertEquals(4, ours.config().numAttentionHeads());
            assertEquals(64, ours.config().intermediateSize());
            assertEquals(64, ours.config().maxPositionEmbeddings());
            assertEquals(1e-12, ours.config().layerNormEps());
            assertEquals("gelu", ours.config().hiddenAct());
            int compared = 0;
            for (String n : ref.tensorNames()) {
                if (n.startsWith("pooler.")) {
                    continue; // not used by last_hidden_state, so the export drops it
                }
                assertTrue(ours.has(n), "missing " + n);
                TensorData a = ours.tensor(n);
                TensorData b = ref.tensor(n);
                assertArrayEquals(b.shape(), a.shape(), n);
                assertArrayEquals(b.toFloats(), a.toFloats(), 0f, n);
                compared++;
            }
            assertEquals(compared, ours.tensorNames().size(), "no extra tensors");
            assertTrue(compared >= 5 + 2 * 16, "compared " + compared);
        }
    }

    @Test
    void badInputsExitTwoAndWriteNothing() throws Exception {
        Path out = tmp.resolve("out");
        Path junk = tmp.resolve("junk.onnx");
        Files.write(junk, new byte[] {0x0a, (byte) 0xff, 0x01, 0x02, 0x7f});
        LinforgeException e = assertThrows(LinforgeException.class, () -> OnnxImporter.importTo(junk, out, null));
        assertEquals(2, e.exitCode());
        assertTrue(e.getMessage().startsWith(junk.toString()), e.getMessage());
        assertFalse(Files.exists(out));

        Path emptyZip = tmp.resolve("empty.jar");
        try (var z = new java.util.zip.ZipOutputStream(Files.newOutputStream(emptyZip))) {
            z.putNextEntry(new java.util.zip.ZipEntry("README.txt"));
            z.write("no model here".getBytes());
            z.closeEntry();
        }
        LinforgeException j = assertThrows(LinforgeException.class, () -> OnnxImporter.importTo(emptyZip, out, null));
        assertTrue(j.getMessage().contains("exactly one .onnx"), j.getMessage());
        assertFalse(Files.exists(out));
        try (var s = Files.list(tmp)) {
            assertEquals(2, s.count(), "no temporary folders left behind");
        }
    }
}
