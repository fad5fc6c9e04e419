package io.linforge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.linforge.core.checkpoint.Safetensors;
import io.linforge.core.tensor.DType;
import io.linforge.core.tensor.TensorData;
import io.linforge.core.testing.BadInputTest;
import io.linforge.core.testing.BadInputs;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** NaN and infinity in checkpoints, adapters and numeric options are bad input: exit 2 naming where they are. */
class NonFiniteInputTest {
    static final Path HF = ExportCommandTest.HF;
    static final String TENSOR = "bert.encoder.layer.0.attention.self.key.weight";
    static final String LORA_B = "base_model.model.bert.encoder.layer.0.attention.self.value.lora_B.weight";

    @TempDir
    Path dir;

    Path copyWith(String src, String file, String name, UnaryOperator<TensorData> change) throws Exception {
        return copyWith(dir, src, file, name, change);
    }

    /**
     * A copy of fixture {@code src}'s files under {@code dir} with tensor {@code name} in {@code file}
     * rewritten by {@code change} (removed when it gives null, added when it is new).
     */
    static Path copyWith(Path dir, String src, String file, String name, UnaryOperator<TensorData> change)
            throws Exception {
        Path from = HF.resolve(src);
        Path out = Files.createTempDirectory(dir, from.getFileName().toString());
        try (var s = Files.list(from)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                Files.copy(p, out.resolve(p.getFileName()));
            }
        }
        Map<String, TensorData> t = new LinkedHashMap<>(Safetensors.readAll(from.resolve(file)));
        TensorData changed = change.apply(t.get(name));
        if (changed == null) {
            t.remove(name);
        } else {
            t.put(name, changed);
        }
        Files.delete(out.resolve(file));
        Safetensors.write(out.resolve(file), t, Map.of("format", "pt"));
        return out;
    }

    static TensorData withValue(TensorData t, int at, float v) {
        float[] f = t.toFloats();
        f[at] = v;
        return TensorData.ofFloats(t.shape(), f);
    }

    static void badInput(InfoCommandTest.Run r, String command, String... named) {
        assertEquals(2, r.code(), r.err() + r.out());
        // the engine's own start-up log lines aside (the first test of a JVM to load DJL), one line
        var lines = r.err().lines().filter(l -> !l.startsWith("[main] ")).toList();
        assertEquals(1, lines.size(), r.err());
        assertTrue(lines.get(0).startsWith("linforge " + command + ": "), r.err());
        for (String n : named) {
            assertTrue(lines.get(0).contains(n), n + " in: " + r.err());
        }
    }

    @BadInputTest
    void aCheckpointWithANanWeightIsRefusedNamingTheFileAndTensor() throws Exception {
        Path ckpt = copyWith("bert", "model.safetensors", TENSOR, t -> withValue(t, 5, Float.NaN));
        Path out = dir.resolve("out");
        InfoCommandTest.Run r = InfoCommandTest.run("export", "--model", ckpt.toString(), "--out", out.toString());
        badInput(r, "export", ckpt.resolve("model.safetensors").toString(), TENSOR, "NaN at element 5");
        BadInputs.input("a NaN or infinite weight in a checkpoint or adapter (F32, F16, BF16)").path(ckpt, "ckpt")
                .record(r.code(), r.err());
        assertFalse(Files.exists(out));
    }

    @Test
    void halfPrecisionInfinitiesAreFoundToo() throws Exception {
        // fp16: 1e6 does not fit and becomes +infinity
        Path f16 = copyWith("bert", "model.safetensors", TENSOR, t -> withValue(t, 7, 1e6f).toF16());
        badInput(InfoCommandTest.run("export", "--model", f16.toString(), "--out", dir.resolve("a").toString()),
                "export", TENSOR, "Infinity at element 7", "F16");
        // bf16: the top half of each fp32 value; element 3 is -infinity
        Path bf16 = copyWith("bert", "model.safetensors", TENSOR, t -> {
            float[] f = withValue(t, 3, Float.NEGATIVE_INFINITY).toFloats();
            ByteBuffer b = ByteBuffer.allocate(f.length * 2).order(ByteOrder.LITTLE_ENDIAN);
            for (float v : f) {
                b.putShort((short) (Float.floatToRawIntBits(v) >>> 16));
            }
            return new TensorData(DType.BF16, t.shape(), b.flip());
        });
        badInput(InfoCommandTest.run("export", "--model", bf16.toString(), "--out", dir.resolve("b").toString()),
                "export", TENSOR, "-Infinity at element 3", "BF16");
    }

    @Test
    void aNanInATensorTheExportDropsIsRefusedToo() throws Exception {
        // the key bias never reaches the graph (softmax cancels it), yet the checkpoint is refused
        String bias = "bert.encoder.layer.0.attention.self.key.bias";
        Path ckpt = copyWith("bert", "model.safetensors", bias, t -> withValue(t, 2, Float.NaN));
        Path out = dir.resolve("out");
        badInput(InfoCommandTest.run("export", "--model", ckpt.toString(), "--out", out.toString()), "export", bias,
                "NaN at element 2 of 32");
        assertFalse(Files.exists(out));
    }

    @BadInputTest
    void anAdapterWithAnInfiniteFactorIsRefusedNamingTheAdapterTensor() throws Exception {
        Path adapter = copyWith("bert_lora", "adapter_model.safetensors", LORA_B,
                t -> withValue(t, 0, Float.POSITIVE_INFINITY));
        Path out = dir.resolve("merged");
        InfoCommandTest.Run r = InfoCommandTest.run("export", "--model", HF.resolve("bert").toString(), "--adapter",
                adapter.toString(), "--out", out.toString());
        badInput(r, "export", adapter.resolve("adapter_model.safetensors").toString(), LORA_B);
        BadInputs.input("an adapter tensor that is NaN or infinite").path(adapter, "adapter").record(r.code(), r.err());
        assertFalse(Files.exists(out));
    }

    @BadInputTest
    void nonFiniteNumericOptionsAreBadUsage() {
        String data = dir.resolve("data.jsonl").toString();
        Path out = dir.resolve("adapter");
        InfoCommandTest.Run lr = InfoCommandTest.run("train", "--model", HF.resolve("bert").toString(), "--data", data,
                "--out", out.toString(), "--lr", "1e309");
        badInput(lr, "train", "--lr", "finite");
        BadInputs.input("a numeric option that is NaN or infinite (`--lr 1e309`, `--alpha NaN`)").record(lr.code(), lr.err());
        badInput(InfoCommandTest.run("train", "--model", HF.resolve("bert").toString(), "--data", data, "--out",
                out.toString(), "--alpha", "NaN"), "train", "--alpha", "finite");
        badInput(InfoCommandTest.run("validate", "--reference", "a.onnx", "--candidate", "b.onnx", "--data", data,
                "--min-cosine", "-Infinity"), "validate", "--min-cosine", "finite");
        assertFalse(Files.exists(out));
    }
}
