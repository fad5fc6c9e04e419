package io.linforge.core.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.linforge.core.LinforgeException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The non-finite scan reads F32, F16, BF16 and F64 bits, at every position, for odd and even counts. */
class TensorDataTest {
    static TensorData bf16(float[] f) {
        ByteBuffer b = ByteBuffer.allocate(f.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : f) {
            b.putShort((short) (Float.floatToRawIntBits(v) >>> 16));
        }
        return new TensorData(DType.BF16, new long[] {f.length}, b.flip());
    }

    static TensorData f64(float[] f) {
        ByteBuffer b = ByteBuffer.allocate(f.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : f) {
            b.putDouble(v);
        }
        return new TensorData(DType.F64, new long[] {f.length}, b.flip());
    }

    @Test
    void firstNonFiniteFindsTheFirstNanOrInfinityInEveryFloatingType() {
        Random r = new Random(1);
        for (int n : new int[] {1, 2, 3, 7, 16, 17, 40_000, 40_001}) {
            for (int at = -1; at < n; at += Math.max(1, n / 5)) {
                float[] f = new float[n];
                for (int i = 0; i < n; i++) {
                    f[i] = (float) (r.nextGaussian() * 1e3);
                }
                if (at >= 0) {
                    f[at] = at % 3 == 0 ? Float.NaN : at % 3 == 1 ? Float.NEGATIVE_INFINITY : Float.POSITIVE_INFINITY;
                    // a later bad value must not be the one reported
                    f[n - 1] = at < n - 1 ? Float.NaN : f[n - 1];
                }
                TensorData t = TensorData.ofFloats(new long[] {n}, f);
                String where = n + " elements, bad at " + at;
                assertEquals(at, t.firstNonFinite(), "F32 " + where);
                assertEquals(at, t.toF16().firstNonFinite(), "F16 " + where);
                assertEquals(at, bf16(f).firstNonFinite(), "BF16 " + where);
                assertEquals(at, f64(f).firstNonFinite(), "F64 " + where);
            }
        }
        assertEquals(-1, TensorData.ofLongs(new long[] {2}, new long[] {-1, Long.MAX_VALUE}).firstNonFinite());
        // finite values just below each format's overflow are finite
        assertEquals(-1, TensorData.ofFloats(new long[] {2}, new float[] {65504f, -65504f}).toF16().firstNonFinite());
        assertEquals(-1, TensorData.ofFloats(new long[] {1}, new float[] {Float.MAX_VALUE}).firstNonFinite());
    }

    @Test
    void requireFiniteNamesTheFileTheTensorAndTheElement() {
        TensorData ok = TensorData.ofFloats(new long[] {2}, new float[] {1, 2});
        assertSame(ok, ok.requireFinite("f.safetensors", "w"));
        LinforgeException e = assertThrows(LinforgeException.class, () -> TensorData.ofFloats(new long[] {1, 3},
                new float[] {1, 2, Float.NaN}).toF16().requireFinite("f.safetensors", "w"));
        assertEquals(LinforgeException.BAD_INPUT, e.exitCode());
        assertEquals("f.safetensors: w: non-finite value NaN at element 2 of 3 (F16[1, 3]); NaN and infinite weights"
                + " are refused", e.getMessage());
    }
}
