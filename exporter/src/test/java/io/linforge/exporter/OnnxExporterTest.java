package io.linforge.exporter;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.linforge.core.checkpoint.Checkpoint;
import io.linforge.core.checkpoint.Safetensors;
import io.linforge.core.onnx.proto.Onnx;
import io.linforge.core.tensor.TensorData;
import io.linforge.model.DecoderModel;
import io.linforge.model.EncoderModel;
import io.linforge.model.ForwardContext;
import io.linforge.model.Generation;
import io.linforge.model.TransformerModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Exports of the transformers fixtures run on ONNX Runtime CPU against DJL and transformers. */
class OnnxExporterTest {
    static final Path HF = Path.of("../core/src/test/resources/fixtures/hf");
    static final OrtEnvironment ENV = OrtEnvironment.getEnvironment();

    @TempDir
    Path tmp;

    static long[][] rows(TensorData t) {
        return t.toLongMatrix();
    }

    static double maxAbs(float[] a, float[] b) {
        assertEquals(a.length, b.length);
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }

    static double maxRel(float[] ours, float[] ref) {
        double s = 0;
        for (float f : ref) {
            s = Math.max(s, Math.abs(f));
        }
        return maxAbs(ours, ref) / s;
    }

    static float[] floats(OnnxValue v) {
        OnnxTensor t = (OnnxTensor) v;
        var fb = t.getFloatBuffer();
        float[] out = new float[fb.remaining()];
        fb.get(out);
        return out;
    }

