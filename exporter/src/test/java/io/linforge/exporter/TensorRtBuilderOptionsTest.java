package io.linforge.exporter;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.linforge.core.LinforgeException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What an engine is built for, read from the export (no GPU needed). */
class TensorRtBuilderOptionsTest {
    @TempDir
    Path tmp;

    @Test
    void precisionAndDynamicDimensionsComeFromTheExport() {
        for (boolean fp16 : new boolean[] {false, true}) {
            OnnxExporter.Result r = OnnxExporter.export(OnnxExporterTest.HF.resolve("llama"), List.of(), tmp.resolve("l" + fp16),
                    new OnnxExporter.Options(fp16, 17, true, false));
            TensorRtBuilder.GraphInfo g = assertDoesNotThrowIo(r.onnx());
            assertEquals(fp16, g.fp16());
            assertEquals(List.of("batch", "sequence"), g.inputs().get("input_ids"));
            assertEquals(List.of("batch", "total_sequence"), g.inputs().get("attention_mask"));
            assertEquals(List.of("batch", 2L, "past_sequence", 16L), g.inputs().get("past_key_values.0.key"));
            // every symbolic dimension of the decoder has a default range; past lengths start at 0 (the prompt)
            TensorRtBuilder.Options o = TensorRtBuilder.Options.defaults();
            for (List<Object> dims : g.inputs().values()) {
                for (Object d : dims) {
                    if (d instanceof String s) {
                        assertEquals(3, TensorRtBuilder.range(o, "x", s).length);
                    }
                }
            }
            assertArrayEquals(new long[] {0, 128, 512}, TensorRtBuilder.range(o, "past_key_values.0.key", "past_sequence"));
        }
    }

    static TensorRtBuilder.GraphInfo assertDoesNotThrowIo(Path onnx) {
        try {
            return TensorRtBuilder.graphInfo(onnx);
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void optionsAreCheckedAndUnknownDimensionsRefused() {
        TensorRtBuilder.Options o = TensorRtBuilder.Options.defaults().withRanges(Map.of("batch", new long[] {1, 4, 8}));
        assertArrayEquals(new long[] {1, 4, 8}, o.ranges().get("batch"));
        assertArrayEquals(new long[] {1, 128, 512}, o.ranges().get("sequence"));
        assertFalse(o.tf32());
        assertTrue(o.withTf32(true).tf32());
        LinforgeException bad = assertThrows(LinforgeException.class,
                () -> TensorRtBuilder.Options.defaults().withRanges(Map.of("batch", new long[] {8, 4, 16})));
        assertEquals(LinforgeException.BAD_INPUT, bad.exitCode());
        LinforgeException unknown = assertThrows(LinforgeException.class, () -> TensorRtBuilder.range(o, "pixel_values", "height"));
        assertEquals(LinforgeException.BAD_INPUT, unknown.exitCode());
        assertTrue(unknown.getMessage().contains("'pixel_values'") && unknown.getMessage().contains("'height'"),
                unknown.getMessage());
    }
}
