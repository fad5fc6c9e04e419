package io.linforge.exporter;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.linforge.core.LinforgeException;
import io.linforge.core.Versions;
import io.linforge.core.checkpoint.Checkpoint;
import io.linforge.core.config.ModelConfig;
import io.linforge.core.io.AtomicFiles;
import io.linforge.core.io.Hashes;
import io.linforge.core.onnx.GraphBuilder;
import io.linforge.core.onnx.Pooling;
import io.linforge.core.onnx.proto.Onnx.ModelProto;
import io.linforge.core.tensor.TensorData;
import io.linforge.core.tensor.TensorSource;
import io.linforge.exporter.merge.Merger;
import io.linforge.model.DecoderModel;
import io.linforge.model.EncoderModel;
import io.linforge.model.TransformerModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Writes a checkpoint (with adapters folded in) as an ONNX model folder: {@code model.onnx}
 * (+ {@code model.onnx.data} past 2 GB), {@code config.json} and {@code tokenizer.json}. The
 * graph comes from the same block classes that run the model on DJL. The whole folder is
 * written to a temporary sibling and renamed into place.
 */
public final class OnnxExporter {
    /**
     * Export settings. {@code pooling} other than NONE (encoders without a classification head)
     * makes {@code sentence_embedding} [batch, hidden] the only output; {@code normalize} L2-normalizes it.
     * {@code flatTokens}: hidden states as [tokens, hidden] rather than [tokens, 1, hidden]
     * (encoders) or [batch, sequence, hidden] (decoders); the layout of exports meant for TensorRT
     * (see {@code OnnxEmitter.flatTokens}).
     * {@code tanhGelu}: GELU computed with its tanh approximation (what {@code hidden_act gelu_new} names) in
     * place of a checkpoint's exact erf GELU, an explicit approximation the export records
     * ({@code linforge.gelu} in its metadata, {@code hidden_act} in its config.json); TensorRT fuses the tanh
     * form into the matrix product before it, and has no fused form of erf.
     */
    public record Options(boolean fp16, int opset, boolean kvCache, boolean externalData, Pooling pooling,
            boolean normalize, boolean flatTokens, boolean halfSoftmax, boolean tanhGelu) {
        public Options {
            if (pooling == null) {
                pooling = Pooling.NONE;
            }
            if (halfSoftmax && !fp16) {
                throw LinforgeException.badInput("--fp16-softmax needs --fp16 (an fp32 export computes its softmax in fp32)");
            }
        }

        public Options(boolean fp16, int opset, boolean kvCache, boolean externalData, Pooling pooling,
                boolean normalize, boolean flatTokens, boolean halfSoftmax) {
            this(fp16, opset, kvCache, externalData, pooling, normalize, flatTokens, halfSoftmax, false);
        }

        public Options(boolean fp16, int opset, boolean kvCache, boolean externalData, Pooling pooling,
                boolean normalize, boolean flatTokens) {
            this(fp16, opset, kvCache, externalData, pooling, normalize, flatTokens, false);
        }

        public Options(boolean fp16, int opset, boolean kvCache, boolean externalData, Pooling pooling,
                boolean normalize) {
            this(fp16, opset, kvCache, externalData, pooling, normalize, false);
        }

        public Options(boolean fp16, int opset, boolean kvCache, boolean externalData) {
            this(fp16, opset, kvCache, externalData, Pooling.NONE, false);
        }

        public Options withFlatTokens(boolean flat) {
            return new Options(fp16, opset, kvCache, externalData, pooling, normalize, flat, halfSoftmax, tanhGelu);
        }

        /** Attention scores and softmax in fp16 (fp16 exports only); see {@code OnnxEmitter.halfSoftmax}. */
        public Options withHalfSoftmax(boolean half) {
            return new Options(fp16, opset, kvCache, externalData, pooling, normalize, flatTokens, half, tanhGelu);
        }

        /** GELU in its tanh form in place of the exact one (see the record's documentation). */
        public Options withTanhGelu(boolean tanh) {
            return new Options(fp16, opset, kvCache, externalData, pooling, normalize, flatTokens, halfSoftmax, tanh);
        }

        public static Options defaults() {
            return new Options(false, GraphBuilder.DEFAULT_OPSET, true, false);
        }

        public boolean pooled() {
            return pooling != Pooling.NONE;
        }
    }

