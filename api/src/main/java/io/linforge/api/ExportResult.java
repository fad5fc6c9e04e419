package io.linforge.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.linforge.exporter.TensorRtBuilder;
import java.nio.file.Path;
import java.util.List;

/**
 * What {@link Linforge#export} wrote.
 *
 * @param model the checkpoint folder
 * @param adapters the adapter folders folded in
 * @param onnx the written {@code model.onnx}
 * @param precision {@code fp32} or {@code fp16}
 * @param opset the ONNX opset
 * @param parameters parameters of the exported model
 * @param bytes size of {@code model.onnx} (and its external data)
 * @param decoder whether the model is a decoder
 * @param pooling {@code none}, {@code mean} or {@code cls}
 * @param normalize whether the pooled embedding is L2-normalized
 * @param seconds time of the ONNX export
 * @param triton the Triton entry written, or null
 * @param tensorrtParse TensorRT's parse of the graph, or null without {@code tensorrt}
 * @param tensorrt the engine built, or null
 * @param tritonTensorrt the Triton entry of the engine, or null
 * @param tensorrtError why the engine could not be built, or null
 */
public record ExportResult(Path model, List<Path> adapters, Path onnx, String precision, int opset, long parameters,
        long bytes, boolean decoder, String pooling, boolean normalize, double seconds, Path triton,
        TensorRtBuilder.ParseReport tensorrtParse, TensorRtBuilder.Result tensorrt, Path tritonTensorrt,
        String tensorrtError) {
    ExportResult withTriton(Path t) {
        return new ExportResult(model, adapters, onnx, precision, opset, parameters, bytes, decoder, pooling, normalize,
                seconds, t, tensorrtParse, tensorrt, tritonTensorrt, tensorrtError);
    }

    ExportResult withTensorRt(TensorRtBuilder.ParseReport parse, TensorRtBuilder.Result plan, Path tritonPlan, String error) {
        return new ExportResult(model, adapters, onnx, precision, opset, parameters, bytes, decoder, pooling, normalize,
                seconds, triton, parse, plan, tritonPlan, error);
    }

    /** The result as {@code linforge export --json} writes it. */
    public ObjectNode toJson() {
        ObjectNode j = Json.MAPPER.createObjectNode();
        j.put("model", model.toAbsolutePath().toString());
        j.set("adapters", Json.MAPPER.valueToTree(adapters.stream().map(p -> p.toAbsolutePath().toString()).toList()));
        j.put("onnx", onnx.toAbsolutePath().toString());
        j.put("precision", precision);
        j.put("opset", opset);
        j.put("parameters", parameters);
        j.put("bytes", bytes);
        j.put("decoder", decoder);
        j.put("pooling", pooling);
        j.put("normalize", normalize);
        j.put("seconds", seconds);
        if (triton != null) {
            j.put("triton", triton.toAbsolutePath().toString());
        }
        if (tensorrtParse != null) {
            ObjectNode n = j.putObject("tensorrt_parse");
            n.put("ok", tensorrtParse.ok());
            n.put("layers", tensorrtParse.layers());
            n.set("inputs", Json.MAPPER.valueToTree(tensorrtParse.inputs()));
            n.set("errors", Json.MAPPER.valueToTree(tensorrtParse.errors()));
        }
        if (tensorrt != null) {
            j.put("tensorrt_plan", tensorrt.plan().toString());
            j.put("tensorrt_bytes", tensorrt.bytes());
            j.put("tensorrt_precision", tensorrt.precision());
            j.put("tensorrt_build_seconds", tensorrt.seconds());
        }
        if (tritonTensorrt != null) {
            j.put("triton_tensorrt", tritonTensorrt.toAbsolutePath().toString());
        }
        if (tensorrtError != null) {
            j.put("tensorrt_error", tensorrtError);
        }
        return j;
    }
}
