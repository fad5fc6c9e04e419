package io.linforge.exporter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.linforge.core.checkpoint.Safetensors;
import io.linforge.core.onnx.proto.Onnx;
import io.linforge.core.tensor.TensorData;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Exports meant for TensorRT hold hidden states as [tokens, hidden]: every weight MatMul then
 * multiplies a rank-2 activation (one matrix product, not one product per token) and the model
 * computes what the [tokens, 1, hidden] export and transformers compute.
 */
class FlatTokenExportTest {
    @TempDir
    Path tmp;

    @Test
    void flatTokenExportsMatchTransformersWithRankTwoMatMuls() throws Exception {
        for (String name : new String[] {"bert", "roberta"}) {
            Map<String, TensorData> exp = Safetensors.readAll(OnnxExporterTest.HF.resolve(name + "/expected.safetensors"));
            Map<String, long[][]> in = OnnxExporterTest.encoderInputs(exp);
            for (boolean fp16 : new boolean[] {false, true}) {
                OnnxExporter.Options base = new OnnxExporter.Options(fp16, 17, true, false);
                Path plain = OnnxExporter.export(OnnxExporterTest.HF.resolve(name), List.of(), tmp.resolve(name + fp16 + "3d"),
                        base).onnx();
                Path flat = OnnxExporter.export(OnnxExporterTest.HF.resolve(name), List.of(), tmp.resolve(name + fp16 + "2d"),
                        base.withFlatTokens(true)).onnx();
                OnnxChecker.check(flat);
                assertEquals(2, weightMatMulRanks(flat).stream().mapToInt(Integer::intValue).max().orElseThrow(), name);
                assertEquals(3, weightMatMulRanks(plain).stream().mapToInt(Integer::intValue).min().orElseThrow(), name);
                Map<String, float[]> a = OnnxExporterTest.run(flat, in);
                Map<String, float[]> b = OnnxExporterTest.run(plain, in);
                double hidden = OnnxExporterTest.maxAbs(a.get("last_hidden_state"), b.get("last_hidden_state"));
                double logits = OnnxExporterTest.maxAbs(a.get("logits"), exp.get("logits").toFloats());
                System.out.printf("%s %s flat tokens: hidden vs [tokens,1,hidden] %.2e, logits vs transformers %.2e%n", name,
                        fp16 ? "fp16" : "fp32", hidden, logits);
                assertTrue(hidden <= (fp16 ? 1e-2 : 1e-5), name + " hidden " + hidden);
                assertTrue(logits <= (fp16 ? 1e-2 : 1e-4), name + " logits " + logits);
            }
        }
    }

    /** The declared rank (value_info) of the activation input of every MatMul whose other input is a weight. */
    static List<Integer> weightMatMulRanks(Path onnx) throws Exception {
        Onnx.GraphProto g = OnnxExporterTest.read(onnx).getGraph();
        java.util.Set<String> inits = new java.util.HashSet<>();
        g.getInitializerList().forEach(t -> inits.add(t.getName()));
        Map<String, Integer> rank = new HashMap<>();
        for (Onnx.ValueInfoProto v : g.getValueInfoList()) {
            rank.put(v.getName(), v.getType().getTensorType().getShape().getDimCount());
        }
        List<Integer> out = new java.util.ArrayList<>();
        for (Onnx.NodeProto n : g.getNodeList()) {
            if (n.getOpType().equals("MatMul") && inits.contains(n.getInput(1)) && rank.containsKey(n.getInput(0))) {
                out.add(rank.get(n.getInput(0)));
            }
        }
        assertTrue(out.size() >= 8, "weight MatMuls with a declared input shape: " + out.size());
        return out;
    }
}
