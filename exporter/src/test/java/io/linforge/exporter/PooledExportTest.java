package io.linforge.exporter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import io.linforge.core.LinforgeException;
import io.linforge.core.checkpoint.Checkpoint;
import io.linforge.core.config.ModelConfig;
import io.linforge.core.onnx.Pooling;
import io.linforge.core.onnx.proto.Onnx;
import io.linforge.model.EncoderModel;
import io.linforge.model.ForwardContext;
import io.linforge.model.TransformerModel;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pooled exports ({@code sentence_embedding} [batch, hidden]) of the tiny BERT without a head, on
 * ONNX Runtime CPU against DJL's pooling of the same model, on a padded batch.
 */
class PooledExportTest {
    static final Path BERT = OnnxExporterTest.HF.resolve("bert_export");
    static final int HIDDEN = 32;

    @TempDir
    Path tmp;

    static Map<String, long[][]> in = new HashMap<>();
    /** DJL: mean pooled, mean pooled and normalized, token 0. */
    static float[] mean;
    static float[] meanNormalized;
    static float[] cls;

    @BeforeAll
    static void reference() throws Exception {
        // rows of 9, 4 and 1 real tokens: the mask matters
        int[] lengths = {9, 4, 1};
        int s = 9;
        long[][] ids = new long[lengths.length][s];
        long[][] mask = new long[lengths.length][s];
        SplittableRandom r = new SplittableRandom(3);
        for (int i = 0; i < lengths.length; i++) {
            for (int j = 0; j < lengths[i]; j++) {
                ids[i][j] = j == 0 ? 2 : 5 + r.nextInt(120);
                mask[i][j] = 1;
            }
        }
        in.put("input_ids", ids);
        in.put("attention_mask", mask);
        in.put("token_type_ids", new long[lengths.length][s]);
        try (NDManager root = NDManager.newBaseManager(); Checkpoint c = Checkpoint.open(BERT);
                TransformerModel tm = TransformerModel.load(c, root, DataType.FLOAT32);
                NDManager m = root.newSubManager()) {
            EncoderModel enc = (EncoderModel) tm;
            EncoderModel.Output o = enc.forward(ids, mask, in.get("token_type_ids"), new ForwardContext(m, false,
                    DataType.FLOAT32), false);
            NDArray pooled = EncoderModel.meanPool(o.lastHidden(), m.create(mask));
            mean = pooled.toFloatArray();
            NDArray norm = pooled.square().sum(new int[] {1}, true).sqrt().maximum(1e-12f);
            meanNormalized = pooled.div(norm).toFloatArray();
            cls = o.lastHidden().get(new NDIndex(":, 0, :")).toFloatArray();
        }
        assertEquals(lengths.length * HIDDEN, mean.length);
    }

    Path export(Pooling pooling, boolean normalize, boolean fp16, int opset) {
        Path out = tmp.resolve(pooling.id() + (normalize ? "-norm" : "") + (fp16 ? "-fp16" : "") + "-o" + opset);
        OnnxExporter.export(BERT, List.of(), out, new OnnxExporter.Options(fp16, opset, true, false, pooling, normalize));
        return out.resolve("model.onnx");
    }

    static void onlyPooledOutput(Path onnx) throws Exception {
        Onnx.GraphProto g = OnnxExporterTest.read(onnx).getGraph();
        assertEquals(1, g.getOutputCount(), g.getOutputList().toString());
        Onnx.ValueInfoProto o = g.getOutput(0);
        assertEquals("sentence_embedding", o.getName());
        assertEquals(Onnx.TensorProto.DataType.FLOAT_VALUE, o.getType().getTensorType().getElemType());
        var dims = o.getType().getTensorType().getShape().getDimList();
        assertEquals(2, dims.size());
        assertEquals("batch", dims.get(0).getDimParam());
        assertEquals(HIDDEN, dims.get(1).getDimValue());
        for (Onnx.NodeProto n : g.getNodeList()) {
            assertEquals("", n.getDomain(), "standard ONNX ops only: " + n.getOpType());
            assertTrue(!n.getOpType().equals("ReduceL2"), "no ReduceL2");
        }
    }

    @Test
    void meanPoolingMatchesDjlAtOpsets12To23() throws Exception {
        for (int opset : new int[] {12, 17, 23}) {
            for (boolean normalize : new boolean[] {false, true}) {
                Path onnx = export(Pooling.MEAN, normalize, false, opset);
                onlyPooledOutput(onnx);
                if (opset <= 17) {
                    OnnxChecker.check(onnx);
                }
                float[] ort = OnnxExporterTest.run(onnx, in).get("sentence_embedding");
                double d = OnnxExporterTest.maxAbs(ort, normalize ? meanNormalized : mean);
                assertTrue(d <= 1e-4, "opset " + opset + (normalize ? " normalized" : "") + " mean vs DJL " + d);
                System.out.printf("mean pooling (opset %d%s): ORT vs DJL %.2e%n", opset, normalize ? ", normalized" : "", d);
            }
        }
    }

