package io.linforge.exporter.merge;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.linforge.core.LinforgeException;
import io.linforge.core.checkpoint.Checkpoint;
import io.linforge.core.checkpoint.Safetensors;
import io.linforge.core.tensor.TensorData;
import io.linforge.model.DecoderModel;
import io.linforge.model.EncoderModel;
import io.linforge.model.ForwardContext;
import io.linforge.model.TransformerModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Merging PEFT adapters made by Hugging Face PEFT 0.21 against PEFT's own outputs. */
class MergerTest {
    static final Path HF = Path.of("../core/src/test/resources/fixtures/hf");

    @TempDir
    Path tmp;

    static long[][] rows(TensorData t) {
        return t.toLongMatrix();
    }

    static double maxAbs(NDArray a, TensorData ref) {
        assertArrayEquals(ref.shape(), a.getShape().getShape());
        float[] x = a.toFloatArray();
        float[] y = ref.toFloats();
        double m = 0;
        for (int i = 0; i < x.length; i++) {
            m = Math.max(m, Math.abs(x[i] - y[i]));
        }
        return m;
    }

    Path mergedCheckpoint(String base, String adapter) {
        Path out = tmp.resolve(base + "-merged");
        try (Checkpoint ckpt = Checkpoint.open(HF.resolve(base))) {
            Checkpoint.save(out, ckpt.config(), Merger.merge(ckpt, List.of(HF.resolve(adapter))), null);
        }
        return out;
    }

    @Test
    void bertLoraWithRsLoraPatternsAndHeadMatchesPeft() throws Exception {
        Map<String, TensorData> in = Safetensors.readAll(HF.resolve("bert/expected.safetensors"));
        Map<String, TensorData> exp = Safetensors.readAll(HF.resolve("bert_lora/expected.safetensors"));
        Path merged = mergedCheckpoint("bert", "bert_lora");
        try (NDManager root = NDManager.newBaseManager(); Checkpoint ckpt = Checkpoint.open(merged);
                TransformerModel tm = TransformerModel.load(ckpt, root, DataType.FLOAT32);
                NDManager m = root.newSubManager()) {
            EncoderModel.Output out = ((EncoderModel) tm).forward(rows(in.get("input_ids")),
                    rows(in.get("attention_mask")), rows(in.get("token_type_ids")),
                    new ForwardContext(m, false, DataType.FLOAT32), false);
            double d = maxAbs(out.logits(), exp.get("logits"));
            double dm = maxAbs(out.logits(), exp.get("merged_logits"));
            assertTrue(d <= 1e-4, "vs PEFT adapter forward: " + d);
            assertTrue(dm <= 1e-4, "vs PEFT merge_and_unload: " + dm);
            // the adapter changes the output for real (so the check above cannot pass without the merge)
            assertTrue(maxAbs(out.logits(), in.get("logits")) > 1e-2);
        }
    }

    @Test
    void llamaLoraOnAllProjectionsMatchesPeft() throws Exception {
        Map<String, TensorData> in = Safetensors.readAll(HF.resolve("llama/expected.safetensors"));
        Map<String, TensorData> exp = Safetensors.readAll(HF.resolve("llama_lora/expected.safetensors"));
        Path merged = mergedCheckpoint("llama", "llama_lora");
        try (NDManager root = NDManager.newBaseManager(); Checkpoint ckpt = Checkpoint.open(merged);
                TransformerModel tm = TransformerModel.load(ckpt, root, DataType.FLOAT32);
                NDManager m = root.newSubManager()) {
            DecoderModel.Output out = ((DecoderModel) tm).forward(rows(in.get("input_ids")),
                    rows(in.get("attention_mask")), new ForwardContext(m, false, DataType.FLOAT32), false);
            double d = maxAbs(out.logits(), exp.get("logits"));
            assertTrue(d <= 1e-4, "vs PEFT: " + d);
            assertTrue(maxAbs(out.logits(), in.get("logits")) > 1e-2);
        }
    }

    @Test
    void baseCheckpointIsNotModified() throws Exception {
        byte[] before = Files.readAllBytes(HF.resolve("bert/model.safetensors"));
        mergedCheckpoint("bert", "bert_lora");
        assertArrayEquals(before, Files.readAllBytes(HF.resolve("bert/model.safetensors")));
    }

    @Test
    void adapterForAnotherModelIsRejected() {
        try (Checkpoint ckpt = Checkpoint.open(HF.resolve("roberta"))) {
            LinforgeException e = assertThrows(LinforgeException.class,
                    () -> Merger.merge(ckpt, List.of(HF.resolve("llama_lora"))));
            assertEquals(2, e.exitCode());
            assertTrue(e.getMessage().contains("adapter_model.safetensors"), e.getMessage());
        }
    }
}