    /** What was written. */
    public record Result(Path dir, Path onnx, ModelConfig config, long parameters, long bytes, boolean decoder) {
    }

    /** The config.json keys that record a pooled export's pooling and normalization. */
    public static final String POOLING_KEY = "linforge_pooling";
    public static final String NORMALIZE_KEY = "linforge_normalize";

    private OnnxExporter() {
    }

    /** The adapted weights and config: the base with every adapter applied in order. */
    public static Map<String, TensorData> mergedTensors(Checkpoint ckpt, List<Path> adapters) {
        return adapters.isEmpty() ? ckpt.tensors() : Merger.merge(ckpt, adapters);
    }

    /** An adapter folder may carry the config of the model it was trained as (e.g. a classifier's labels). */
    public static ModelConfig mergedConfig(Checkpoint ckpt, List<Path> adapters) {
        ModelConfig c = ckpt.config();
        for (Path a : adapters) {
            Path cfg = a.resolve(Checkpoint.CONFIG);
            if (Files.isRegularFile(cfg)) {
                c = ModelConfig.read(cfg);
            }
        }
        return c;
    }

    public static ModelProto graph(TransformerModel model, Options o) {
        return graphBuilder(model, o).build();
    }

    /** The export's graph before it is built: {@code GraphBuilder.save} converts and streams its weights. */
    public static GraphBuilder graphBuilder(TransformerModel model, Options o) {
        if (model instanceof EncoderModel enc) {
            return enc.toGraph(o.fp16(), o.opset(), o.pooling(), o.normalize(), o.flatTokens(), o.halfSoftmax());
        }
        if (o.pooled()) {
            throw LinforgeException.badInput("--pooling: " + model.config().modelType()
                    + " is a decoder; pooling applies to encoders (bert, roberta)");
        }
        if (o.normalize()) {
            throw LinforgeException.badInput("--normalize needs --pooling mean or cls");
        }
        return ((DecoderModel) model).toGraph(o.fp16(), o.opset(), o.kvCache(), o.flatTokens(), o.halfSoftmax());
    }

    /** The ONNX metadata_props keys of an export's provenance. */
    public static final String VERSION_KEY = "linforge.version";
    public static final String BASE_SHA256_KEY = "linforge.base_sha256";
    public static final String ADAPTERS_KEY = "linforge.adapters";
    public static final String OPSET_KEY = "linforge.opset";
    public static final String COMPRESSION_KEY = "linforge.compression";
    /** "tanh" when the export was asked for the tanh form of GELU ({@link Options#tanhGelu}). */
    public static final String GELU_KEY = "linforge.gelu";
    /** The {@code hidden_act} of the tanh form of GELU. */
    static final String TANH_GELU = "gelu_new";

    /**
     * {@code model} with its provenance in {@code metadata_props}: the linforge version, the sha256
     * of each of the base checkpoint's safetensors files ({"model.safetensors": hex}), the adapters
     * folded in, in order, with the sha256 of each of their files ([{"name", "sha256": {file: hex}}]),
     * the opset and the compression applied ({"linear_layers": [...]}, the layers replaced by fitted
     * linear maps). The precision is {@code linforge.precision}, which the graph carries already.
     */
    static void addProvenance(GraphBuilder model, Checkpoint ckpt, List<Path> adapters, ModelConfig config, Options o)
            throws IOException {
        ObjectMapper json = new ObjectMapper();
        ObjectNode base = json.createObjectNode();
        for (Path f : ckpt.weightFiles()) {
            base.put(f.getFileName().toString(), Hashes.sha256(f));
        }
        ArrayNode adapterList = json.createArrayNode();
        for (Path a : adapters) {
            ObjectNode entry = adapterList.addObject().put("name", a.toAbsolutePath().normalize().getFileName().toString());
            ObjectNode files = entry.putObject("sha256");
            try (Stream<Path> s = Files.list(a)) {
                for (Path f : s.filter(Files::isRegularFile).filter(f -> !f.getFileName().toString().startsWith("."))
                        .sorted().toList()) {
                    files.put(f.getFileName().toString(), Hashes.sha256(f));
                }
            }
        }
        ObjectNode compression = json.createObjectNode();
        ArrayNode linear = compression.putArray("linear_layers");
        config.linearLayers().forEach(linear::add);
        Map<String, String> props = new LinkedHashMap<>();
        props.put(VERSION_KEY, Versions.linforge());
        props.put(BASE_SHA256_KEY, json.writeValueAsString(base));
        props.put(ADAPTERS_KEY, json.writeValueAsString(adapterList));
        props.put(OPSET_KEY, Integer.toString(o.opset()));
        props.put(COMPRESSION_KEY, json.writeValueAsString(compression));
        if (o.tanhGelu()) {
            props.put(GELU_KEY, "tanh");
        }
        props.forEach(model::metadata);
    }

