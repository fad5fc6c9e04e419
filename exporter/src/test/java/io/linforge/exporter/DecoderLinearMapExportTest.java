package io.linforge.exporter;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import io.linforge.core.checkpoint.Checkpoint;
import io.linforge.core.checkpoint.Safetensors;
import io.linforge.core.tensor.TensorData;
import io.linforge.model.DecoderModel;
import io.linforge.model.ForwardContext;
import io.linforge.model.Generation;
import io.linforge.model.KvCache;
import io.linforge.model.LinearMapBlock;
import io.linforge.model.TransformerModel;
import io.linforge.runtime.OrtInferenceSession;
import io.linforge.runtime.SessionConfig;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A decoder with a layer replaced by a linear map exports with a key/value cache for the remaining
 * attention layers only, and decodes the same tokens on ONNX Runtime (with the cache) as on DJL
 * (with and without its cache), whichever layer was replaced, the first included.
 */
class DecoderLinearMapExportTest {
    @TempDir
    Path tmp;

    @Test
    void replacedLayerHasNoCacheAndGenerationMatchesDjl() throws Exception {
        Map<String, TensorData> exp = Safetensors.readAll(OnnxExporterTest.HF.resolve("llama/expected.safetensors"));
        long[] prompt = Arrays.copyOf(exp.get("input_ids").toLongMatrix()[0], 6);
        for (int layer = 0; layer < 2; layer++) {
            Path ckpt = tmp.resolve("replaced-" + layer);
            long[] full;
            long[] cached;
            try (NDManager root = NDManager.newBaseManager();
                    Checkpoint c = Checkpoint.open(OnnxExporterTest.HF.resolve("llama"));
                    TransformerModel tm = TransformerModel.load(c, root, DataType.FLOAT32)) {
                DecoderModel m = (DecoderModel) tm;
                int d = m.config().hiddenSize();
                SplittableRandom r = new SplittableRandom(11 + layer);
                float[] w = new float[d * d];
                float[] b = new float[d];
                for (int o = 0; o < d; o++) {
                    b[o] = (float) (0.02 * r.nextGaussian());
                    for (int i = 0; i < d; i++) {
                        w[o * d + i] = (float) ((o == i ? 1.0 : 0.0) + 0.1 * r.nextGaussian());
                    }
                }
                m.replaceWithLinearMap(layer, w, b);
                // one step with the cache of the prompt gives the logits of the whole sequence's last position
                try (NDManager sm = root.newSubManager()) {
                    KvCache cache = new KvCache(2);
                    m.forward(sm.create(new long[][] {prompt}), null, new ForwardContext(sm, false, DataType.FLOAT32), false,
                            cache);
                    assertEquals(prompt.length, cache.length());
                    float[] step = m.forward(sm.create(new long[][] {{7}}), null,
                            new ForwardContext(sm, false, DataType.FLOAT32), false, cache).logits().toFloatArray();
                    long[] all = Arrays.copyOf(prompt, prompt.length + 1);
                    all[prompt.length] = 7;
                    float[] whole = m.forward(sm.create(new long[][] {all}), null, new ForwardContext(sm, false, DataType.FLOAT32),
                            false, null).logits().get(new NDIndex("0, -1, :")).toFloatArray();
                    assertTrue(OnnxExporterTest.maxAbs(step, whole) <= 1e-4, "layer " + layer + " replaced: cached step vs"
                            + " full forward " + OnnxExporterTest.maxAbs(step, whole));
                }
                full = Generation.greedy(m, root, prompt, 16, false);
                cached = Generation.greedy(m, root, prompt, 16, true);
                Checkpoint.save(ckpt, m.config(), m.stateDict(), null);
            }
            assertArrayEquals(full, cached, "layer " + layer + " replaced: DJL with its cache vs full recomputation");
            Path out = tmp.resolve("onnx-" + layer);
            OnnxExporter.export(ckpt, List.of(), out, OnnxExporter.Options.defaults());
            Path onnx = out.resolve("model.onnx");
            OnnxChecker.check(onnx);
            try (OrtInferenceSession s = OrtInferenceSession.open(onnx, SessionConfig.builder().intraOpThreads(2).build())) {
                assertFalse(s.hasInput("past_key_values." + layer + ".key"), "a linear map keeps no cache");
                assertFalse(s.hasOutput("present." + layer + ".value"));
                int other = 1 - layer;
                assertTrue(s.hasInput("past_key_values." + other + ".key") && s.hasOutput("present." + other + ".key"));
            }
            long[] ort = OnnxExporterTest.ortGenerate(onnx, prompt, 16, 0, 0);
            assertEquals(prompt.length + 16, ort.length);
            assertArrayEquals(full, ort, "layer " + layer + " replaced: ORT with its cache vs DJL full recomputation");
            try (Checkpoint c = Checkpoint.open(ckpt); NDManager root = NDManager.newBaseManager();
                    TransformerModel tm = TransformerModel.load(c, root, DataType.FLOAT32)) {
                assertTrue(tm.layers().get(layer) instanceof LinearMapBlock);
            }
        }
    }
}
