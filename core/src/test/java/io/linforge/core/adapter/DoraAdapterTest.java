package io.linforge.core.adapter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.linforge.core.LinforgeException;
import io.linforge.core.checkpoint.Safetensors;
import io.linforge.core.tensor.TensorData;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** DoRA in the PEFT format: the fold against the formula written out here, and the folder written and read back. */
class DoraAdapterTest {
    static final int OUT = 5;
    static final int IN = 3;
    static final int R = 2;
    static final double SCALING = 8.0 / R;

    @TempDir
    Path tmp;

    static float[] random(int n, long seed, double scale) {
        Random r = new Random(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (r.nextGaussian() * scale);
        }
        return v;
    }

    /** m[o] · V[o, :] / ‖V[o, :]‖₂ with V = W + s·B·A, each row of the [out, in] weight on its own. */
    static double[] expected(float[] w, float[] a, float[] b, float[] m) {
        double[] out = new double[OUT * IN];
        for (int o = 0; o < OUT; o++) {
            double[] v = new double[IN];
            double norm = 0;
            for (int i = 0; i < IN; i++) {
                double ba = 0;
                for (int k = 0; k < R; k++) {
                    ba += b[o * R + k] * a[k * IN + i];
                }
                v[i] = w[o * IN + i] + SCALING * ba;
                norm += v[i] * v[i];
            }
            norm = Math.sqrt(norm);
            for (int i = 0; i < IN; i++) {
                out[o * IN + i] = m[o] * v[i] / norm;
            }
        }
        return out;
    }

    static LoraAdapter.Module module(float[] a, float[] b, float[] m) {
        return new LoraAdapter.Module("encoder.layer.0.attention.self.query",
                TensorData.ofFloats(new long[] {R, IN}, a), TensorData.ofFloats(new long[] {OUT, R}, b), SCALING,
                new DoraVariant(), Map.of(DoraVariant.MAGNITUDE, TensorData.ofFloats(new long[] {OUT}, m)));
    }

    @Test
    void foldRescalesEachOutputRowToItsMagnitude() {
        float[] w = random(OUT * IN, 1, 0.5);
        float[] a = random(R * IN, 2, 0.4);
        float[] b = random(OUT * R, 3, 0.3);
        float[] m = random(OUT, 4, 1.0);
        for (int o = 0; o < OUT; o++) {
            m[o] = Math.abs(m[o]) + 0.5f;
        }
        float[] got = module(a, b, m).fold(w, null);
        double[] want = expected(w, a, b, m);
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], 1e-6, "element " + i);
        }
        // each row's norm is its magnitude (a norm over columns would give IN values, not OUT)
        for (int o = 0; o < OUT; o++) {
            double n = 0;
            for (int i = 0; i < IN; i++) {
                n += got[o * IN + i] * got[o * IN + i];
            }
            assertEquals(m[o], Math.sqrt(n), 1e-5);
        }
        // with the magnitude at the initial row norms of W and B zero, the fold is W itself
        float[] zeroB = new float[OUT * R];
        float[] norms = new float[OUT];
        for (int o = 0; o < OUT; o++) {
            double n = 0;
            for (int i = 0; i < IN; i++) {
                n += w[o * IN + i] * w[o * IN + i];
            }
            norms[o] = (float) Math.sqrt(n);
        }
        float[] same = module(a, zeroB, norms).fold(w, null);
        for (int i = 0; i < w.length; i++) {
            assertEquals(w[i], same[i], 1e-6);
        }
    }

    @Test
    void savedFolderHasPeftNamesAndFoldsTheSameAfterReading() throws Exception {
        float[] w = random(OUT * IN, 11, 0.5);
        float[] a = random(R * IN, 12, 0.4);
        float[] b = random(OUT * R, 13, 0.3);
        float[] m = random(OUT, 14, 1.0);
        LoraAdapter.Settings s = new LoraAdapter.Settings(R, 8, 0.0, false, List.of("query"), List.of("classifier"),
                "SEQ_CLS", "/base", new DoraVariant());
        Path dir = tmp.resolve("dora");
        java.nio.file.Files.createDirectories(dir);
        LoraAdapter.of(s, List.of(module(a, b, m)), Map.of()).save(dir);
        JsonNode cfg = new ObjectMapper().readTree(dir.resolve(LoraAdapter.CONFIG).toFile());
        assertTrue(cfg.get("use_dora").asBoolean());
        assertEquals("LORA", cfg.get("peft_type").asText());
        Map<String, TensorData> t = Safetensors.readAll(dir.resolve(LoraAdapter.WEIGHTS));
        String root = "base_model.model.encoder.layer.0.attention.self.query.";
        assertEquals(List.of(root + "lora_A.weight", root + "lora_B.weight", root + "lora_magnitude_vector"),
                t.keySet().stream().sorted().toList());
        assertEquals(List.of((long) OUT), java.util.Arrays.stream(t.get(root + "lora_magnitude_vector").shape()).boxed().toList());

        Adapter read = Adapter.read(dir);
        assertEquals(1, read.deltas().size());
        float[] got = read.deltas().get(0).fold(w);
        double[] want = expected(w, a, b, m);
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], 1e-6, "element " + i);
        }
    }

    @Test
    void aMagnitudeOfTheWrongLengthIsRefusedNamingTheTensor() throws Exception {
        LoraAdapter.Settings s = new LoraAdapter.Settings(R, 8, 0.0, false, List.of("query"), List.of(), "SEQ_CLS",
                "/base", new DoraVariant());
        Path dir = tmp.resolve("bad");
        java.nio.file.Files.createDirectories(dir);
        LoraAdapter.Module good = module(random(R * IN, 1, 1), random(OUT * R, 2, 1), random(OUT, 3, 1));
        LoraAdapter.Module bad = new LoraAdapter.Module(good.name(), good.a(), good.b(), good.scaling(), good.variant(),
                Map.of(DoraVariant.MAGNITUDE, TensorData.ofFloats(new long[] {OUT - 1}, new float[OUT - 1])));
        LoraAdapter.of(s, List.of(bad), Map.of()).save(dir);
        LinforgeException e = assertThrows(LinforgeException.class,
                () -> Adapter.read(dir).deltas().get(0).fold(new float[OUT * IN]));
        assertEquals(LinforgeException.BAD_INPUT, e.exitCode());
        assertEquals(dir.resolve(LoraAdapter.WEIGHTS) + ": base_model.model.encoder.layer.0.attention.self.query"
                + ".lora_magnitude_vector: has 4 values, expected 5 (one per output feature)", e.getMessage());
    }
}
