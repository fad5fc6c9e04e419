package io.linforge.core.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.linforge.core.LinforgeException;
import io.linforge.core.checkpoint.Safetensors;
import io.linforge.core.checkpoint.SafetensorsFile;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Chunked conversion and transposition equal the whole-tensor conversions, across chunk boundaries. */
class ConvertedTensorTest {
    @TempDir
    Path dir;

    static TensorData random(long rows, long cols, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[(int) (rows * cols)];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (r.nextGaussian() * 3);
        }
        return TensorData.ofFloats(new long[] {rows, cols}, v);
    }

    @Test
    void chunkedConversionsEqualTheWholeTensorOnes() {
        // 37 x 23: neither dimension divides the chunk sizes below
        TensorData bf16 = random(37, 23, 1).toBF16();
        for (int[] chunks : new int[][] {{64, 256}, {6, 10}, {1 << 20, 1 << 20}}) {
            for (DType to : new DType[] {DType.F32, DType.F16, DType.BF16}) {
                TensorData whole = switch (to) {
                    case F32 -> bf16.toF32();
                    case F16 -> bf16.toF16();
                    default -> bf16;
                };
                var plain = new ConvertedTensor("w", bf16, false, to, chunks[0], chunks[1]).toTensorData();
                assertEquals(whole.data(), plain.data(), to + " " + chunks[0]);
                var t = new ConvertedTensor("w", bf16, true, to, chunks[0], chunks[1]);
                assertArrayEquals(new long[] {23, 37}, t.shape());
                assertEquals(whole.transpose2d().data(), t.toTensorData().data(), to + " transposed " + chunks[0]);
            }
        }
        TensorData f32 = random(5, 7, 2);
        assertEquals(f32.toF16().transpose2d().data(), new ConvertedTensor("w", f32, true, DType.F16, 8, 16).toTensorData().data());
    }

    @Test
    void bfloat16RoundsToNearestEven() {
        // 1 + 2^-8 lies halfway between two bfloat16 values: it goes to the even one (1.0)
        assertEquals(0x3f80, TensorData.bfloat16(1f + 0x1p-8f) & 0xffff);
        // just above halfway rounds up
        assertEquals(0x3f81, TensorData.bfloat16(1f + 0x1p-8f + 0x1p-20f) & 0xffff);
        // 1 + 3·2^-8 is halfway between 0x3f81 and 0x3f82: the even one
        assertEquals(0x3f82, TensorData.bfloat16(1f + 3 * 0x1p-8f) & 0xffff);
        assertEquals(0xbf80, TensorData.bfloat16(-1f) & 0xffff);
        assertEquals(0x7f80, TensorData.bfloat16(Float.MAX_VALUE) & 0xffff);
    }

    @Test
    void aNonFiniteValueInAFileIsNamedByItsIndexInTheTensor() throws Exception {
        // past the first 16 MB chunk of the scan: 3000 x 3000 bf16 is 18 MB
        float[] v = new float[3000 * 3000];
        v[8_999_998] = Float.NEGATIVE_INFINITY;
        Path f = dir.resolve("w.safetensors");
        Safetensors.write(f, Map.of("layer.weight", TensorData.ofFloats(new long[] {3000, 3000}, v).toBF16()), Map.of());
        try (SafetensorsFile file = SafetensorsFile.open(f)) {
            LinforgeException e = assertThrows(LinforgeException.class, () -> file.source("layer.weight")
                    .requireFinite("layer.weight"));
            assertEquals(2, e.exitCode());
            assertEquals(f + ": layer.weight: non-finite value -Infinity at element 8999998 of 9000000 (BF16[3000, 3000]); "
                    + "NaN and infinite weights are refused", e.getMessage());
            v[8_999_998] = 0;
        }
        Safetensors.write(dir.resolve("ok.safetensors"), Map.of("w", TensorData.ofFloats(new long[] {3000, 3000}, v)
                .toBF16()), Map.of());
        try (SafetensorsFile file = SafetensorsFile.open(dir.resolve("ok.safetensors"))) {
            file.source("w").requireFinite("w");
        }
    }

    @Test
    void aFileSourceReadsTheStoredBytes() throws Exception {
        TensorData t = random(6, 4, 4).toF16();
        Path f = dir.resolve("a.safetensors");
        Safetensors.write(f, Map.of("a", random(2, 2, 5), "b", t), Map.of());
        try (SafetensorsFile file = SafetensorsFile.open(f)) {
            TensorSource src = file.source("b");
            assertEquals(f, src.origin());
            assertEquals(t.data(), src.load().data());
            ByteBuffer part = ByteBuffer.allocate(6);
            src.read(10, part);
            assertEquals(t.data().position(10).limit(16), part.flip());
        }
    }
}
