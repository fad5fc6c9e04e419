package io.linforge.compressor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.linforge.core.checkpoint.Checkpoint;
import io.linforge.core.checkpoint.Safetensors;
import io.linforge.core.tensor.TensorData;
import io.linforge.model.EncoderModel;
import io.linforge.model.ForwardContext;
import io.linforge.model.LinearMapBlock;
import io.linforge.model.TransformerModel;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A layer replaced by a map fitted from captured statistics: saved, reloaded, and run again. */
class ReplacementTest {
    static final Path HF = Path.of("../core/src/test/resources/fixtures/hf");

    @TempDir
    Path tmp;

    @Test
    void fittedReplacementSavesReloadsAndShrinksTheModel() throws Exception {
        Map<String, TensorData> in = Safetensors.readAll(HF.resolve("bert/expected.safetensors"));
        long[][] ids = in.get("input_ids").toLongMatrix();
        long[][] mask = in.get("attention_mask").toLongMatrix();
        long[][] types = in.get("token_type_ids").toLongMatrix();
        Path out = tmp.resolve("compressed");
        float[] before;
        long paramsBefore;
        try (NDManager root = NDManager.newBaseManager(); Checkpoint c = Checkpoint.open(HF.resolve("bert"));
                TransformerModel tm = TransformerModel.load(c, root, DataType.FLOAT32)) {
            EncoderModel m = (EncoderModel) tm;
            paramsBefore = m.parameterCount();
            LayerStatistics s = new LayerStatistics(32);
            try (NDManager sm = root.newSubManager()) {
                List<ai.djl.ndarray.NDArray> hs = m.forward(ids, mask, types, new ForwardContext(sm, false, DataType.FLOAT32),
                        true).hiddenStates();
                s.addBatch(hs.get(1).toFloatArray(), hs.get(2).toFloatArray(), mask, false);
            }
            Linearity.Fit fit = Linearity.fit(s, 1e-3);
            float[] w = new float[32 * 32];
            float[] b = new float[32];
            for (int o = 0; o < 32; o++) {
                b[o] = (float) fit.bias()[o];
                for (int i = 0; i < 32; i++) {
                    w[o * 32 + i] = (float) fit.weight()[o][i];
                }
            }
            m.replaceWithLinearMap(1, w, b);
            assertEquals(List.of(1), List.copyOf(m.config().linearLayers()));
            assertTrue(m.parameterCount() < paramsBefore, "a 32x32 map is smaller than a transformer layer");
            try (NDManager sm = root.newSubManager()) {
                before = m.forward(ids, mask, types, new ForwardContext(sm, false, DataType.FLOAT32), false).logits()
                        .toFloatArray();
            }
            Checkpoint.save(out, m.config(), m.stateDict(), null);
        }
        try (NDManager root = NDManager.newBaseManager(); Checkpoint c = Checkpoint.open(out);
                TransformerModel tm = TransformerModel.load(c, root, DataType.FLOAT32);
                NDManager sm = root.newSubManager()) {
            assertTrue(c.has("bert.encoder.layer.1.linear_map.weight"));
            assertTrue(!c.has("bert.encoder.layer.1.attention.self.query.weight"));
            assertTrue(tm.layers().get(1) instanceof LinearMapBlock);
            float[] after = ((EncoderModel) tm).forward(ids, mask, types, new ForwardContext(sm, false, DataType.FLOAT32),
                    false).logits().toFloatArray();
            for (int i = 0; i < before.length; i++) {
                assertEquals(before[i], after[i], 1e-6);
            }
        }
    }
}
