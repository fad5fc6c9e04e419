package io.linforge.exporter.triton;

import com.google.protobuf.TextFormat;
import io.linforge.core.LinforgeException;
import io.linforge.core.io.AtomicFiles;
import io.linforge.core.onnx.proto.Onnx;
import io.linforge.exporter.triton.proto.ModelConfigProto.DataType;
import io.linforge.exporter.triton.proto.ModelConfigProto.ModelConfig;
import io.linforge.exporter.triton.proto.ModelConfigProto.ModelDynamicBatching;
import io.linforge.exporter.triton.proto.ModelConfigProto.ModelInput;
import io.linforge.exporter.triton.proto.ModelConfigProto.ModelOutput;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A Triton Inference Server model repository for an exported model:
 * {@code <repo>/<name>/config.pbtxt} (ONNX Runtime backend, inputs and outputs from the graph with
 * the batch axis left to Triton, dynamic batching) and {@code <repo>/<name>/1/model.onnx}.
 */
public final class TritonRepository {
    private TritonRepository() {
    }

    static DataType type(int onnxType) {
        return switch (onnxType) {
            case 1 -> DataType.TYPE_FP32;
            case 10 -> DataType.TYPE_FP16;
            case 7 -> DataType.TYPE_INT64;
            case 6 -> DataType.TYPE_INT32;
            case 9 -> DataType.TYPE_BOOL;
            case 11 -> DataType.TYPE_FP64;
            default -> throw LinforgeException.badInput("triton: unsupported ONNX type " + onnxType);
        };
    }

    /** dims without the leading batch axis; symbolic dims become -1. */
    static List<Long> dims(Onnx.ValueInfoProto v) {
        List<Onnx.TensorShapeProto.Dimension> ds = v.getType().getTensorType().getShape().getDimList();
        return ds.subList(1, ds.size()).stream().map(d -> d.hasDimValue() ? d.getDimValue() : -1L).toList();
    }

    /** The config for {@code onnx} under {@code name} (ONNX Runtime backend). */
    public static ModelConfig config(Path onnx, String name, int maxBatch) throws IOException {
        return config(onnx, name, maxBatch, false);
    }

    /**
     * The config for {@code onnx} under {@code name}: the ONNX Runtime backend, or with
     * {@code plan} the TensorRT backend serving the engine built from it, whose int64 inputs
     * TensorRT 8.6 takes as int32.
     */
    public static ModelConfig config(Path onnx, String name, int maxBatch, boolean plan) throws IOException {
        Onnx.ModelProto m;
        try (InputStream in = Files.newInputStream(onnx)) {
            m = Onnx.ModelProto.parseFrom(in);
        }
        Set<String> inits = new HashSet<>();
        m.getGraph().getInitializerList().forEach(t -> inits.add(t.getName()));
        ModelConfig.Builder c = ModelConfig.newBuilder().setName(name).setBackend(plan ? "tensorrt" : "onnxruntime")
                .setPlatform(plan ? "tensorrt_plan" : "onnxruntime_onnx").setMaxBatchSize(maxBatch)
                .setDynamicBatching(ModelDynamicBatching.newBuilder().setMaxQueueDelayMicroseconds(100));
        for (Onnx.ValueInfoProto v : m.getGraph().getInputList()) {
            if (!inits.contains(v.getName())) {
                DataType t = type(v.getType().getTensorType().getElemType());
                c.addInput(ModelInput.newBuilder().setName(v.getName())
                        .setDataType(plan && t == DataType.TYPE_INT64 ? DataType.TYPE_INT32 : t).addAllDims(dims(v)));
            }
        }
        for (Onnx.ValueInfoProto v : m.getGraph().getOutputList()) {
            c.addOutput(ModelOutput.newBuilder().setName(v.getName())
                    .setDataType(type(v.getType().getTensorType().getElemType())).addAllDims(dims(v)));
        }
        return c.build();
    }

    /**
     * Writes (or replaces) {@code repo/name} serving the TensorRT engine {@code plan} built from
     * {@code onnx} ({@code 1/model.plan}, platform {@code tensorrt_plan}); {@code maxBatch} must not
     * exceed the engine profile's largest batch. Returns that folder.
     */
    public static Path writePlan(Path repo, String name, Path onnx, Path plan, int maxBatch) throws IOException {
        checkName(name);
        return writeEntry(repo, config(onnx, name, maxBatch, true), plan, "model.plan");
    }

    /** {@code repo/<name>/config.pbtxt} and {@code repo/<name>/1/<file>} (a copy of {@code model}), written atomically. */
    private static Path writeEntry(Path repo, ModelConfig cfg, Path model, String file) throws IOException {
        Path dir = repo.resolve(cfg.getName());
        Files.createDirectories(repo);
        AtomicFiles.writeDir(dir, tmp -> {
            AtomicFiles.writeString(tmp.resolve("config.pbtxt"), TextFormat.printer().printToString(cfg));
            Files.createDirectories(tmp.resolve("1"));
            Files.copy(model, tmp.resolve("1").resolve(file));
        });
        return dir;
    }

    private static void checkName(String name) {
        if (!name.matches("[A-Za-z0-9_.-]+")) {
            throw LinforgeException.badInput("--triton-name: '" + name + "' (letters, digits, '.', '-', '_')");
        }
    }

    /** Writes (or replaces) {@code repo/name}; returns that folder. */
    public static Path write(Path repo, String name, Path onnx, int maxBatch) throws IOException {
        checkName(name);
        if (Files.exists(onnx.resolveSibling("model.onnx.data"))) {
            throw LinforgeException.badInput(onnx, "external data", "Triton layout for models with external data is not supported");
        }
        return writeEntry(repo, config(onnx, name, maxBatch), onnx, "model.onnx");
    }
}
