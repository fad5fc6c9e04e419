package io.linforge.runtime.validate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.linforge.core.text.Tokenizer;
import io.linforge.model.text.HfTokenizer;
import io.linforge.runtime.FloatTensor;
import io.linforge.runtime.InferenceSession;
import io.linforge.runtime.IoInfo;
import io.linforge.runtime.ModelFiles;
import io.linforge.runtime.Provider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Classifier and language-model metrics on models whose outputs are known in closed form. */
class ValidatorTest {
    static Tokenizer tok;
    static final int V = 30522;

    @TempDir
    Path dir;

    @BeforeAll
    static void load() throws Exception {
        Path onnx = ModelFiles.bundledMiniLm(Path.of(System.getProperty("linforge.root")));
        tok = HfTokenizer.load(ModelFiles.tokenizerFor(onnx).orElseThrow());
    }

    @AfterAll
    static void close() {
        tok.close();
    }

    /** A model computing {@code logits} from its inputs with a Java function. */
    record Fake(List<String> dims, Function<Map<String, long[][]>, FloatTensor> f) implements InferenceSession {
        public List<IoInfo> inputs() {
            return List.of(new IoInfo("input_ids", "int64", List.of("b", "s")),
                    new IoInfo("attention_mask", "int64", List.of("b", "s")));
        }

        public List<IoInfo> outputs() {
            return List.of(new IoInfo("logits", "float32", dims));
        }

        public List<Provider> providers() {
            return List.of(Provider.CPU);
        }

        public String engine() {
            return "test";
        }

        public Map<String, FloatTensor> run(Map<String, long[][]> in, Set<String> names) {
            return Map.of("logits", f.apply(in));
        }

        public void close() {
        }
    }

    static int realTokens(long[] mask) {
        int n = 0;
        for (long m : mask) {
            n += (int) m;
        }
        return n;
    }

    /** Logits [long, short] = [n > 8 ? hi : lo, n > 8 ? lo : hi] from the real token count n. */
    static Fake lengthClassifier(float hi, float lo, boolean alwaysFirst) {
        return new Fake(List.of("b", "2"), in -> {
            long[][] mask = in.get("attention_mask");
            float[] d = new float[mask.length * 2];
            for (int i = 0; i < mask.length; i++) {
                boolean isLong = alwaysFirst || realTokens(mask[i]) > 8;
                d[2 * i] = isLong ? hi : lo;
                d[2 * i + 1] = isLong ? lo : hi;
            }
            return new FloatTensor(new long[] {mask.length, 2}, d);
        });
    }

