package io.linforge.exporter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
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
                // flat tokens are batch-major, split per head as [batch, heads, sequence, head size]; the
                // plain export's are sequence-major ([sequence, batch·heads, head size])
                assertEquals(java.util.Set.of("0,2,1,3", "0,2,3,1"), transposePerms(flat), name);
                assertEquals(java.util.Set.of("1,0", "1,0,2", "1,2,0"), transposePerms(plain), name);
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

    @Test
    void flatDecoderExportsMatchTransformersAndThePlainExportAtEveryDecodingStep() throws Exception {
        // llama: grouped-query attention; qwen2: q/k/v biases
        for (String name : new String[] {"llama", "qwen2"}) {
            Map<String, TensorData> exp = Safetensors.readAll(OnnxExporterTest.HF.resolve(name + "/expected.safetensors"));
            long[][] ids = OnnxExporterTest.rows(exp.get("input_ids"));
            long[][] mask = OnnxExporterTest.rows(exp.get("attention_mask"));
            io.linforge.core.config.ModelConfig c = io.linforge.core.config.ModelConfig.read(
                    OnnxExporterTest.HF.resolve(name + "/config.json"));
            OnnxExporter.Options base = new OnnxExporter.Options(false, 17, true, false);
            Path plain = OnnxExporter.export(OnnxExporterTest.HF.resolve(name), List.of(), tmp.resolve(name + "3d"), base).onnx();
            Path flat = OnnxExporter.export(OnnxExporterTest.HF.resolve(name), List.of(), tmp.resolve(name + "2d"),
                    base.withFlatTokens(true)).onnx();
            OnnxChecker.check(flat);
            assertEquals(2, weightMatMulRanks(flat).stream().mapToInt(Integer::intValue).max().orElseThrow(), name);
            // a padded batch, whole sequences: transformers' logits
            float[] logits = OnnxExporterTest.decoderLogits(flat, ids, mask, c.numHiddenLayers(), c.numKeyValueHeads(),
                    c.headDim());
            double d = OnnxExporterTest.maxAbs(logits, exp.get("logits").toFloats());
            assertTrue(d <= 1e-4, name + " flat decoder logits vs transformers " + d);
            // a batch of two decoding steps of one token after a cache of every prompt token
            double step = 0;
            float[][] a = decodeTwice(plain, ids, mask, c);
            float[][] b = decodeTwice(flat, ids, mask, c);
            for (int i = 0; i < a.length; i++) {
                assertEquals(a[i].length, b[i].length);
                step = Math.max(step, OnnxExporterTest.maxAbs(a[i], b[i]));
            }
            assertTrue(step <= 1e-5, name + " decoding steps, flat vs [batch, sequence, hidden] " + step);
            System.out.printf("%s flat decoder: logits vs transformers %.2e, decoding steps vs plain export %.2e%n",
                    name, d, step);
        }
    }

    @Test
    void halfSoftmaxExportsDropTheFp32CastsAndStayFiniteOnFullyMaskedRows() throws Exception {
        Map<String, TensorData> exp = Safetensors.readAll(OnnxExporterTest.HF.resolve("bert/expected.safetensors"));
        Map<String, long[][]> in = OnnxExporterTest.encoderInputs(exp);
        OnnxExporter.Options fp16 = new OnnxExporter.Options(true, 17, true, false).withFlatTokens(true);
        Path plain = OnnxExporter.export(OnnxExporterTest.HF.resolve("bert"), List.of(), tmp.resolve("bert-sm32"), fp16).onnx();
        Path half = OnnxExporter.export(OnnxExporterTest.HF.resolve("bert"), List.of(), tmp.resolve("bert-sm16"),
                fp16.withHalfSoftmax(true)).onnx();
        OnnxChecker.check(half);
        // two casts per layer fewer (scores to fp32, probabilities back), one more for the shared bias
        int layers = 2;
        assertEquals(casts(plain) - 2 * layers + 1, casts(half));
        double logits = OnnxExporterTest.maxAbs(OnnxExporterTest.run(half, in).get("logits"), exp.get("logits").toFloats());
        assertTrue(logits <= 1e-2, "bert fp16 softmax logits vs transformers " + logits);
        // a decoder with left padding: the first query positions see no key at all
        OnnxExporter.Options noCache = new OnnxExporter.Options(true, 17, false, false).withFlatTokens(true);
        Path dplain = OnnxExporter.export(OnnxExporterTest.HF.resolve("llama"), List.of(), tmp.resolve("llama-sm32"), noCache)
                .onnx();
        Path dhalf = OnnxExporter.export(OnnxExporterTest.HF.resolve("llama"), List.of(), tmp.resolve("llama-sm16"),
                noCache.withHalfSoftmax(true)).onnx();
        long[][] ids = {{0, 0, 0, 5, 17, 99, 3, 42}, {7, 8, 9, 10, 11, 12, 13, 14}};
        long[][] mask = {{0, 0, 0, 1, 1, 1, 1, 1}, {1, 1, 1, 1, 1, 1, 1, 1}};
        float[] a = OnnxExporterTest.decoderLogits(dplain, ids, mask, 0, 2, 16);
        float[] b = OnnxExporterTest.decoderLogits(dhalf, ids, mask, 0, 2, 16);
        for (float x : b) {
            assertTrue(Float.isFinite(x), "fp16-softmax decoder logits must stay finite on fully masked rows");
        }
        // compare the unpadded positions (the masked ones are not defined by either model)
        int vocab = a.length / 16;
        float[] ra = java.util.Arrays.copyOfRange(a, 3 * vocab, 16 * vocab);
        float[] rb = java.util.Arrays.copyOfRange(b, 3 * vocab, 16 * vocab);
        double d = OnnxExporterTest.maxAbs(ra, rb);
        System.out.printf("fp16 softmax: bert logits vs transformers %.2e, llama logits vs fp32 softmax %.2e%n", logits, d);
        assertTrue(d <= 2e-2, "llama fp16 softmax vs fp32 softmax " + d);
        // an fp32 export cannot have it
        assertThrows(io.linforge.core.LinforgeException.class, () -> new OnnxExporter.Options(false, 17, true, false)
                .withHalfSoftmax(true));
    }

    static int casts(Path onnx) throws Exception {
        return (int) OnnxExporterTest.read(onnx).getGraph().getNodeList().stream().filter(n -> n.getOpType().equals("Cast")).count();
    }

    /**
     * The prompt (every row of {@code ids}, with its mask) and then two steps of one token per row,
     * each fed the previous run's present key/values: the logits of the three runs and the final
     * present key/values.
     */
    static float[][] decodeTwice(Path onnx, long[][] ids, long[][] mask, io.linforge.core.config.ModelConfig c)
            throws Exception {
        var env = OnnxExporterTest.ENV;
        int b = ids.length;
        int s = ids[0].length;
        List<float[]> out = new java.util.ArrayList<>();
        try (ai.onnxruntime.OrtSession.SessionOptions so = new ai.onnxruntime.OrtSession.SessionOptions();
                ai.onnxruntime.OrtSession session = env.createSession(onnx.toString(), so)) {
            Map<String, ai.onnxruntime.OnnxTensor> past = new HashMap<>();
            for (int i = 0; i < c.numHiddenLayers(); i++) {
                for (String kv : new String[] {"key", "value"}) {
                    past.put("past_key_values." + i + "." + kv, ai.onnxruntime.OnnxTensor.createTensor(env,
                            java.nio.FloatBuffer.allocate(0), new long[] {b, c.numKeyValueHeads(), 0, c.headDim()}));
                }
            }
            long[][] stepIds = ids;
            long[][] stepMask = mask;
            int done = 0;
            for (int step = 0; step < 3; step++) {
                int n = stepIds[0].length;
                long[][] pos = new long[b][n];
                for (long[] p : pos) {
                    for (int j = 0; j < n; j++) {
                        p[j] = done + j;
                    }
                }
                Map<String, ai.onnxruntime.OnnxTensor> in = new HashMap<>(past);
                in.put("input_ids", ai.onnxruntime.OnnxTensor.createTensor(env, stepIds));
                in.put("attention_mask", ai.onnxruntime.OnnxTensor.createTensor(env, stepMask));
                in.put("position_ids", ai.onnxruntime.OnnxTensor.createTensor(env, pos));
                try (ai.onnxruntime.OrtSession.Result r = session.run(in)) {
                    out.add(OnnxExporterTest.floats(r.get("logits").get()));
                    in.values().forEach(ai.onnxruntime.OnnxTensor::close);
                    past.clear();
                    for (int i = 0; i < c.numHiddenLayers(); i++) {
                        for (String kv : new String[] {"key", "value"}) {
                            var t = (ai.onnxruntime.OnnxTensor) r.get("present." + i + "." + kv).get();
                            float[] v = OnnxExporterTest.floats(t);
                            if (step == 2) {
                                out.add(v);
                            }
                            past.put("past_key_values." + i + "." + kv, ai.onnxruntime.OnnxTensor.createTensor(env,
                                    java.nio.FloatBuffer.wrap(v), t.getInfo().getShape()));
                        }
                    }
                }
                done += n;
                stepIds = new long[b][1];
                for (int r = 0; r < b; r++) {
                    stepIds[r][0] = 3 + 7 * r + step;
                }
                long[][] m = new long[b][done + 1];
                for (int r = 0; r < b; r++) {
                    System.arraycopy(mask[r], 0, m[r], 0, s);
                    java.util.Arrays.fill(m[r], s, done + 1, 1L);
                }
                stepMask = m;
            }
            past.values().forEach(ai.onnxruntime.OnnxTensor::close);
        }
        assertEquals(3 + 2 * c.numHiddenLayers(), out.size());
        return out.toArray(new float[0][]);
    }

    /** The declared rank (value_info) of the activation input of every MatMul whose other input is a weight. */
    /** The distinct {@code perm} attributes of the graph's Transpose nodes, as "0,2,1,3". */
    static java.util.Set<String> transposePerms(Path onnx) throws Exception {
        java.util.Set<String> out = new java.util.TreeSet<>();
        for (Onnx.NodeProto n : OnnxExporterTest.read(onnx).getGraph().getNodeList()) {
            if (n.getOpType().equals("Transpose")) {
                for (Onnx.AttributeProto at : n.getAttributeList()) {
                    if (at.getName().equals("perm")) {
                        out.add(at.getIntsList().stream().map(String::valueOf).collect(java.util.stream.Collectors.joining(",")));
                    }
                }
            }
        }
        return out;
    }

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
