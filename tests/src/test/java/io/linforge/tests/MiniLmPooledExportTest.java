package io.linforge.tests;

import io.linforge.core.onnx.Pooling;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.linforge.cli.Main;
import io.linforge.core.text.Tokenizer;
import io.linforge.model.text.HfTokenizer;
import io.linforge.runtime.InferenceSession;
import io.linforge.runtime.OrtInferenceSession;
import io.linforge.runtime.SessionConfig;
import io.linforge.runtime.TextEncoder;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A pooled MiniLM export (mean, normalized) against the plain export: validate, embed and bench. */
class MiniLmPooledExportTest {
    static final Path DATA = MiniLm.ROOT.resolve("recipes/data/spam-small.jsonl");
    static final SessionConfig CFG = SessionConfig.builder().intraOpThreads(2).build();

    @TempDir
    Path tmp;

    @Test
    void pooledExportPassesTheCosineGateAgainstThePlainExportAndBenchRuns() throws Exception {
        Path ckpt = MiniLm.checkpoint();
        Path plain = tmp.resolve("plain");
        Path pooled = tmp.resolve("pooled");
        Path cls = tmp.resolve("cls");
        assertEquals(0, Main.execute("export", "--model", ckpt.toString(), "--out", plain.toString()));
        assertEquals(0, Main.execute("export", "--model", ckpt.toString(), "--out", pooled.toString(), "--pooling",
                "mean", "--normalize"));
        assertEquals(0, Main.execute("export", "--model", ckpt.toString(), "--out", cls.toString(), "--pooling", "cls"));
        Path v = tmp.resolve("v.json");
        assertEquals(0, Main.execute("validate", "--reference", plain.toString(), "--candidate", pooled.toString(),
                "--data", DATA.toString(), "--limit", "32", "--min-cosine", "0.9999", "--json", v.toString()));
        JsonNode m = new ObjectMapper().readTree(v.toFile()).get("metrics");
        assertEquals("embedding", new ObjectMapper().readTree(v.toFile()).get("kind").asText());
        assertTrue(m.get("embedding_cosine_min").asDouble() >= 0.9999, m.toString());
        assertTrue(m.get("embedding_max_abs_diff").asDouble() < 1e-4, m.toString());
        assertFalse(m.has("hidden_max_abs_diff"), "no token states on the pooled side: " + m);
        // a CLS-pooled export: the plain side is pooled the same way
        Path vc = tmp.resolve("vc.json");
        assertEquals(0, Main.execute("validate", "--reference", plain.toString(), "--candidate", cls.toString(),
                "--data", DATA.toString(), "--limit", "16", "--min-cosine", "0.9999", "--json", vc.toString()));
        JsonNode mc = new ObjectMapper().readTree(vc.toFile()).get("metrics");
        assertTrue(mc.get("embedding_cosine_min").asDouble() >= 0.9999, mc.toString());
        // two pooled exports
        Path v2 = tmp.resolve("v2.json");
        assertEquals(0, Main.execute("validate", "--reference", pooled.toString(), "--candidate", pooled.toString(),
                "--data", DATA.toString(), "--limit", "8", "--min-cosine", "0.99999", "--json", v2.toString()));
        // TextEncoder: the pooled export's vectors are the plain export's normalized mean pooling
        List<String> texts = List.of("a short one", "a somewhat longer sentence, so that the batch is padded");
        try (Tokenizer tok = HfTokenizer.load(ckpt.resolve("tokenizer.json"));
                InferenceSession a = OrtInferenceSession.open(plain.resolve("model.onnx"), CFG);
                InferenceSession b = OrtInferenceSession.open(pooled.resolve("model.onnx"), CFG);
                InferenceSession c = OrtInferenceSession.open(cls.resolve("model.onnx"), CFG)) {
            float[][] ref = new TextEncoder(a, tok, 64, 2).embed(texts, Pooling.MEAN);
            TextEncoder pe = new TextEncoder(b, tok, 64, 2);
            assertTrue(pe.isPooled());
            float[][] got = pe.embed(texts, Pooling.MEAN);
            float[][] refCls = new TextEncoder(a, tok, 64, 2).embed(texts, Pooling.CLS);
            float[][] gotCls = new TextEncoder(c, tok, 64, 2).embed(texts, Pooling.CLS);
            for (int i = 0; i < texts.size(); i++) {
                for (int k = 0; k < ref[i].length; k++) {
                    assertEquals(ref[i][k], got[i][k], 1e-5);
                    assertEquals(refCls[i][k], gotCls[i][k], 1e-5);
                }
            }
        }
        Path bj = tmp.resolve("b.json");
        assertEquals(0, Main.execute("bench", "--model", pooled.toString(), "--batch", "2", "--seq", "32", "--warmup", "1",
                "--iterations", "2", "--threads", "2", "--json", bj.toString()));
    }
}
