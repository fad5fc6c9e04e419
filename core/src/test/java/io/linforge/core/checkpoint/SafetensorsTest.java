package io.linforge.core.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.linforge.core.LinforgeException;
import io.linforge.core.config.ModelConfig;
import io.linforge.core.tensor.DType;
import io.linforge.core.tensor.Half;
import io.linforge.core.tensor.TensorData;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsTest {
    @TempDir
    Path dir;

    static TensorData shorts(DType dt, long[] shape, int... bits) {
        ByteBuffer b = ByteBuffer.allocate(bits.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (int v : bits) {
            b.putShort((short) v);
        }
        b.flip();
        return new TensorData(dt, shape, b);
    }

    /** Writes a file with a hand-made header, to build broken files. */
    Path raw(String header, int dataBytes, long headerLenOverride) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(headerLenOverride >= 0 ? headerLenOverride : h.length).put(h);
        Path p = dir.resolve("bad.safetensors");
        Files.write(p, b.array());
        return p;
    }

    LinforgeException bad(Path p) {
        LinforgeException e = assertThrows(LinforgeException.class, () -> SafetensorsFile.open(p).close());
        assertEquals(2, e.exitCode());
        assertTrue(e.getMessage().startsWith(p.toString()), e.getMessage());
        assertEquals(1, e.getMessage().lines().count());
        return e;
    }

    @Test
    void roundTripF32F16Bf16() {
        Map<String, TensorData> t = new LinkedHashMap<>();
        t.put("a.weight", TensorData.ofFloats(new long[] {2, 3}, new float[] {1, -2, 3.5f, 0, 1e-3f, -7}));
        // fp16 bits: 1.0 = 0x3C00, -2.0 = 0xC000, 0.5 = 0x3800, 65504 = 0x7BFF
        t.put("b.half", shorts(DType.F16, new long[] {4}, 0x3C00, 0xC000, 0x3800, 0x7BFF));
        // bf16 bits: 1.0 = 0x3F80, -3.0 = 0xC040, 0.15625 = 0x3E20
        t.put("c.bf16", shorts(DType.BF16, new long[] {3}, 0x3F80, 0xC040, 0x3E20));
        t.put("d.ids", TensorData.ofLongs(new long[] {1, 2}, new long[] {101, 102}));
        Path f = dir.resolve("m.safetensors");
        Safetensors.write(f, t, Map.of("format", "pt"));
        try (SafetensorsFile r = SafetensorsFile.open(f)) {
            assertEquals(java.util.List.of("a.weight", "b.half", "c.bf16", "d.ids"), java.util.List.copyOf(r.names()));
            assertEquals("pt", r.metadata().get("format"));
            assertArrayEquals(new float[] {1, -2, 3.5f, 0, 1e-3f, -7}, r.get("a.weight").toFloats());
            assertArrayEquals(new long[] {2, 3}, r.get("a.weight").shape());
            assertArrayEquals(new float[] {1f, -2f, 0.5f, 65504f}, r.get("b.half").toFloats());
            TensorData bf = r.get("c.bf16");
            assertEquals(DType.BF16, bf.dtype());
            assertEquals(DType.F32, bf.toF32().dtype());
            assertArrayEquals(new float[] {1f, -3f, 0.15625f}, bf.toF32().toFloats());
            assertArrayEquals(new long[] {101, 102}, r.get("d.ids").toLongs());
        }
        // header length is a multiple of 8 and data is laid out contiguously
        ByteBuffer head = ByteBuffer.wrap(readBytes(f)).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(0, head.getLong(0) % 8);
    }

    @Test
    void halfConversionRoundsToNearestEven() {
        assertEquals(0x3C00, Half.fromFloat(1.0f) & 0xffff);
        assertEquals(0x3C00, Half.fromFloat(1.0f + 0x1p-11f) & 0xffff); // tie -> even
        assertEquals(0x3C01, Half.fromFloat(1.0f + 0x1p-11f + 0x1p-20f) & 0xffff);
        assertEquals(0x0001, Half.fromFloat(0x1p-24f) & 0xffff); // smallest subnormal
        assertEquals(0x7C00, Half.fromFloat(70000f) & 0xffff); // overflow -> inf
        for (float v : new float[] {0.1f, -3.14159f, 1234.5f, 6.1e-5f}) {
            float back = Half.toFloat(Half.fromFloat(v));
            assertTrue(Math.abs(back - v) <= Math.abs(v) * 0x1p-11f, v + " -> " + back);
        }
    }

    static byte[] readBytes(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
    }

    @Test
    void shardedCheckpointRoundTrip() throws IOException {
        ModelConfig cfg = ModelConfig.builder("bert").set("vocab_size", 10).set("hidden_size", 4)
                .set("num_hidden_layers", 1).set("num_attention_heads", 2).set("intermediate_size", 8)
                .architectures("BertModel").build();
        Map<String, TensorData> t = new LinkedHashMap<>();
        for (int i = 0; i < 5; i++) {
            float[] v = new float[16];
            for (int j = 0; j < v.length; j++) {
                v[j] = i * 100 + j;
            }
            t.put("t" + i, TensorData.ofFloats(new long[] {4, 4}, v));
        }
        Path out = dir.resolve("ckpt");
        Checkpoint.save(out, cfg, t, null, 130); // 64 bytes per tensor -> 3 shards
        assertTrue(Files.isRegularFile(out.resolve(Checkpoint.INDEX)));
        assertTrue(Files.isRegularFile(out.resolve("model-00003-of-00003.safetensors")));
        try (Checkpoint c = Checkpoint.open(out)) {
            assertEquals(3, c.fileCount());
            assertEquals(5, c.tensorNames().size());
            assertEquals(403f, c.tensor("t4").toFloats()[3]);
            assertEquals("bert", c.config().modelType());
            assertEquals(2, c.config().headDim());
        }
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(1, s.count(), "no temporary folder may remain");
        }
    }

    @Test
    void truncatedFile() throws IOException {
        Path ok = dir.resolve("ok.safetensors");
        Safetensors.write(ok, Map.of("w", TensorData.ofFloats(new long[] {8}, new float[8])), null);
        byte[] all = Files.readAllBytes(ok);
        Path p = dir.resolve("trunc.safetensors");
        Files.write(p, java.util.Arrays.copyOf(all, all.length - 5));
        assertTrue(bad(p).getMessage().contains("w.data_offsets"));
        Path tiny = dir.resolve("tiny.safetensors");
        Files.write(tiny, new byte[] {1, 2, 3});
        assertTrue(bad(tiny).getMessage().contains("header length"));
    }

    @Test
    void offsetsPastTheEnd() throws IOException {
        Path p = raw("{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[16,32]}}", 16, -1);
        LinforgeException e = bad(p);
        assertTrue(e.getMessage().contains("w.data_offsets") && e.getMessage().contains("past the end"), e.getMessage());
    }

    @Test
    void overlappingRanges() throws IOException {
        Path p = raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[8,24]}}", 24, -1);
        LinforgeException e = bad(p);
        assertTrue(e.getMessage().contains("b.data_offsets") && e.getMessage().contains("overlaps 'a'"), e.getMessage());
    }

    @Test
    void hugeHeaderLength() throws IOException {
        Path p = raw("{}", 0, 100_000_001L);
        LinforgeException e = bad(p);
        assertTrue(e.getMessage().contains("header length"), e.getMessage());
        Path q = raw("{}", 0, 5000);
        assertTrue(bad(q).getMessage().contains("truncated"), "header length past the end of the file");
    }

    @Test
    void shapeAndDtypeMismatch() throws IOException {
        assertTrue(bad(raw("{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,16]}}", 16, -1)).getMessage()
                .contains("does not match shape"));
        assertTrue(bad(raw("{\"w\":{\"dtype\":\"Q4\",\"shape\":[4],\"data_offsets\":[0,16]}}", 16, -1)).getMessage()
                .contains("w.dtype"));
        assertTrue(bad(raw("{\"w\":{\"dtype\":\"F32\",\"shape\":[4],", 16, -1)).getMessage().contains("header"));
    }

    @Test
    void unknownModelType() throws IOException {
        Path c = dir.resolve("config.json");
        Files.writeString(c, "{\"model_type\": \"gpt_neox\", \"hidden_size\": 8}");
        LinforgeException e = assertThrows(LinforgeException.class, () -> ModelConfig.read(c));
        assertEquals(2, e.exitCode());
        assertTrue(e.getMessage().startsWith(c.toString()) && e.getMessage().contains("model_type"), e.getMessage());
        Files.writeString(c, "{\"model_type\": \"llama\", \"vocab_size\": 8, \"hidden_size\": \"big\"}");
        LinforgeException f = assertThrows(LinforgeException.class, () -> ModelConfig.read(c));
        assertTrue(f.getMessage().contains("hidden_size"), f.getMessage());
    }

    @Test
    void llamaConfigDefaultsAndFields() throws IOException {
        Path c = dir.resolve("config.json");
        Files.writeString(c, "{\"model_type\":\"llama\",\"vocab_size\":256,\"hidden_size\":64,\"num_hidden_layers\":2,"
                + "\"num_attention_heads\":4,\"num_key_value_heads\":2,\"intermediate_size\":128,"
                + "\"rope_theta\":500000.0,\"rms_norm_eps\":1e-5,\"tie_word_embeddings\":false,\"top_k\":7}");
        ModelConfig m = ModelConfig.read(c);
        assertEquals(2, m.numKeyValueHeads());
        assertEquals(16, m.headDim());
        assertEquals(500000.0, m.rope().theta());
        assertEquals(1e-5, m.rmsNormEps());
        assertTrue(!m.tieWordEmbeddings());
        Path c2 = dir.resolve("out/config.json");
        Files.createDirectories(c2.getParent());
        m.write(c2);
        assertEquals(7, ModelConfig.read(c2).toJson().get("top_k").asInt());
    }
}
