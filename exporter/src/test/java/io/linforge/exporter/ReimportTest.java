package io.linforge.exporter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.linforge.core.LinforgeException;
import io.linforge.core.onnx.OnnxImporter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An export's weights are rewritten for inference, so importing one back is refused instead of guessed. */
class ReimportTest {
    @TempDir
    Path tmp;

    @Test
    void importingALinforgeExportIsRefused() {
        Path onnx = OnnxExporter.export(OnnxExporterTest.HF.resolve("bert"), List.of(), tmp.resolve("export"),
                OnnxExporter.Options.defaults()).onnx();
        Path out = tmp.resolve("imported");
        LinforgeException e = assertThrows(LinforgeException.class, () -> OnnxImporter.importTo(onnx, out, null));
        assertEquals(LinforgeException.BAD_INPUT, e.exitCode());
        assertTrue(e.getMessage().startsWith(onnx + ": producer_name:"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
        assertFalse(Files.exists(out));
    }
}
