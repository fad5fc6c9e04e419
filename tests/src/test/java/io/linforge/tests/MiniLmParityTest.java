package io.linforge.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.linforge.core.checkpoint.Checkpoint;
import io.linforge.core.config.ModelConfig;
import io.linforge.core.onnx.OnnxTensors;
import io.linforge.core.onnx.proto.Onnx;
import io.linforge.core.tensor.TensorData;
import io.linforge.core.text.Tokenizer;
import io.linforge.model.EncoderModel;
import io.linforge.model.ForwardContext;
import io.linforge.model.TransformerModel;
import io.linforge.model.text.HfTokenizer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The imported MiniLM on DJL against ONNX Runtime running the jar's original ONNX. */
class MiniLmParityTest {
    static final List<String> TEXTS = List.of(
            "The quick brown fox jumps over the lazy dog.",
            "Hello world",
            "linforge turns a foundation transformer into a deployable, smaller, validated model from JVM build pipelines.",
            "Short one.");

    @Test
    void importReadsTheConfigAndTransposesMatMulWeights() throws Exception {
        try (Checkpoint c = Checkpoint.open(MiniLm.checkpoint())) {
            ModelConfig cfg = c.config();
            assertEquals(6, cfg.numHiddenLayers());
            assertEquals(384, cfg.hiddenSize());
            assertEquals(12, cfg.numAttentionHeads());
            assertEquals(1536, cfg.intermediateSize());
            assertEquals(30522, cfg.vocabSize());
            assertEquals(512, cfg.maxPositionEmbeddings());
            assertEquals(1e-12, cfg.layerNormEps());
            assertTrue(c.tokenizerJson().isPresent());
            assertArrayEquals(new long[] {1536, 384}, c.tensor("encoder.layer.0.intermediate.dense.weight").shape());
            // the raw initializer feeding layer 0's intermediate MatMul is [in, out]; ours is its transpose
            Onnx.ModelProto m = Onnx.ModelProto.parseFrom(MiniLm.originalOnnx());
            String raw = null;
            for (Onnx.NodeProto n : m.getGraph().getNodeList()) {
                if (n.getName().equals("/encoder/layer.0/intermediate/dense/MatMul")) {
                    raw = n.getInput(1);
                }
            }
            TensorData rawT = null;
            for (Onnx.TensorProto t : m.getGraph().getInitializerList()) {
                if (t.getName().equals(raw)) {
                    rawT = OnnxTensors.read(t, null, "jar");
                }
            }
            assertArrayEquals(new long[] {384, 1536}, rawT.shape());
            float[] r = rawT.toFloats();
            float[] ours = c.tensor("encoder.layer.0.intermediate.dense.weight").toFloats();
            for (int[] ij : new int[][] {{0, 0}, {5, 1000}, {383, 1535}, {100, 7}}) {
                assertEquals(r[ij[0] * 1536 + ij[1]], ours[ij[1] * 384 + ij[0]], 0f);
            }
        }
    }

    @Test
    void djlForwardMatchesOnnxRuntimeOnTheOriginalExport() throws Exception {
        java.nio.file.Path ckptDir = MiniLm.checkpoint();
        Tokenizer.Batch batch;
        try (Tokenizer tok = HfTokenizer.forCheckpoint(ckptDir)) {
            batch = tok.encode(TEXTS, 128);
        }
        assertTrue(batch.attentionMask()[1][batch.seqLen() - 1] == 0, "the batch must contain padding");
        float[] ort;
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
            so.setIntraOpNumThreads(2);
            try (OrtSession s = env.createSession(MiniLm.originalOnnx(), so);
                    OnnxTensor ids = OnnxTensor.createTensor(env, batch.inputIds());
                    OnnxTensor mask = OnnxTensor.createTensor(env, batch.attentionMask());
                    OnnxTensor types = OnnxTensor.createTensor(env, batch.typeIds());
                    OrtSession.Result r = s.run(Map.of("input_ids", ids, "attention_mask", mask, "token_type_ids", types))) {
                OnnxTensor out = (OnnxTensor) r.get("last_hidden_state").get();
                ort = new float[(int) (out.getInfo().getShape()[0] * out.getInfo().getShape()[1] * 384)];
                out.getFloatBuffer().get(ort);
            }
        }
        float[] ours;
        try (NDManager root = NDManager.newBaseManager(); Checkpoint c = Checkpoint.open(ckptDir);
                TransformerModel tm = TransformerModel.load(c, root, DataType.FLOAT32);
                NDManager m = root.newSubManager()) {
            EncoderModel.Output o = ((EncoderModel) tm).forward(batch.inputIds(), batch.attentionMask(), batch.typeIds(),
                    new ForwardContext(m, false, DataType.FLOAT32), false);
            ours = o.lastHidden().toFloatArray();
        }
        assertEquals(ort.length, ours.length);
        double worst = 0;
        double worstValid = 0;
        int s = batch.seqLen();
        for (int i = 0; i < ours.length; i++) {
            double d = Math.abs(ours[i] - ort[i]);
            worst = Math.max(worst, d);
            int b = i / (s * 384);
            int t = (i / 384) % s;
            if (batch.attentionMask()[b][t] == 1) {
                worstValid = Math.max(worstValid, d);
            }
        }
        System.out.printf("MiniLM DJL vs ORT: max |d last_hidden_state| = %.3e (all positions), %.3e (tokens)%n",
                worst, worstValid);
        assertTrue(worst <= 1e-4, "max abs diff over all positions " + worst);
    }

}