    /** {@code config} with GELU in its tanh form; a model without GELU has nothing to approximate (bad input). */
    static ModelConfig tanhGelu(ModelConfig config, Path modelDir) {
        String act = config.hiddenAct();
        return switch (act) {
            case "gelu" -> config.toBuilder().set("hidden_act", TANH_GELU).build();
            case "gelu_new", "gelu_pytorch_tanh" -> config;   // the checkpoint's own form already
            default -> throw LinforgeException.badInput(modelDir.resolve(Checkpoint.CONFIG), "hidden_act",
                    "'" + act + "' is not GELU; --gelu-approximation tanh applies to models with hidden_act gelu");
        };
    }

    public static Result export(Path modelDir, List<Path> adapters, Path out, Options o) {
        if (o.opset() < 12 || o.opset() > GraphBuilder.MAX_OPSET) {
            throw LinforgeException.badInput("--opset: " + o.opset() + " is outside the supported 12.." + GraphBuilder.MAX_OPSET);
        }
        if (o.normalize() && !o.pooled()) {
            throw LinforgeException.badInput("--normalize needs --pooling mean or cls");
        }
        try (Checkpoint ckpt = Checkpoint.open(modelDir); NDManager root = NDManager.newBaseManager()) {
            ModelConfig merged = mergedConfig(ckpt, adapters);
            if (o.pooled() && merged.isDecoder()) {
                throw LinforgeException.badInput("--pooling: " + merged.modelType()
                        + " is a decoder; pooling applies to encoders (bert, roberta)");
            }
            ModelConfig pooled = o.pooled() ? merged.toBuilder().set(POOLING_KEY, o.pooling().id())
                    .set(NORMALIZE_KEY, o.normalize()).build() : merged;
            ModelConfig config = o.tanhGelu() ? tanhGelu(pooled, modelDir) : pooled;
            // without adapters the weights stay in the checkpoint's files until the graph is saved,
            // which converts them one at a time as it writes them
            Map<String, ? extends TensorSource> tensors = adapters.isEmpty() ? ckpt.sources() : mergedTensors(ckpt, adapters);
            long params;
            boolean decoder;
            long[] bytes = new long[1];
            try (TransformerModel model = TransformerModel.loadDeferred(config, tensors, modelDir, root)) {
                GraphBuilder graph = graphBuilder(model, o);
                addProvenance(graph, ckpt, adapters, config, o);
                params = model.parameterCount();
                decoder = model instanceof DecoderModel;
                AtomicFiles.writeDir(out, tmp -> {
                    Path onnx = tmp.resolve("model.onnx");
                    graph.save(onnx, o.externalData());
                    config.write(tmp.resolve(Checkpoint.CONFIG));
                    if (ckpt.tokenizerJson().isPresent()) {
                        Checkpoint.copyTokenizer(ckpt.tokenizerJson().get(), tmp);
                    }
                    Path data = tmp.resolve("model.onnx.data");
                    bytes[0] = Files.size(onnx) + (Files.exists(data) ? Files.size(data) : 0);
                });
            }
            return new Result(out, out.resolve("model.onnx"), config, params, bytes[0], decoder);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