    ValidationData data(String... textsAndLabels) throws Exception {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < textsAndLabels.length; i += 2) {
            sb.append("{\"text\": \"").append(textsAndLabels[i]).append("\", \"label\": \"").append(textsAndLabels[i + 1])
                    .append("\"}\n");
        }
        Path f = dir.resolve("d.jsonl");
        Files.writeString(f, sb.toString());
        return ValidationData.read(f, 0);
    }

    @Test
    void classifierAccuracyDropAndLogitAgreement() throws Exception {
        // 3 "short" texts (<= 8 tokens with [CLS]/[SEP]) and 1 "long" one.
        ValidationData d = data("hello", "short", "a cat", "short", "the dog barks", "short",
                "this sentence is clearly longer than eight tokens in total", "long");
        Map<String, Integer> labels = Labels.sorted(d);
        assertEquals(Map.of("long", 0, "short", 1), labels);
        Validator v = new Validator(lengthClassifier(2, 0, false), lengthClassifier(2, 0, true), tok, 64, 3, "ref", "cand");
        assertEquals(ModelKind.CLASSIFIER, v.kind());
        ValidationReport r = v.validate(d, labels, new Gates(0.5, 0.5, null));
        Map<String, Double> m = r.metrics();
        assertEquals(1.0, m.get("reference_accuracy"), 1e-12);
        assertEquals(0.25, m.get("candidate_accuracy"), 1e-12);
        assertEquals(0.75, m.get("accuracy_drop"), 1e-12);
        assertEquals(2.0, m.get("logit_max_abs_diff"), 1e-12);
        // 3 rows with logits [0,2] vs [2,0] (cosine 0, KL = (p - q) * 2 with p = sigmoid(2)), 1 identical row.
        double p = 1 / (1 + Math.exp(-2));
        double kl = p * Math.log(p / (1 - p)) + (1 - p) * Math.log((1 - p) / p);
        assertEquals(0.25, m.get("logit_cosine_mean"), 1e-9);
        assertEquals(0.75 * kl, m.get("kl_mean"), 1e-9);
        assertEquals(2, r.gates().size());
        assertFalse(r.gates().get(0).passed());
        assertFalse(r.gates().get(1).passed());
        assertTrue(JUnitXml.render(r, "s").contains("failures=\"2\""));
        ValidationReport same = new Validator(lengthClassifier(2, 0, false), lengthClassifier(2, 0, false), tok, 64, 2,
                "ref", "cand").validate(d, labels, new Gates(0.0, 0.999, null));
        assertTrue(same.passed());
        assertEquals(0.0, same.metrics().get("kl_mean"), 1e-15);
    }

    /** Uniform logits, or (cheating: it reads the next input id) logit L on the true next token. */
    static Fake lm(float L) {
        return new Fake(List.of("b", "s", Integer.toString(V)), in -> {
            long[][] ids = in.get("input_ids");
            int b = ids.length;
            int s = ids[0].length;
            float[] d = new float[b * s * V];
            if (L != 0) {
                for (int i = 0; i < b; i++) {
                    for (int t = 0; t + 1 < s; t++) {
                        d[(i * s + t) * V + (int) ids[i][t + 1]] = L;
                    }
                }
            }
            return new FloatTensor(new long[] {b, s, V}, d);
        });
    }

    @Test
    void languageModelPerplexityAndRatio() throws Exception {
        ValidationData d = data("Call me Ishmael.", "x", "Some years ago, never mind how long precisely", "x",
                "whale", "x");
        Validator v = new Validator(lm(0), lm(3), tok, 64, 2, "ref", "cand");
        assertEquals(ModelKind.LANGUAGE_MODEL, v.kind());
        ValidationReport r = v.validate(d, Map.of(), new Gates(null, null, 0.5));
        Map<String, Double> m = r.metrics();
        assertEquals(V, m.get("reference_perplexity"), 1e-6 * V);
        double pTrue = Math.exp(3) / (Math.exp(3) + V - 1);
        assertEquals(1 / pTrue, m.get("candidate_perplexity"), 1e-6 / pTrue);
        assertEquals(1 / pTrue / V, m.get("perplexity_ratio"), 1e-9);
        int expectedTokens = 0;
        for (String t : d.texts()) {
            int n = tok.modelIds(t).length;
            expectedTokens += n >= 2 ? n - 1 : 0;
        }
        assertEquals(expectedTokens, m.get("tokens"), 0);
        assertTrue(r.passed(), r.gates().toString());
        ValidationReport worse = new Validator(lm(3), lm(0), tok, 64, 2, "ref", "cand").validate(d, Map.of(),
                new Gates(null, null, 1.05));
        assertFalse(worse.passed());
        assertTrue(worse.failed().get(0).reason().startsWith("perplexity ratio"), worse.failed().get(0).reason());
    }

    static Fake nan(List<String> dims, int last) {
        return new Fake(dims, in -> {
            long[][] ids = in.get("input_ids");
            long[] shape = dims.size() == 2 ? new long[] {ids.length, last} : new long[] {ids.length, ids[0].length, last};
            float[] d = new float[(int) (shape[0] * shape[1] * (shape.length == 3 ? shape[2] : 1))];
            java.util.Arrays.fill(d, Float.NaN);
            return new FloatTensor(shape, d);
        });
    }

    @Test
    void nanLogitsAreNeverCorrectAndFailEveryGate() throws Exception {
        ValidationData d = data("hello", "short", "a cat", "short", "the dog barks", "short",
                "this sentence is clearly longer than eight tokens in total", "long");
        Map<String, Integer> labels = Map.of("long", 0, "short", 1);
        // every NaN row used to count as class 0 ("long"): on all-"long" data the candidate scored 1.0
        ValidationData longs = data("one long row", "long", "another long row", "long");
        ValidationReport r = new Validator(lengthClassifier(2, 0, true), nan(List.of("b", "2"), 2), tok, 64, 3, "ref",
                "cand").validate(longs, labels, new Gates(0.5, null, null));
        assertEquals(1.0, r.metrics().get("reference_accuracy"), 0);
        assertEquals(0.0, r.metrics().get("candidate_accuracy"), 0);
        assertEquals(2.0, r.metrics().get("nonfinite_rows_candidate"), 0);
        assertEquals(0.0, r.metrics().get("nonfinite_rows_reference"), 0);
        assertTrue(Double.isNaN(r.metrics().get("logit_max_abs_diff")));
        assertTrue(Double.isNaN(r.metrics().get("logit_cosine_mean")));
        assertTrue(Double.isNaN(r.metrics().get("kl_mean")));
        assertFalse(r.passed());
        // a gate that the numbers alone would pass fails too: here the NaN side is the reference
        ValidationReport ref = new Validator(nan(List.of("b", "2"), 2), lengthClassifier(2, 0, false), tok, 64, 3, "ref",
                "cand").validate(d, labels, new Gates(1.0, null, null));
        assertEquals(4.0, ref.metrics().get("nonfinite_rows_reference"), 0);
        assertFalse(ref.passed());
        String why = ref.failed().get(0).reason();
        assertTrue(why.contains("non-finite outputs (NaN or infinity) in 4 reference and 0 candidate rows of 4"), why);
    }

    @Test
    void nanLanguageModelFailsThePerplexityGate() throws Exception {
        ValidationData d = data("Call me Ishmael.", "x", "Some years ago", "x");
        ValidationReport r = new Validator(lm(0), nan(List.of("b", "s", Integer.toString(V)), V), tok, 64, 2, "ref",
                "cand").validate(d, Map.of(), new Gates(null, null, 1e9));
        assertEquals(2.0, r.metrics().get("nonfinite_rows_candidate"), 0);
        assertTrue(Double.isNaN(r.metrics().get("candidate_perplexity")));
        assertFalse(r.passed());
    }
}
