package io.linforge.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.linforge.core.LinforgeException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The host-side conversions of TensorRtSession, on buffers laid out as the engine's host buffers are. */
class TensorRtSessionCodecTest {
    static final Path PLAN = Path.of("m.plan");

    static ByteBuffer buffer(int bytes) {
        return ByteBuffer.allocateDirect(bytes).order(ByteOrder.nativeOrder());
    }

    @Test
    void tokenIdsAreWrittenAsInt64RowMajor() {
        ByteBuffer b = buffer(6 * 8);
        TensorRtSession.encodeTokens(PLAN, "input_ids", new long[][] {{101, 7592, 102}, {101, -1, 5000000000L}},
                TensorType.INT64, b);
        assertEquals(48, b.remaining());
        long[] got = new long[6];
        b.asLongBuffer().get(got);
        assertArrayEquals(new long[] {101, 7592, 102, 101, -1, 5000000000L}, got);
    }

    @Test
    void int32EnginesGetNarrowedIdsAndOutOfRangeIdsAreBadInput() {
        ByteBuffer b = buffer(4 * 4);
        TensorRtSession.encodeTokens(PLAN, "input_ids", new long[][] {{1, 2}, {Integer.MAX_VALUE, Integer.MIN_VALUE}},
                TensorType.INT32, b);
        int[] got = new int[4];
        b.asIntBuffer().get(got);
        assertArrayEquals(new int[] {1, 2, Integer.MAX_VALUE, Integer.MIN_VALUE}, got);
        LinforgeException e = assertThrows(LinforgeException.class, () -> TensorRtSession.encodeTokens(PLAN, "input_ids",
                new long[][] {{1L << 31}}, TensorType.INT32, buffer(4)));
        assertEquals(2, e.exitCode());
        assertTrue(e.getMessage().startsWith("m.plan: inputs: input 'input_ids' is int32 in the model but holds 2147483648"),
                e.getMessage());
        LinforgeException ragged = assertThrows(LinforgeException.class, () -> TensorRtSession.encodeTokens(PLAN,
                "attention_mask", new long[][] {{1, 1}, {1}}, TensorType.INT64, buffer(32)));
        assertTrue(ragged.getMessage().contains("'attention_mask' has rows of different lengths (2 and 1)"));
    }

    @Test
    void floatInputsAreWrittenInTheEnginesPrecision() {
        ByteBuffer h = buffer(8);
        TensorRtSession.encodeFloats(new float[] {1f, -2.5f, 65504f, 1e-8f}, TensorType.FLOAT16, h);
        short[] half = new short[4];
        h.asShortBuffer().get(half);
        assertArrayEquals(new short[] {0x3c00, (short) 0xc100, 0x7bff, 0}, half);
        ByteBuffer bf = buffer(10);
        // 1 + 2^-8 and 1 + 3 * 2^-8 are halfway between bf16 neighbours: ties go to the even one
        TensorRtSession.encodeFloats(new float[] {1f, -2.5f, 1.00390625f, 1.01171875f, Float.NaN}, TensorType.BFLOAT16, bf);
        short[] b16 = new short[5];
        bf.asShortBuffer().get(b16);
        assertEquals(0x3f80, b16[0]);
        assertEquals((short) 0xc020, b16[1]);
        assertEquals(0x3f80, b16[2]);
        assertEquals(0x3f82, b16[3]);
        assertTrue(Float.isNaN(Float.intBitsToFloat(b16[4] << 16)));
        ByteBuffer f = buffer(8);
        TensorRtSession.encodeFloats(new float[] {0.1f, -3f}, TensorType.FLOAT32, f);
        assertEquals(0.1f, f.getFloat(0));
        assertEquals(-3f, f.getFloat(4));
    }

    @Test
    void outputsOfEveryTypeComeBackAsFloats() {
        ByteBuffer h = buffer(8);
        h.asShortBuffer().put(new short[] {0x3c00, (short) 0xc100, 0x7bff, 0x0001});
        assertArrayEquals(new float[] {1f, -2.5f, 65504f, 0x1p-24f}, TensorRtSession.decode(h, TensorType.FLOAT16, 4));
        ByteBuffer bf = buffer(4);
        bf.asShortBuffer().put(new short[] {0x3f80, (short) 0xc020});
        assertArrayEquals(new float[] {1f, -2.5f}, TensorRtSession.decode(bf, TensorType.BFLOAT16, 2));
        ByteBuffer f = buffer(8);
        f.asFloatBuffer().put(new float[] {0.25f, -7.5f});
        assertArrayEquals(new float[] {0.25f, -7.5f}, TensorRtSession.decode(f, TensorType.FLOAT32, 2));
        ByteBuffer l = buffer(16);
        l.asLongBuffer().put(new long[] {7, -3});
        assertArrayEquals(new float[] {7f, -3f}, TensorRtSession.decode(l, TensorType.INT64, 2));
        ByteBuffer i = buffer(8);
        i.asIntBuffer().put(new int[] {42, -1});
        assertArrayEquals(new float[] {42f, -1f}, TensorRtSession.decode(i, TensorType.INT32, 2));
        ByteBuffer b = buffer(3);
        b.put(new byte[] {0, 1, (byte) 0xff}).flip();
        assertArrayEquals(new float[] {0f, 1f, 1f}, TensorRtSession.decode(b, TensorType.BOOL, 3));
        assertArrayEquals(new float[] {0f, 1f, 255f}, TensorRtSession.decode(b, TensorType.UINT8, 3));
        assertArrayEquals(new float[] {0f, 1f, -1f}, TensorRtSession.decode(b, TensorType.INT8, 3));
    }

    @Test
    void halfPrecisionRoundTripsThroughTheCodec() {
        float[] v = {0.1f, -0.333f, 3.14159f, 1000.5f, -6.1e-5f};
        ByteBuffer h = buffer(10);
        TensorRtSession.encodeFloats(v, TensorType.FLOAT16, h);
        float[] back = TensorRtSession.decode(h, TensorType.FLOAT16, 5);
        for (int k = 0; k < v.length; k++) {
            assertEquals(v[k], back[k], Math.abs(v[k]) * 0x1p-11f, "fp16 keeps 11 significant bits: " + v[k]);
        }
        ByteBuffer b = buffer(10);
        TensorRtSession.encodeFloats(v, TensorType.BFLOAT16, b);
        float[] bback = TensorRtSession.decode(b, TensorType.BFLOAT16, 5);
        for (int k = 0; k < v.length; k++) {
            assertEquals(v[k], bback[k], Math.abs(v[k]) * 0x1p-8f, "bf16 keeps 8 significant bits: " + v[k]);
        }
    }

    @Test
    void dynamicDimensionsAreShownAsQuestionMarks() {
        assertEquals(List.of("?", "2", "?", "16"), TensorRtSession.dimNames(new long[] {-1, 2, -1, 16}));
        assertEquals(0, TensorRtSession.elements(new long[] {1, 2, 0, 16}));
        assertEquals(24, TensorRtSession.elements(new long[] {2, 3, 4}));
        long[][] p = InferenceSession.defaultPositions(java.util.Map.of("input_ids", new long[2][3]));
        assertEquals(2, p.length);
        assertArrayEquals(new long[] {0, 1, 2}, p[1]);
        assertEquals(null, InferenceSession.defaultPositions(java.util.Map.of()));
    }
}