    static Map<String, float[]> run(Path onnx, Map<String, long[][]> inputs) throws Exception {
        try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
            so.setIntraOpNumThreads(2);
            try (OrtSession s = ENV.createSession(onnx.toString(), so)) {
                Map<String, OnnxTensor> in = new HashMap<>();
                try {
                    for (var e : inputs.entrySet()) {
                        if (s.getInputNames().contains(e.getKey())) {
                            in.put(e.getKey(), OnnxTensor.createTensor(ENV, e.getValue()));
                        }
                    }
                    try (OrtSession.Result r = s.run(in)) {
                        Map<String, float[]> out = new HashMap<>();
                        for (var e : r) {
                            out.put(e.getKey(), floats(e.getValue()));
                        }
                        return out;
                    }
                } finally {
                    in.values().forEach(OnnxTensor::close);
                }
            }
        }
    }

    Path export(String model, List<Path> adapters, boolean fp16) {
        return export(model, adapters, fp16, 17);
    }

    Path export(String model, List<Path> adapters, boolean fp16, int opset) {
        Path out = tmp.resolve(model + (fp16 ? "-fp16" : "-fp32") + adapters.size() + "-o" + opset);
        OnnxExporter.export(HF.resolve(model), adapters, out, new OnnxExporter.Options(fp16, opset, true, false));
        return out.resolve("model.onnx");
    }

    /** The encoder inputs of a fixture's expected.safetensors (token_type_ids when it has them). */
    static Map<String, long[][]> encoderInputs(Map<String, TensorData> exp) {
        Map<String, long[][]> in = new HashMap<>();
        in.put("input_ids", rows(exp.get("input_ids")));
        in.put("attention_mask", rows(exp.get("attention_mask")));
        if (exp.containsKey("token_type_ids")) {
            in.put("token_type_ids", rows(exp.get("token_type_ids")));
        }
        return in;
    }

    static Onnx.ModelProto read(Path onnx) throws Exception {
        return Onnx.ModelProto.parseFrom(Files.readAllBytes(onnx));
    }

    /** Node counts by op type, with the domain as a prefix when it is not the standard one. */
    static Map<String, Integer> ops(Onnx.ModelProto m) {
        Map<String, Integer> n = new java.util.TreeMap<>();
        for (Onnx.NodeProto node : m.getGraph().getNodeList()) {
            n.merge((node.getDomain().isEmpty() ? "" : node.getDomain() + "::") + node.getOpType(), 1, Integer::sum);
        }
        return n;
    }

    /** The graph ONNX Runtime runs after its EXTENDED optimizations. */
    Onnx.ModelProto optimized(Path onnx) throws Exception {
        Path out = tmp.resolve(onnx.getParent().getFileName() + "-optimized.onnx");
        try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
            so.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.EXTENDED_OPT);
            so.setOptimizedModelFilePath(out.toString());
            try (OrtSession s = ENV.createSession(onnx.toString(), so)) {
                assertTrue(s.getNumInputs() > 0);
            }
        }
        return read(out);
    }

    void encoder(String name) throws Exception {
        encoder(name, 17);
    }

    void encoder(String name, int opset) throws Exception {
        Map<String, TensorData> exp = Safetensors.readAll(HF.resolve(name + "/expected.safetensors"));
        Map<String, long[][]> in = encoderInputs(exp);
        float[] djl;
        try (NDManager root = NDManager.newBaseManager(); Checkpoint c = Checkpoint.open(HF.resolve(name));
                TransformerModel tm = TransformerModel.load(c, root, DataType.FLOAT32);
                NDManager m = root.newSubManager()) {
            EncoderModel.Output o = ((EncoderModel) tm).forward(in.get("input_ids"), in.get("attention_mask"),
                    in.get("token_type_ids"), new ForwardContext(m, false, DataType.FLOAT32), false);
            djl = o.lastHidden().toFloatArray();
        }
        Path fp32 = export(name, List.of(), false, opset);
        OnnxChecker.check(fp32);
        for (Onnx.NodeProto node : read(fp32).getGraph().getNodeList()) {
            assertEquals("", node.getDomain(), "standard ONNX ops only: " + node.getOpType());
        }
        Map<String, float[]> ort = run(fp32, in);
        double d = maxAbs(ort.get("last_hidden_state"), djl);
        double l = maxAbs(ort.get("logits"), exp.get("logits").toFloats());
        assertTrue(d <= 1e-4, name + " ORT vs DJL " + d);
        assertTrue(l <= 1e-4, name + " ORT logits vs transformers " + l);
        Path fp16 = export(name, List.of(), true, opset);
        OnnxChecker.check(fp16);
        Map<String, float[]> half = run(fp16, in);
        double r = maxRel(half.get("last_hidden_state"), djl);
        assertTrue(r <= 1e-2, name + " fp16 relative " + r);
        System.out.printf("%s export (opset %d): fp32 vs DJL %.2e, logits vs HF %.2e, fp16 rel %.2e%n", name, opset, d, l,
                r);
    }

    @Test
    void bertExportMatchesDjlAndTransformers() throws Exception {
        encoder("bert");
    }

    @Test
    void robertaExportMatchesDjlAndTransformers() throws Exception {
        encoder("roberta");
    }

    @Test
    void opset23AttentionExportsMatchDjlAndTransformers() throws Exception {
        encoder("bert", 23);
        encoder("roberta", 23);
        Map<String, Integer> ops = ops(read(export("bert", List.of(), false, 23)));
        assertEquals(2, ops.get("Attention"), ops.toString());
        assertEquals(null, ops.get("Softmax"), ops.toString());
    }

    /**
     * The encoder graph is standard ONNX, written so that ONNX Runtime's CPU optimizer turns every
     * residual Add + LayerNormalization into SkipLayerNormalization and folds the head transposes
     * of queries, keys and values into its batched MatMul: what makes the export faster than a
     * plain PyTorch export.
     */
    @Test
    void encoderGraphLetsOnnxRuntimeFuseNormsAndHeadTransposes() throws Exception {
        Path onnx = export("bert", List.of(), false);
        Onnx.ModelProto m = read(onnx);
        assertTrue(m.getGraph().getNodeList().stream().noneMatch(n -> n.getOpType().equals("Div") && n.getName().contains("/attention/")),
                "1/sqrt(d) is folded into the query weights");
        long tokenShaped = m.getGraph().getValueInfoList().stream().filter(v -> v.getType().getTensorType().getShape()
                .getDim(0).getDimParam().equals("tokens")).count();
        assertTrue(tokenShaped >= 2 * 10 + 4, "residual-stream values declared [tokens, 1, hidden]: " + tokenShaped);
        Map<String, Integer> opt = ops(optimized(onnx));
        // 2 layers: 2 norms each plus the embedding norm
        assertEquals(5, opt.get("com.microsoft::SkipLayerNormalization"), opt.toString());
        assertEquals(null, opt.get("LayerNormalization"), opt.toString());
        // q kᵀ and p v per layer read the [S, B·heads, d] projections in place
        assertEquals(4, opt.get("com.microsoft::FusedMatMul"), opt.toString());
        // left: the attention context per layer, and ids, token types and the output between the two token orders
        assertEquals(2 + 3, opt.get("Transpose"), opt.toString());
        assertEquals(2, opt.get("com.microsoft::BiasGelu"), opt.toString());
    }

    /**
     * The fixtures are initialised with zero biases, which would hide a wrong rewrite of the query
     * scale, the dropped key bias or the folded value bias: here every bias of the BERT and RoBERTa
     * fixtures is random (seeded), and ONNX Runtime must still match DJL at each opset form.
     */
    @Test
    void attentionRewritesHoldWithNonZeroBiases() throws Exception {
        for (String name : new String[] {"bert", "roberta"}) {
            Path dir = tmp.resolve(name + "-biased");
            java.util.SplittableRandom rng = new java.util.SplittableRandom(7);
            Map<String, TensorData> tensors = new java.util.TreeMap<>();
            try (Checkpoint c = Checkpoint.open(HF.resolve(name))) {
                for (var t : c.tensors().entrySet()) {
                    TensorData v = t.getValue();
                    if (t.getKey().endsWith(".bias")) {
                        float[] b = new float[(int) v.numel()];
                        for (int i = 0; i < b.length; i++) {
                            b[i] = (float) (rng.nextDouble() - 0.5);
                        }
                        v = TensorData.ofFloats(v.shape(), b);
                    }
                    tensors.put(t.getKey(), v.toF32());
                }
                Checkpoint.save(dir, c.config(), tensors, null);
            }
            Map<String, TensorData> exp = Safetensors.readAll(HF.resolve(name + "/expected.safetensors"));
            Map<String, long[][]> in = encoderInputs(exp);
            float[] djl;
            try (NDManager root = NDManager.newBaseManager(); Checkpoint c = Checkpoint.open(dir);
                    TransformerModel tm = TransformerModel.load(c, root, DataType.FLOAT32);
                    NDManager m = root.newSubManager()) {
                djl = ((EncoderModel) tm).forward(in.get("input_ids"), in.get("attention_mask"), in.get("token_type_ids"),
                        new ForwardContext(m, false, DataType.FLOAT32), false).lastHidden().toFloatArray();
            }
            for (int opset : new int[] {12, 17, 23}) {
                Path out = tmp.resolve(name + "-biased-o" + opset);
                OnnxExporter.export(dir, List.of(), out, new OnnxExporter.Options(false, opset, true, false));
                double d = maxAbs(run(out.resolve("model.onnx"), in).get("last_hidden_state"), djl);
                assertTrue(d <= 1e-4, name + " opset " + opset + " with random biases: ORT vs DJL " + d);
            }
        }
    }

    @Test
    void loraMergedExportMatchesPeft() throws Exception {
        Map<String, TensorData> in = Safetensors.readAll(HF.resolve("bert/expected.safetensors"));
        Map<String, TensorData> exp = Safetensors.readAll(HF.resolve("bert_lora/expected.safetensors"));
        Path onnx = export("bert", List.of(HF.resolve("bert_lora")), false);
        Map<String, float[]> ort = run(onnx, Map.of("input_ids", rows(in.get("input_ids")), "attention_mask",
                rows(in.get("attention_mask")), "token_type_ids", rows(in.get("token_type_ids"))));
        double d = maxAbs(ort.get("logits"), exp.get("logits").toFloats());
        assertTrue(d <= 1e-4, "merged export vs PEFT base+adapter " + d);
        assertTrue(maxAbs(ort.get("logits"), in.get("logits").toFloats()) > 1e-2);
    }

    /** Decoding on ONNX Runtime with the exported key/value cache, through the runtime's generator. */
    static long[] ortGenerate(Path onnx, long[] prompt, int newTokens, double topP, long seed) {
        try (io.linforge.runtime.OrtInferenceSession s = io.linforge.runtime.OrtInferenceSession.open(onnx,
                io.linforge.runtime.SessionConfig.builder().intraOpThreads(2).build())) {
            return new io.linforge.runtime.Generator(s).generate(prompt, newTokens, topP, 1.0, seed, -1);
        }
    }

    /**
     * The logits of a decoder export for a whole batch: positions 0..S−1 and an empty key/value
     * cache of {@code layers} layers.
     */
    static float[] decoderLogits(Path onnx, long[][] ids, long[][] mask, int layers, int kvHeads, int headDim)
            throws Exception {
        long[][] pos = new long[ids.length][ids[0].length];
        for (long[] p : pos) {
            for (int j = 0; j < p.length; j++) {
                p[j] = j;
            }
        }
        Map<String, long[][]> in = Map.of("input_ids", ids, "attention_mask", mask, "position_ids", pos);
        try (OrtSession.SessionOptions so = new OrtSession.SessionOptions();
                OrtSession s = ENV.createSession(onnx.toString(), so)) {
            Map<String, OnnxTensor> t = new HashMap<>();
            try {
                for (var e : in.entrySet()) {
                    t.put(e.getKey(), OnnxTensor.createTensor(ENV, e.getValue()));
                }
                for (int i = 0; i < layers; i++) {
                    for (String kv : new String[] {"key", "value"}) {
                        t.put("past_key_values." + i + "." + kv, OnnxTensor.createTensor(ENV,
                                java.nio.FloatBuffer.allocate(0), new long[] {ids.length, kvHeads, 0, headDim}));
                    }
                }
                try (OrtSession.Result r = s.run(t)) {
                    return floats(r.get("logits").get());
                }
            } finally {
                t.values().forEach(OnnxTensor::close);
            }
        }
    }

    @Test
    void llamaExportWithKvCacheGeneratesWhatDjlGenerates() throws Exception {
        llama(17);
    }

    @Test
    void llamaOpset23ExportWithRmsNormalizationGeneratesWhatDjlGenerates() throws Exception {
        llama(23);
        Map<String, Integer> ops = ops(read(export("llama", List.of(), false, 23)));
        assertEquals(5, ops.get("RMSNormalization"), ops.toString());
    }

    void llama(int opset) throws Exception {
        Map<String, TensorData> exp = Safetensors.readAll(HF.resolve("llama/expected.safetensors"));
        long[][] ids = rows(exp.get("input_ids"));
        long[][] mask = rows(exp.get("attention_mask"));
        Path fp32 = export("llama", List.of(), false, opset);
        OnnxChecker.check(fp32);
        // full forward with an empty cache equals transformers' logits
        float[] logits = decoderLogits(fp32, ids, mask, 2, 2, 16);
        double d = maxAbs(logits, exp.get("logits").toFloats());
        assertTrue(d <= 1e-4, "llama ORT logits vs transformers " + d);
        int n = 0;
        while (n < mask[0].length && mask[0][n] == 1) {
            n++;
        }
        long[] prompt = java.util.Arrays.copyOf(ids[0], n);
        long[] djl;
        try (NDManager root = NDManager.newBaseManager(); Checkpoint c = Checkpoint.open(HF.resolve("llama"));
                TransformerModel tm = TransformerModel.load(c, root, DataType.FLOAT32)) {
            djl = Generation.greedy((DecoderModel) tm, root, prompt, 32, false);
        }
        long[] ort = ortGenerate(fp32, prompt, 32, 0, 0);
        assertArrayEquals(djl, ort, "32 greedy tokens: ORT with KV cache vs DJL full recomputation");
        // nucleus sampling: reproducible under a seed, and a tiny top-p keeps only the best token (greedy)
        assertArrayEquals(ortGenerate(fp32, prompt, 12, 0.9, 5), ortGenerate(fp32, prompt, 12, 0.9, 5));
        assertArrayEquals(java.util.Arrays.copyOf(djl, prompt.length + 12), ortGenerate(fp32, prompt, 12, 1e-9, 5));
        Path fp16 = export("llama", List.of(), true, opset);
        OnnxChecker.check(fp16);
        long[] half = ortGenerate(fp16, prompt, 8, 0, 0);
        assertEquals(prompt.length + 8, half.length);
        System.out.printf("llama export (opset %d): logits vs HF %.2e, 32 greedy tokens equal%n", opset, d);
    }

    @Test
    void opset12FormMatchesAndPassesTheChecker() throws Exception {
        Map<String, TensorData> exp = Safetensors.readAll(HF.resolve("bert/expected.safetensors"));
        Path out = tmp.resolve("o12");
        OnnxExporter.export(HF.resolve("bert"), List.of(), out, new OnnxExporter.Options(false, 12, true, false));
        OnnxChecker.check(out.resolve("model.onnx"));
        Map<String, float[]> ort = run(out.resolve("model.onnx"), Map.of("input_ids", rows(exp.get("input_ids")),
                "attention_mask", rows(exp.get("attention_mask")), "token_type_ids", rows(exp.get("token_type_ids"))));
        double d = maxAbs(ort.get("last_hidden_state"), exp.get("last_hidden_state").toFloats());
        assertTrue(d <= 1e-4, "opset 12 export vs transformers " + d);
        Path llama = tmp.resolve("llama12");
        OnnxExporter.export(HF.resolve("llama"), List.of(), llama, new OnnxExporter.Options(false, 12, true, false));
        OnnxChecker.check(llama.resolve("model.onnx"));
    }

    @Test
    void exportIsDeterministicAndLeavesNoTemporaries() throws Exception {
        Path a = export("bert", List.of(), false);
        Path b = tmp.resolve("again");
        OnnxExporter.export(HF.resolve("bert"), List.of(), b, OnnxExporter.Options.defaults());
        assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(b.resolve("model.onnx")));
        try (var s = Files.list(tmp)) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().startsWith(".")));
        }
    }

    @Test
    void externalDataLoadsAndPassesTheChecker() throws Exception {
        Path out = tmp.resolve("ext");
        OnnxExporter.export(HF.resolve("bert"), List.of(), out, new OnnxExporter.Options(false, 17, true, true));
        assertTrue(Files.size(out.resolve("model.onnx.data")) > 50_000);
        assertTrue(Files.size(out.resolve("model.onnx")) < 40_000);
        OnnxChecker.check(out.resolve("model.onnx"));
        Map<String, TensorData> exp = Safetensors.readAll(HF.resolve("bert/expected.safetensors"));
        Map<String, float[]> ort = run(out.resolve("model.onnx"), Map.of("input_ids", rows(exp.get("input_ids")),
                "attention_mask", rows(exp.get("attention_mask")), "token_type_ids", rows(exp.get("token_type_ids"))));
        assertTrue(maxAbs(ort.get("logits"), exp.get("logits").toFloats()) <= 1e-4);
    }

}
