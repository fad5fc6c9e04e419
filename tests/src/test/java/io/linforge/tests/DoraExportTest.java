package io.linforge.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.linforge.cli.Main;
import io.linforge.core.adapter.DoraVariant;
import io.linforge.core.adapter.LoraAdapter;
import io.linforge.core.checkpoint.Checkpoint;
import io.linforge.core.tensor.TensorData;
import io.linforge.core.text.Tokenizer;
import io.linforge.exporter.OnnxExporter;
import io.linforge.model.EncoderModel;
import io.linforge.model.ForwardContext;
import io.linforge.model.Parameter;
import io.linforge.model.TransformerModel;
import io.linforge.model.text.HfTokenizer;
import io.linforge.trainer.Methods;
import io.linforge.trainer.TrainConfig;
import io.linforge.trainer.TrainingMethod;
import io.linforge.trainer.lora.LoraLinear;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DoRA fine-tuning of MiniLM: the PEFT folder it writes, read back onto the base as live DoRA layers
 * (DJL forward), gives the logits ONNX Runtime computes on the export with the adapter merged.
 */
class DoraExportTest {
    static final List<String> TEXTS = List.of("WINNER!! Claim your free prize now, text WIN to 80082",
            "are we still on for lunch tomorrow?", "URGENT: your account has been selected for a cash reward",
            "ok see you at home");

    @TempDir
    Path tmp;

    @Test
    void savedDoraAdapterExportsToTheLogitsOfTheAdaptedModel() throws Exception {
        Path adapter = tmp.resolve("dora");
        Path json = tmp.resolve("dora.json");
        assertEquals(0, Main.execute("train", "--model", MiniLm.checkpoint().toString(), "--data",
                TrainExportTest.DATA.toString(), "--method", "dora", "--steps", "6", "--batch", "8", "--seq", "64",
                "--rank", "4", "--lr", "1e-2", "--seed", "3", "--out", adapter.toString(), "--json", json.toString()));
        JsonNode r = new ObjectMapper().readTree(json.toFile());
        assertEquals("dora", r.get("method").asText());
        JsonNode cfg = new ObjectMapper().readTree(adapter.resolve(LoraAdapter.CONFIG).toFile());
        assertTrue(cfg.get("use_dora").asBoolean(), cfg.toString());
        LoraAdapter saved = LoraAdapter.read(adapter);
        // query and value of 6 layers, each with its magnitude [384]
        assertEquals(12, saved.modules().size());
        LoraAdapter.Module q0 = saved.modules().get("bert.encoder.layer.0.attention.self.query");
        assertEquals(384, q0.extra().get(DoraVariant.MAGNITUDE).numel());
        // trained for 6 updates, the magnitude is no longer the row norms of W
        try (Checkpoint base = Checkpoint.open(MiniLm.checkpoint())) {
            float[] w = base.tensor("encoder.layer.0.attention.self.query.weight").toFloats();
            float[] m = q0.extra().get(DoraVariant.MAGNITUDE).toFloats();
            double moved = 0;
            for (int o = 0; o < 384; o++) {
                double n = 0;
                for (int i = 0; i < 384; i++) {
                    n += w[o * 384 + i] * w[o * 384 + i];
                }
                moved = Math.max(moved, Math.abs(m[o] - Math.sqrt(n)));
            }
            assertTrue(moved > 1e-3, "magnitude moved by " + moved);
        }

        Path onnx = tmp.resolve("onnx");
        assertEquals(0, Main.execute("export", "--model", MiniLm.checkpoint().toString(), "--adapter", adapter.toString(),
                "--out", onnx.toString()));
        Tokenizer.Batch batch;
        try (Tokenizer tok = HfTokenizer.forCheckpoint(MiniLm.checkpoint())) {
            batch = tok.encode(TEXTS, 64);
        }
        float[] ort;
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
            so.setIntraOpNumThreads(2);
            try (OrtSession s = env.createSession(onnx.resolve("model.onnx").toString(), so);
                    OnnxTensor ids = OnnxTensor.createTensor(env, batch.inputIds());
                    OnnxTensor mask = OnnxTensor.createTensor(env, batch.attentionMask());
                    OnnxTensor types = OnnxTensor.createTensor(env, batch.typeIds());
                    OrtSession.Result res = s.run(Map.of("input_ids", ids, "attention_mask", mask, "token_type_ids", types))) {
                OnnxTensor out = (OnnxTensor) res.get("logits").get();
                ort = new float[(int) (out.getInfo().getShape()[0] * out.getInfo().getShape()[1])];
                out.getFloatBuffer().get(ort);
            }
        }

        float[] djl;
        float[] plain;
        try (NDManager root = NDManager.newBaseManager(); Checkpoint c = Checkpoint.open(MiniLm.checkpoint())) {
            // the base with the trained head the adapter carries whole, and the DoRA layers live on top
            Map<String, TensorData> tensors = new LinkedHashMap<>(c.tensors());
            saved.fullTensors().forEach((k, v) -> tensors.put(tensors.containsKey(k) || !k.startsWith("bert.") ? k
                    : k.substring("bert.".length()), v));
            try (TransformerModel tm = TransformerModel.load(OnnxExporter.mergedConfig(c, List.of(adapter)), tensors,
                    MiniLm.checkpoint(), root, DataType.FLOAT32)) {
                EncoderModel model = (EncoderModel) tm;
                plain = logits(model, batch, root);
                TrainConfig tc = TrainConfig.builder("dora", List.of("query", "value")).rank(4).build();
                try (TrainingMethod dora = Methods.create(model, tc, List.of(), List.of())) {
                    for (Map.Entry<String, LoraLinear> e : dora.adapters().entrySet()) {
                        LoraAdapter.Module mod = saved.modules().get("bert." + e.getKey());
                        List<Parameter> p = e.getValue().parameters();
                        copy(p.get(0), mod.a());
                        copy(p.get(1), mod.b());
                        copy(p.get(2), mod.extra().get(DoraVariant.MAGNITUDE));
                    }
                    djl = logits(model, batch, root);
                }
            }
        }
        double worst = 0;
        double change = 0;
        for (int i = 0; i < ort.length; i++) {
            worst = Math.max(worst, Math.abs(ort[i] - djl[i]));
            change = Math.max(change, Math.abs(plain[i] - djl[i]));
        }
        System.out.printf("DoRA export: max |ORT - DJL| logits %.2e, adapter moved them by %.2e%n", worst, change);
        assertTrue(change > 1e-2, "the adapter changes the logits: " + change);
        assertTrue(worst <= 1e-4, "ONNX Runtime on the merged export vs DJL with DoRA layers: " + worst);
    }

    static float[] logits(EncoderModel model, Tokenizer.Batch b, NDManager root) {
        try (NDManager m = root.newSubManager()) {
            return model.forward(b.inputIds(), b.attentionMask(), b.typeIds(), new ForwardContext(m, false, DataType.FLOAT32),
                    false).logits().toFloatArray();
        }
    }

    static void copy(Parameter p, TensorData v) {
        assertEquals(p.array().size(), v.numel(), p.name());
        p.array().set(FloatBuffer.wrap(v.toFloats()));
    }
}