    /** TensorRT exports ([tokens, hidden]) pool with one batched product of the mask and the hidden states. */
    @Test
    void flatTokenMeanPoolingMatchesDjl() throws Exception {
        for (boolean fp16 : new boolean[] {false, true}) {
            for (boolean normalize : new boolean[] {false, true}) {
                Path out = tmp.resolve("flat" + fp16 + normalize);
                OnnxExporter.export(BERT, List.of(), out, new OnnxExporter.Options(fp16, 17, true, false, Pooling.MEAN,
                        normalize, true));
                Path onnx = out.resolve("model.onnx");
                onlyPooledOutput(onnx);
                OnnxChecker.check(onnx);
                assertTrue(OnnxExporterTest.read(onnx).getGraph().getNodeList().stream()
                        .anyMatch(n -> n.getName().equals("/pooling/MatMul")), "pooling as a product");
                float[] ort = OnnxExporterTest.run(onnx, in).get("sentence_embedding");
                float[] want = normalize ? meanNormalized : mean;
                double d = fp16 ? OnnxExporterTest.maxRel(ort, want) : OnnxExporterTest.maxAbs(ort, want);
                System.out.printf("flat mean pooling (%s%s): ORT vs DJL %.2e%n", fp16 ? "fp16" : "fp32",
                        normalize ? ", normalized" : "", d);
                assertTrue(d <= (fp16 ? 1e-2 : 1e-5), (fp16 ? "fp16 relative " : "fp32 max abs ") + d);
            }
        }
    }

    @Test
    void clsPoolingIsTheFirstTokenState() throws Exception {
        for (int opset : new int[] {12, 23}) {
            Path onnx = export(Pooling.CLS, false, false, opset);
            onlyPooledOutput(onnx);
            if (opset <= 17) {
                OnnxChecker.check(onnx);
            }
            double d = OnnxExporterTest.maxAbs(OnnxExporterTest.run(onnx, in).get("sentence_embedding"), cls);
            assertTrue(d <= 1e-4, "opset " + opset + " cls vs DJL " + d);
        }
    }

    @Test
    void fp16PooledExportsGiveFp32VectorsWithinOnePercent() throws Exception {
        for (int opset : new int[] {17, 23}) {
            Path onnx = export(Pooling.MEAN, true, true, opset);
            onlyPooledOutput(onnx);
            if (opset <= 17) {
                OnnxChecker.check(onnx);
            }
            double r = OnnxExporterTest.maxRel(OnnxExporterTest.run(onnx, in).get("sentence_embedding"), meanNormalized);
            assertTrue(r <= 1e-2, "opset " + opset + " fp16 relative " + r);
            Path c = export(Pooling.CLS, false, true, opset);
            double rc = OnnxExporterTest.maxRel(OnnxExporterTest.run(c, in).get("sentence_embedding"), cls);
            assertTrue(rc <= 1e-2, "opset " + opset + " fp16 cls relative " + rc);
        }
    }

    @Test
    void poolingIsRecordedInTheGraphAndConfig() throws Exception {
        Path onnx = export(Pooling.MEAN, true, false, 17);
        Map<String, String> meta = new HashMap<>();
        OnnxExporterTest.read(onnx).getMetadataPropsList().forEach(p -> meta.put(p.getKey(), p.getValue()));
        assertEquals("mean", meta.get("linforge.pooling"));
        assertEquals("true", meta.get("linforge.normalize"));
        ModelConfig c = ModelConfig.read(onnx.resolveSibling("config.json"));
        assertEquals("mean", c.toJson().get(OnnxExporter.POOLING_KEY).asText());
        assertTrue(c.toJson().get(OnnxExporter.NORMALIZE_KEY).asBoolean());
    }

    @Test
    void poolingNeedsAnEncoderWithoutAHead() {
        LinforgeException head = assertThrows(LinforgeException.class, () -> OnnxExporter.export(
                OnnxExporterTest.HF.resolve("bert"), List.of(), tmp.resolve("head"),
                new OnnxExporter.Options(false, 17, true, false, Pooling.MEAN, false)));
        assertEquals(LinforgeException.BAD_INPUT, head.exitCode());
        assertTrue(head.getMessage().contains("--pooling"), head.getMessage());
        LinforgeException dec = assertThrows(LinforgeException.class, () -> OnnxExporter.export(
                OnnxExporterTest.HF.resolve("llama"), List.of(), tmp.resolve("dec"),
                new OnnxExporter.Options(false, 17, true, false, Pooling.CLS, false)));
        assertTrue(dec.getMessage().contains("--pooling"), dec.getMessage());
        LinforgeException norm = assertThrows(LinforgeException.class, () -> OnnxExporter.export(BERT, List.of(),
                tmp.resolve("norm"), new OnnxExporter.Options(false, 17, true, false, Pooling.NONE, true)));
        assertTrue(norm.getMessage().contains("--normalize"), norm.getMessage());
    }
}
