package io.linforge.exporter;

import static io.linforge.exporter.OnnxExporterTest.encoderInputs;
import static io.linforge.exporter.OnnxExporterTest.maxAbs;
import static io.linforge.exporter.OnnxExporterTest.ops;
import static io.linforge.exporter.OnnxExporterTest.read;
import static io.linforge.exporter.OnnxExporterTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.linforge.core.LinforgeException;
import io.linforge.core.checkpoint.Safetensors;
import io.linforge.core.config.ModelConfig;
import io.linforge.core.onnx.proto.Onnx;
import io.linforge.core.tensor.TensorData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * GELU's tanh form: transformers' own tanh-GELU models (hidden_act gelu_new, gelu_pytorch_tanh) export as
 * transformers computes them, and {@code --gelu-approximation tanh} turns an exact-GELU checkpoint into that
 * model, saying so in the export. The fixtures' weights are large enough that the two forms of GELU move
 * the logits by 9e-5, far above the 1e-6 at which ONNX Runtime reproduces transformers.
 */
class GeluApproximationTest {
    static final Path HF = OnnxExporterTest.HF;

    @TempDir
    Path tmp;

    static Map<String, float[]> exportAndRun(Path model, Path out, boolean tanh, Map<String, long[][]> in) throws Exception {
        OnnxExporter.export(model, List.of(), out, new OnnxExporter.Options(false, 17, true, false).withTanhGelu(tanh));
        OnnxChecker.check(out.resolve("model.onnx"));
        return run(out.resolve("model.onnx"), in);
    }

    @Test
    void tanhGeluModelsExportAsTransformersComputesThem() throws Exception {
        for (String name : List.of("bert_gelu_new", "bert_gelu_tanh")) {
            Map<String, TensorData> exp = Safetensors.readAll(HF.resolve(name + "/expected.safetensors"));
            Path out = tmp.resolve(name);
            Map<String, float[]> ort = exportAndRun(HF.resolve(name), out, false, encoderInputs(exp));
            Map<String, Integer> ops = ops(read(out.resolve("model.onnx")));
            assertEquals(2, ops.get("Pow"), name + " " + ops);    // x^3, one per layer
            assertEquals(3, ops.get("Tanh"), name + " " + ops);   // one per layer and the pooler's
            assertFalse(ops.containsKey("Erf"), name + " " + ops);
            double l = maxAbs(ort.get("logits"), exp.get("logits").toFloats());
            double h = maxAbs(ort.get("last_hidden_state"), exp.get("last_hidden_state").toFloats());
            double erf = maxAbs(exp.get("logits").toFloats(), exp.get("logits_with_erf_gelu").toFloats());
            assertTrue(erf > 5e-5, name + ": the fixture separates the two forms by " + erf);
            assertTrue(l <= erf / 10, name + " logits vs transformers " + l + " (erf form: " + erf + ")");
            assertTrue(h <= 1e-4, name + " last_hidden_state vs transformers " + h);
            System.out.printf("%s export: logits vs transformers %.2e (the erf form differs by %.2e), hidden %.2e%n",
                    name, l, erf, h);
        }
    }

    @Test
    void tanhApproximationOfAnExactGeluModelIsTheTanhModelAndIsRecorded() throws Exception {
        // the weights of bert_gelu_new declared with exact GELU
        Path exact = tmp.resolve("exact");
        Files.createDirectories(exact);
        try (Stream<Path> s = Files.list(HF.resolve("bert_gelu_new"))) {
            for (Path f : s.toList()) {
                Files.copy(f, exact.resolve(f.getFileName()));
            }
        }
        Path cfg = exact.resolve("config.json");
        Files.writeString(cfg, Files.readString(cfg).replace("\"gelu_new\"", "\"gelu\""));
        assertEquals("gelu", ModelConfig.read(cfg).hiddenAct());
        Map<String, TensorData> exp = Safetensors.readAll(HF.resolve("bert_gelu_new/expected.safetensors"));
        float[] tanhLogits = exp.get("logits").toFloats();
        float[] erfLogits = exp.get("logits_with_erf_gelu").toFloats();
        double gap = maxAbs(tanhLogits, erfLogits);

        Map<String, float[]> asIs = exportAndRun(exact, tmp.resolve("as-is"), false, encoderInputs(exp));
        assertTrue(maxAbs(asIs.get("logits"), erfLogits) <= gap / 10, "without the option the export keeps erf");
        Map<String, float[]> tanh = exportAndRun(exact, tmp.resolve("tanh"), true, encoderInputs(exp));
        double d = maxAbs(tanh.get("logits"), tanhLogits);
        assertTrue(d <= gap / 10, "--gelu-approximation tanh gives transformers' gelu_new model: " + d + " (gap " + gap + ")");

        Onnx.ModelProto m = read(tmp.resolve("tanh/model.onnx"));
        assertTrue(m.getMetadataPropsList().stream()
                .anyMatch(p -> p.getKey().equals(OnnxExporter.GELU_KEY) && p.getValue().equals("tanh")));
        assertFalse(read(tmp.resolve("as-is/model.onnx")).getMetadataPropsList().stream()
                .anyMatch(p -> p.getKey().equals(OnnxExporter.GELU_KEY)));
        assertEquals("gelu_new", ModelConfig.read(tmp.resolve("tanh/config.json")).hiddenAct());
        assertEquals("gelu", ModelConfig.read(exact.resolve("config.json")).hiddenAct(), "the checkpoint is not modified");
    }

    @Test
    void aModelWithoutGeluHasNothingToApproximate() {
        LinforgeException e = assertThrows(LinforgeException.class, () -> OnnxExporter.export(HF.resolve("llama"), List.of(),
                tmp.resolve("llama"), new OnnxExporter.Options(false, 17, true, false).withTanhGelu(true)));
        assertEquals(LinforgeException.BAD_INPUT, e.exitCode());
        assertTrue(e.getMessage().contains("hidden_act") && e.getMessage().contains("silu"), e.getMessage());
        assertFalse(Files.exists(tmp.resolve("llama")), "nothing written");
    }
}
