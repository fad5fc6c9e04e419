package io.linforge.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Rotary inverse frequencies against the formulas evaluated independently in float64. */
class RopeTest {
    static final ObjectMapper JSON = new ObjectMapper();

    static ModelConfig llama(String extra) throws Exception {
        ObjectNode n = (ObjectNode) JSON.readTree("{\"model_type\":\"llama\",\"vocab_size\":256,\"hidden_size\":64,"
                + "\"num_hidden_layers\":2,\"num_attention_heads\":4,\"intermediate_size\":128" + extra + "}");
        return ModelConfig.fromJson(n, Path.of("config.json"));
    }

    /** The formulas as written (branches instead of masks), in float64. */
    static double[] reference(String type, double theta, int dim, double factor, double low, double high, double old) {
        double[] inv = new double[dim / 2];
        for (int i = 0; i < inv.length; i++) {
            inv[i] = 1.0 / Math.pow(theta, 2.0 * i / dim);
            if (type.equals("linear")) {
                inv[i] /= factor;
            } else if (type.equals("llama3")) {
                double wavelen = 2 * Math.PI / inv[i];
                if (wavelen > old / low) {
                    inv[i] /= factor;
                } else if (wavelen >= old / high) {
                    double s = (old / wavelen - low) / (high - low);
                    inv[i] = (1 - s) * inv[i] / factor + s * inv[i];
                }
            }
        }
        return inv;
    }

    static void close(double[] want, float[] got) {
        assertEquals(want.length, got.length);
        for (int i = 0; i < want.length; i++) {
            assertTrue(Math.abs(got[i] - want[i]) <= 2e-6 * want[i], i + ": " + got[i] + " vs " + want[i]);
        }
    }

    @Test
    void defaultIsTheBasePowerSeries() throws Exception {
        Rope r = llama(",\"rope_theta\":10000.0").rope();
        assertEquals("default", r.type());
        float[] inv = r.inverseFrequencies(16);
        close(reference("default", 10000, 16, 1, 0, 0, 0), inv);
        assertEquals(1f, inv[0]);
        assertEquals(0.31622776f, inv[1], Math.ulp(0.31622776f));
        assertEquals(0.1f, inv[2], Math.ulp(0.1f));
        assertEquals(0.01f, inv[4], Math.ulp(0.01f));
        assertEquals(0.001f, inv[6], Math.ulp(0.001f));
        assertEquals(10000.0, llama("").rope().theta());
    }

    @Test
    void linearDividesEveryFrequencyByTheFactor() throws Exception {
        Rope r = llama(",\"rope_scaling\":{\"type\":\"linear\",\"factor\":4.0}").rope();
        assertEquals("linear", r.type());
        float[] plain = llama("").rope().inverseFrequencies(16);
        float[] inv = r.inverseFrequencies(16);
        close(reference("linear", 10000, 16, 4, 0, 0, 0), inv);
        for (int i = 0; i < inv.length; i++) {
            assertEquals(plain[i] / 4f, inv[i]);
        }
    }

    @Test
    void llama3KeepsHighFrequenciesDividesLowOnesAndSmoothsBetween() throws Exception {
        Rope r = llama(",\"rope_parameters\":{\"rope_type\":\"llama3\",\"rope_theta\":500000.0,\"factor\":8.0,"
                + "\"low_freq_factor\":1.0,\"high_freq_factor\":4.0,\"original_max_position_embeddings\":64}").rope();
        assertEquals(500000.0, r.theta());
        float[] plain = llama(",\"rope_theta\":500000.0").rope().inverseFrequencies(16);
        float[] inv = r.inverseFrequencies(16);
        close(reference("llama3", 500000, 16, 8, 1, 4, 64), inv);
        // wavelengths 2π·500000^(i/8): 6.3 (< 64/4, kept), 32.6 (between, smoothed), 169 and longer (> 64, ÷ 8)
        assertEquals(1f, inv[0]);
        assertTrue(inv[1] > plain[1] / 8 && inv[1] < plain[1], inv[1] + " between " + plain[1] / 8 + " and " + plain[1]);
        double s = (64 / (2 * Math.PI / plain[1]) - 1) / 3;
        assertEquals((1 - s) * plain[1] / 8 + s * plain[1], inv[1], 1e-7);
        for (int i = 2; i < inv.length; i++) {
            assertEquals(plain[i] / 8f, inv[i], "low frequency " + i);
        }
    }

    @Test
    void llama31SizesMatchTheFormula() throws Exception {
        Rope r = llama(",\"rope_theta\":500000.0,\"rope_scaling\":{\"rope_type\":\"llama3\",\"factor\":8.0,"
                + "\"low_freq_factor\":1.0,\"high_freq_factor\":4.0,\"original_max_position_embeddings\":8192}").rope();
        float[] inv = r.inverseFrequencies(128);
        close(reference("llama3", 500000, 128, 8, 1, 4, 8192), inv);
        int kept = 0;
        int divided = 0;
        float[] plain = llama(",\"rope_theta\":500000.0").rope().inverseFrequencies(128);
        for (int i = 0; i < inv.length; i++) {
            kept += inv[i] == plain[i] ? 1 : 0;
            divided += inv[i] == plain[i] / 8f ? 1 : 0;
        }
        // wavelength 2π·500000^(i/64) is below 2048 up to i = 28 and above 8192 from i = 35
        assertEquals(29, kept);
        assertEquals(29, divided);
    }

    @Test
    void bothSpellingsAndThetaPlacesGiveTheSameRope() throws Exception {
        String fields = "\"factor\":8.0,\"low_freq_factor\":1.0,\"high_freq_factor\":4.0,"
                + "\"original_max_position_embeddings\":64";
        Rope v5 = llama(",\"rope_parameters\":{\"rope_type\":\"llama3\",\"rope_theta\":500000.0," + fields + "}").rope();
        Rope v4 = llama(",\"rope_theta\":500000.0,\"rope_scaling\":{\"rope_type\":\"llama3\"," + fields + "}").rope();
        Rope old = llama(",\"rope_theta\":500000,\"rope_scaling\":{\"type\":\"llama3\"," + fields + "}").rope();
        Rope both = llama(",\"rope_theta\":500000.0,\"rope_scaling\":{\"rope_type\":\"llama3\"," + fields + "},"
                + "\"rope_parameters\":{\"rope_type\":\"llama3\",\"rope_theta\":500000.0," + fields + "}").rope();
        assertEquals(v5, v4);
        assertEquals(v5, old);
        assertEquals(v5, both);
        assertEquals(llama("").rope(), llama(",\"rope_scaling\":null,\"rope_parameters\":{\"rope_type\":\"default\"}").rope());
    }
}
