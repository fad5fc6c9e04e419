package io.linforge.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.linforge.core.LinforgeException;
import io.linforge.core.checkpoint.Checkpoint;
import io.linforge.core.config.ModelConfig;
import io.linforge.core.onnx.OnnxImporter;
import io.linforge.core.onnx.proto.Onnx.ModelProto;
import io.linforge.core.onnx.proto.Onnx.StringStringEntryProto;
import io.linforge.core.onnx.proto.Onnx.ValueInfoProto;
import io.linforge.core.tensor.DType;
import io.linforge.core.tensor.TensorData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Options;

/** {@code linforge info DIR|FILE.onnx [--json FILE]}: what a checkpoint holds, or an ONNX model and its provenance. */
public final class InfoCommand implements Command {
    @Override
    public String name() {
        return "info";
    }

    @Override
    public String summary() {
        return "architecture, layers, sizes, parameter count and dtypes of a checkpoint; an ONNX model's provenance";
    }

    @Override
    public String positional() {
        return "DIR|FILE.onnx";
    }

    @Override
    public Options options() {
        return new Options().addOption(CliSupport.jsonOption());
    }

    @Override
    public int run(CommandLine cmd) throws Exception {
        if (cmd.getArgList().size() != 1) {
            throw LinforgeException.badInput("expected one checkpoint folder or ONNX file (linforge info DIR|FILE.onnx)");
        }
        Path dir = Path.of(cmd.getArgList().get(0));
        Path onnx = onnxFile(dir);
        if (onnx != null) {
            return onnxInfo(cmd, onnx);
        }
        ObjectNode out = CliSupport.JSON.createObjectNode();
        try (Checkpoint ckpt = Checkpoint.open(dir)) {
            ModelConfig c = ckpt.config();
            long params = 0;
            Map<DType, long[]> byType = new TreeMap<>();
            for (String n : ckpt.tensorNames()) {
                TensorData t = ckpt.tensor(n);
                params += t.numel();
                long[] acc = byType.computeIfAbsent(t.dtype(), k -> new long[3]);
                acc[0]++;
                acc[1] += t.numel();
                acc[2] += t.byteSize();
            }
            out.put("path", dir.toAbsolutePath().toString());
            out.put("model_type", c.modelType());
            out.set("architectures", CliSupport.JSON.valueToTree(c.architectures()));
            out.put("layers", c.numHiddenLayers());
            out.put("hidden_size", c.hiddenSize());
            out.put("heads", c.numAttentionHeads());
            out.put("kv_heads", c.numKeyValueHeads());
            out.put("head_dim", c.headDim());
            out.put("intermediate_size", c.intermediateSize());
            out.put("vocab_size", c.vocabSize());
            out.put("max_position_embeddings", c.maxPositionEmbeddings());
            out.put("tensors", ckpt.tensorNames().size());
            out.put("parameters", params);
            out.put("weight_files", ckpt.fileCount());
            ObjectNode dts = out.putObject("dtypes");
            byType.forEach((k, v) -> {
                ObjectNode d = dts.putObject(k.safetensorsName());
                d.put("tensors", v[0]);
                d.put("elements", v[1]);
                d.put("bytes", v[2]);
            });
            out.put("tokenizer", ckpt.tokenizerJson().isPresent());
        }
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("%s  %s%n", out.get("path").asText(), out.get("architectures")));
        sb.append(String.format("  model_type    %s%n", out.get("model_type").asText()));
        sb.append(String.format("  layers        %d%n", out.get("layers").asInt()));
        sb.append(String.format("  hidden        %d (heads %d, kv heads %d, head dim %d)%n", out.get("hidden_size").asInt(),
                out.get("heads").asInt(), out.get("kv_heads").asInt(), out.get("head_dim").asInt()));
        sb.append(String.format("  intermediate  %d%n", out.get("intermediate_size").asInt()));
        sb.append(String.format("  vocab         %d%n", out.get("vocab_size").asInt()));
        sb.append(String.format("  parameters    %,d in %d tensors (%d weight file%s)%n", out.get("parameters").asLong(),
                out.get("tensors").asInt(), out.get("weight_files").asInt(), out.get("weight_files").asInt() == 1 ? "" : "s"));
        out.get("dtypes").fields().forEachRemaining(e -> sb.append(String.format("  dtype %-7s %d tensors, %,d bytes%n",
                e.getKey(), e.getValue().get("tensors").asInt(), e.getValue().get("bytes").asLong())));
        sb.append(String.format("  tokenizer     %s%n", out.get("tokenizer").asBoolean() ? "tokenizer.json" : "none"));
        System.out.print(sb);
        CliSupport.writeJson(cmd, out);
        return 0;
    }

    /** The ONNX file to describe: DIR itself, or DIR/model.onnx of an export folder (no safetensors); else null. */
    static Path onnxFile(Path p) {
        if (p.getFileName() != null && p.getFileName().toString().endsWith(".onnx") && !Files.isDirectory(p)) {
            return p;
        }
        Path m = p.resolve("model.onnx");
        if (Files.isDirectory(p) && Files.isRegularFile(m) && !Files.exists(p.resolve(Checkpoint.WEIGHTS))
                && !Files.exists(p.resolve(Checkpoint.INDEX))) {
            return m;
        }
        return null;
    }

    /** An ONNX model: producer, opset, inputs and outputs, and its metadata (an export's provenance). */
    static int onnxInfo(CommandLine cmd, Path file) throws Exception {
        ModelProto m = OnnxImporter.read(file);
        ObjectNode out = CliSupport.JSON.createObjectNode();
        out.put("path", file.toAbsolutePath().toString());
        out.put("producer", m.getProducerName() + " " + m.getProducerVersion());
        m.getOpsetImportList().stream().filter(o -> o.getDomain().isEmpty()).findFirst()
                .ifPresent(o -> out.put("opset", o.getVersion()));
        List<String> inputs = m.getGraph().getInputList().stream().map(ValueInfoProto::getName).toList();
        List<String> outputs = m.getGraph().getOutputList().stream().map(ValueInfoProto::getName).toList();
        out.set("inputs", CliSupport.JSON.valueToTree(inputs));
        out.set("outputs", CliSupport.JSON.valueToTree(outputs));
        ObjectNode meta = out.putObject("metadata");
        for (StringStringEntryProto e : m.getMetadataPropsList()) {
            meta.put(e.getKey(), e.getValue());
        }
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("%s  ONNX, %s, opset %s%n", out.get("path").asText(), out.get("producer").asText(),
                out.path("opset").asText("?")));
        sb.append(String.format("  inputs        %s%n", String.join(", ", inputs)));
        sb.append(String.format("  outputs       %s%n", String.join(", ", outputs)));
        meta.fields().forEachRemaining(e -> sb.append(String.format("  %-22s %s%n", e.getKey(), e.getValue().asText())));
        System.out.print(sb);
        CliSupport.writeJson(cmd, out);
        return 0;
    }
}
