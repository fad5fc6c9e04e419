package io.linforge.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.linforge.core.checkpoint.Checkpoint;
import io.linforge.core.checkpoint.Safetensors;
import io.linforge.core.tensor.TensorData;
import io.linforge.exporter.OnnxExporter;
import io.linforge.model.EncoderModel;
import io.linforge.model.ForwardContext;
import io.linforge.model.TransformerModel;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A LoRA adapter written by {@code linforge train} (on MiniLM with fp16-stored weights), loaded by
 * Hugging Face PEFT 0.21 with {@code PeftModel.from_pretrained} on the same base: PEFT's logits for
 * fixed inputs were recorded on the GPU test host by {@code tests/fixtures/peft_interop.py}; here our
 * side is recomputed and compared.
 */
class PeftInteropTest {
    static final Path FIX = Path.of("src/test/resources/peft");

    @TempDir
    Path tmp;

    @Test
    void ourAdapterGivesPeftsLogits() throws Exception {
        Path base = tmp.resolve("minilm-f16");
        try (Checkpoint c = Checkpoint.open(MiniLm.checkpoint())) {
            Map<String, TensorData> half = new LinkedHashMap<>();
            for (String n : c.tensorNames()) {
                TensorData t = c.tensor(n);
                half.put(n, t.dtype().isFloating() ? t.toF16() : t);
            }
            Checkpoint.save(base, c.config(), half, c.tokenizerJson().orElse(null));
        }
        Map<String, TensorData> in = Safetensors.readAll(FIX.resolve("inputs.safetensors"));
        float[] peft = Safetensors.readAll(FIX.resolve("peft_logits.safetensors")).get("logits").toFloats();
        List<Path> adapter = List.of(FIX.resolve("minilm_lora"));
        float[] ours;
        try (NDManager root = NDManager.newBaseManager(); Checkpoint c = Checkpoint.open(base);
                TransformerModel tm = TransformerModel.load(OnnxExporter.mergedConfig(c, adapter),
                        OnnxExporter.mergedTensors(c, adapter), base, root, DataType.FLOAT32);
                NDManager m = root.newSubManager()) {
            EncoderModel.Output o = ((EncoderModel) tm).forward(in.get("input_ids").toLongMatrix(),
                    in.get("attention_mask").toLongMatrix(), in.get("token_type_ids").toLongMatrix(),
                    new ForwardContext(m, false, DataType.FLOAT32), false);
            ours = o.logits().toFloatArray();
        }
        double worst = 0;
        for (int i = 0; i < ours.length; i++) {
            worst = Math.max(worst, Math.abs(ours[i] - peft[i]));
        }
        System.out.printf("PEFT interop: max |d logits| = %.2e%n", worst);
        assertTrue(worst <= 1e-4, "ours vs PEFT " + worst);
        assertArrayEquals(new long[] {4, 2}, new long[] {in.get("input_ids").shape()[0], ours.length / 4});
    }
}
