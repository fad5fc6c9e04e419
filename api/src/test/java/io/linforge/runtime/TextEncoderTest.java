package io.linforge.runtime;

import io.linforge.core.onnx.Pooling;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.linforge.core.LinforgeException;
import io.linforge.core.text.Tokenizer;
import io.linforge.model.text.HfTokenizer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class TextEncoderTest {
    static Path onnx;
    static OrtInferenceSession session;
    static Tokenizer tokenizer;

    @BeforeAll
    static void open() throws Exception {
        onnx = ModelFiles.bundledMiniLm(Path.of(System.getProperty("linforge.root")));
        session = OrtInferenceSession.open(onnx, SessionConfig.builder().intraOpThreads(2).build());
        tokenizer = HfTokenizer.load(ModelFiles.tokenizerFor(onnx).orElseThrow());
    }

    @AfterAll
    static void close() {
        session.close();
        tokenizer.close();
    }

    @Test
    void metadataAndProviders() {
        assertEquals(List.of(Provider.CPU), session.providers());
        assertEquals(List.of("input_ids", "attention_mask", "token_type_ids"),
                session.inputs().stream().map(IoInfo::name).toList());
        IoInfo ids = session.inputs().get(0);
        assertEquals("int64", ids.dtype());
        assertEquals(List.of("batch_size", "sequence_length"), ids.dims());
        IoInfo out = session.output("last_hidden_state");
        assertEquals("float32", out.dtype());
        assertEquals(List.of("batch_size", "sequence_length", "384"), out.dims());
        assertEquals(384, out.fixedDim(2));
        assertEquals(-1, out.fixedDim(0));
    }

    @Test
    void meanPooledEmbeddingMatchesManualPoolingAndRegressionValue() {
        String text = "Hello world, this is a test of offline tokenization.";
        TextEncoder enc = new TextEncoder(session, tokenizer, 128, 8);
        float[] v = enc.embed(List.of(text), Pooling.MEAN)[0];

        // Independent path: raw last_hidden_state, averaged by hand over the 15 tokens.
        Tokenizer.Batch b = tokenizer.encode(List.of(text), 128);
        assertEquals(15, b.seqLen());
        FloatTensor h = session.run(Map.of("input_ids", b.inputIds(), "attention_mask", b.attentionMask(),
                "token_type_ids", b.typeIds())).get("last_hidden_state");
        double[] mean = new double[384];
        for (int j = 0; j < 15; j++) {
            for (int k = 0; k < 384; k++) {
                mean[k] += h.data()[j * 384 + k] / 15.0;
            }
        }
        double norm = 0;
        for (double x : mean) {
            norm += x * x;
        }
        norm = Math.sqrt(norm);
        double vn = 0;
        for (int k = 0; k < 384; k++) {
            assertEquals(mean[k] / norm, v[k], 1e-6);
            vn += (double) v[k] * v[k];
        }
        assertEquals(1.0, Math.sqrt(vn), 1e-5);
        // Regression value of this model and sentence (ONNX Runtime, DJL tokenizer).
        assertEquals(-0.04561, v[0], 2e-4);
        assertEquals(-0.01049, v[1], 2e-4);
        assertEquals(0.01661, v[2], 2e-4);
    }

    @Test
    void semanticSimilarityAndPaddingInvariance() {
        List<String> texts = List.of("A man is eating food.", "A man is eating a piece of bread.",
                "A man is riding a horse.");
        TextEncoder batched = new TextEncoder(session, tokenizer, 128, 8);
        TextEncoder single = new TextEncoder(session, tokenizer, 128, 1);
        float[][] e = batched.embed(texts, Pooling.MEAN);
        float[][] e1 = single.embed(texts, Pooling.MEAN);
        for (int i = 0; i < 3; i++) {
            for (int k = 0; k < 384; k++) {
                assertEquals(e1[i][k], e[i][k], 1e-4, "padding changed text " + i);
            }
        }
        double food = TextEncoder.cosine(e[0], e[1]);
        double horse = TextEncoder.cosine(e[0], e[2]);
        assertTrue(food > horse + 0.2, "cos(food, bread)=" + food + " cos(food, horse)=" + horse);
        float[][] cls = batched.embed(texts, Pooling.CLS);
        assertTrue(TextEncoder.cosine(cls[0], e[0]) < 0.999, "CLS pooling must differ from mean pooling");
        assertEquals(1.0, Math.sqrt(TextEncoder.cosine(cls[1], cls[1])), 1e-9);
    }

    @Test
    void gpuProviderOnCpuBuildFailsClearly() {
        LinforgeException e = assertThrows(LinforgeException.class, () -> OrtInferenceSession.open(onnx,
                SessionConfig.builder().providers(Provider.CUDA).useTf32(false).build()));
        assertEquals(LinforgeException.BAD_INPUT, e.exitCode());
        assertTrue(e.getMessage().contains("'cuda'"), e.getMessage());
        LinforgeException t = assertThrows(LinforgeException.class, () -> OrtInferenceSession.open(onnx,
                SessionConfig.builder().providers(Provider.TENSORRT, Provider.CUDA).build()));
        assertTrue(t.getMessage().contains("'tensorrt'"), t.getMessage());
    }

    @Test
    void missingModelAndMissingInputAreBadInput() {
        LinforgeException e = assertThrows(LinforgeException.class,
                () -> OrtInferenceSession.open(onnx.resolveSibling("nope.onnx"), SessionConfig.cpu()));
        assertEquals(LinforgeException.BAD_INPUT, e.exitCode());
        LinforgeException m = assertThrows(LinforgeException.class,
                () -> session.run(Map.of("input_ids", new long[][] {{101, 102}})));
        assertTrue(m.getMessage().contains("attention_mask"), m.getMessage());
        assertEquals(LinforgeException.BAD_INPUT, m.exitCode());
    }
}
