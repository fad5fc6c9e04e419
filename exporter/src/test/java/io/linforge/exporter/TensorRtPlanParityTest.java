package io.linforge.exporter;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.linforge.core.LinforgeException;
import io.linforge.core.checkpoint.Safetensors;
import io.linforge.core.tensor.TensorData;
import io.linforge.runtime.FloatTensor;
import io.linforge.runtime.Generator;
import io.linforge.runtime.InferenceSession;
import io.linforge.runtime.OrtInferenceSession;
import io.linforge.runtime.Provider;
import io.linforge.runtime.SessionConfig;
import io.linforge.runtime.Sessions;
import io.linforge.runtime.TensorRtProbe;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Engines built by {@link TensorRtBuilder} from exports of the transformers fixtures, run by the
 * runtime's TensorRT session against ONNX Runtime CPU on the same ONNX file. Needs an NVIDIA GPU,
 * the {@code -Ptensorrt} natives and a TensorRT that can build engines for the GPU; elsewhere the
 * tests are skipped with the reason.
 */
class TensorRtPlanParityTest {
    @TempDir
    Path tmp;

    /** Skips unless engines can be both built and run here; returns the built plan. */
    Path plan(String fixture) {
        String run = TensorRtProbe.unavailableReason();
        assumeTrue(run == null, () -> "TensorRT engines cannot run here: " + run);
        String build = TensorRtBuilder.unavailableReason();
        assumeTrue(build == null, () -> "TensorRT engines cannot be built here: " + build);
        Path out = tmp.resolve(fixture);
        OnnxExporter.Result r = OnnxExporter.export(OnnxExporterTest.HF.resolve(fixture), List.of(), out,
                new OnnxExporter.Options(false, 17, true, false));
        try {
            // full fp32 (no TF32) so that the engine is comparable with fp32 CPU results
            return TensorRtBuilder.build(r.onnx(), out.resolve("model.plan")).plan();
        } catch (TensorRtBuilder.BuildFailed e) {
            // no builder at all (e.g. a redistributable without the GPU's builder resources) is this host's limit
            assumeTrue(e.parse() != null, () -> "TensorRT cannot build engines here: " + e.getMessage());
            throw e;
        }
    }

    static double maxAbs(FloatTensor a, FloatTensor b) {
        assertArrayEquals(b.shape(), a.shape());
        return OnnxExporterTest.maxAbs(a.data(), b.data());
    }

    static Map<String, long[][]> randomBatch(int batch, int seq, int vocab, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        long[][] ids = new long[batch][seq];
        long[][] mask = new long[batch][seq];
        for (int i = 0; i < batch; i++) {
            int len = 1 + r.nextInt(seq);
            for (int j = 0; j < seq; j++) {
                ids[i][j] = j < len ? r.nextInt(vocab) : 0;
                mask[i][j] = j < len ? 1 : 0;
            }
        }
        return Map.of("input_ids", ids, "attention_mask", mask, "token_type_ids", new long[batch][seq]);
    }

    @Test
    void bertEngineMatchesOnnxRuntimeCpu() throws Exception {
        encoderEngineMatchesOnnxRuntimeCpu("bert");
    }

    /** RoBERTa: position ids computed from the attention mask inside the graph, on padded rows. */
    @Test
    void robertaEngineMatchesOnnxRuntimeCpu() throws Exception {
        encoderEngineMatchesOnnxRuntimeCpu("roberta");
    }

    void encoderEngineMatchesOnnxRuntimeCpu(String name) throws Exception {
        Path plan = plan(name);
        Path onnx = plan.resolveSibling("model.onnx");
        Map<String, TensorData> exp = Safetensors.readAll(OnnxExporterTest.HF.resolve(name + "/expected.safetensors"));
        Map<String, long[][]> fixture = new HashMap<>();
        fixture.put("input_ids", exp.get("input_ids").toLongMatrix());
        fixture.put("attention_mask", exp.get("attention_mask").toLongMatrix());
        fixture.put("token_type_ids", exp.containsKey("token_type_ids") ? exp.get("token_type_ids").toLongMatrix()
                : new long[fixture.get("input_ids").length][fixture.get("input_ids")[0].length]);
        try (InferenceSession trt = Sessions.open(plan, SessionConfig.cpu());
                InferenceSession ort = OrtInferenceSession.open(onnx, SessionConfig.builder().intraOpThreads(2).build())) {
            assertEquals(List.of(Provider.TENSORRT_PLAN), trt.providers());
            assertTrue(trt.engine().startsWith("tensorrt "), trt.engine());
            String ids = trt.inputs().stream().filter(i -> i.name().equals("input_ids")).findFirst().orElseThrow().dtype();
            assertTrue(ids.equals("int64") || ids.equals("int32"), ids);
            // the fixture's batch, then two shapes the engine has not seen (smaller and larger buffers)
            List<Map<String, long[][]>> batches = List.of(fixture, randomBatch(3, 5, 128, 1), randomBatch(9, 40, 128, 2));
            for (Map<String, long[][]> in : batches) {
                Map<String, FloatTensor> a = trt.run(trt.modelInputs(in));
                Map<String, FloatTensor> b = ort.run(ort.modelInputs(in));
                double hidden = maxAbs(a.get("last_hidden_state"), b.get("last_hidden_state"));
                double logits = maxAbs(a.get("logits"), b.get("logits"));
                System.out.printf("%s engine vs ORT CPU, batch %d seq %d: hidden %.2e, logits %.2e%n", name,
                        in.get("input_ids").length, in.get("input_ids")[0].length, hidden, logits);
                assertTrue(hidden <= 1e-3, "last_hidden_state max abs " + hidden);
                assertTrue(logits <= 1e-3, "logits max abs " + logits);
            }
            // the fixture's logits from transformers, through the engine
            double hf = OnnxExporterTest.maxAbs(trt.run(trt.modelInputs(fixture), java.util.Set.of("logits")).get("logits").data(),
                    exp.get("logits").toFloats());
            assertTrue(hf <= 1e-3, "engine logits vs transformers " + hf);
            // outside the profile (batch 1..32): exit 2 naming the input, and the session still works afterwards
            LinforgeException e = assertThrows(LinforgeException.class, () -> trt.run(trt.modelInputs(randomBatch(33, 4, 128, 3))));
            assertEquals(2, e.exitCode());
            assertTrue(e.getMessage().contains("input 'input_ids': shape [33, 4] is outside the engine's optimization "
                    + "profile"), e.getMessage());
            assertTrue(maxAbs(trt.run(trt.modelInputs(fixture)).get("logits"), ort.run(ort.modelInputs(fixture)).get("logits")) <= 1e-3);
        }
    }

    /**
     * Runs that repeat the previous run's shapes replay a CUDA graph: new token ids in the same
     * shapes, and a shape change in between, give what the engine gives without graphs.
     */
    @Test
    void repeatedShapesReplayACudaGraphWithTheSameOutputs() throws Exception {
        Path plan = plan("bert");
        try (TensorRtSessionPair p = new TensorRtSessionPair(plan)) {
            long[] seeds = {1, 2, 3, 4, 5, 6, 7};
            int[][] shapes = {{4, 16}, {4, 16}, {4, 16}, {2, 9}, {2, 9}, {4, 16}, {4, 16}};
            for (int i = 0; i < seeds.length; i++) {
                Map<String, long[][]> in = randomBatch(shapes[i][0], shapes[i][1], 128, seeds[i]);
                Map<String, FloatTensor> a = p.graphs.run(p.graphs.modelInputs(in));
                Map<String, FloatTensor> b = p.plain.run(p.plain.modelInputs(in));
                double d = maxAbs(a.get("last_hidden_state"), b.get("last_hidden_state"));
                assertTrue(d <= 1e-6, "run " + i + ": graph vs plain enqueue max abs " + d);
            }
            // runs 2, 3, 5 and 7 repeat the previous shapes: 2 and 5 capture, and all four replay
            assertEquals(4, p.graphs.cudaGraphReplays());
            assertEquals(0, p.plain.cudaGraphReplays());
        }
    }

    /** One engine opened twice: with CUDA graphs (the default) and without. */
    record TensorRtSessionPair(io.linforge.runtime.TensorRtSession graphs, io.linforge.runtime.TensorRtSession plain)
            implements AutoCloseable {
        TensorRtSessionPair(Path plan) {
            this(io.linforge.runtime.TensorRtSession.open(plan, SessionConfig.cpu()),
                    io.linforge.runtime.TensorRtSession.open(plan, SessionConfig.builder().cudaGraphs(false).build()));
        }

        @Override
        public void close() {
            graphs.close();
            plain.close();
        }
    }

    /** Greedy decoding with the key/value cache: an empty past (length 0) first, then one token per step. */
    @Test
    void llamaEngineGeneratesWhatOnnxRuntimeGenerates() throws Exception {
        Path plan = plan("llama");
        Path onnx = plan.resolveSibling("model.onnx");
        long[] prompt = {1, 17, 42, 99, 7};
        try (InferenceSession trt = Sessions.open(plan, SessionConfig.cpu());
                InferenceSession ort = OrtInferenceSession.open(onnx, SessionConfig.builder().intraOpThreads(2).build())) {
            long[] a = new Generator(trt).greedy(prompt, 12, -1);
            long[] b = new Generator(ort).greedy(prompt, 12, -1);
            assertArrayEquals(b, a);
            long[][] ids = {prompt};
            long[][] mask = {{1, 1, 1, 1, 1}};
            Map<String, FloatTensor> past = new HashMap<>();
            for (int i = 0; i < 2; i++) {
                for (String kv : new String[] {"key", "value"}) {
                    past.put("past_key_values." + i + "." + kv, new FloatTensor(new long[] {1, 2, 0, 16}, new float[0]));
                }
            }
            Map<String, FloatTensor> x = trt.run(Map.of("input_ids", ids, "attention_mask", mask), past, java.util.Set.of());
            Map<String, FloatTensor> y = ort.run(Map.of("input_ids", ids, "attention_mask", mask), past, java.util.Set.of());
            double logits = maxAbs(x.get("logits"), y.get("logits"));
            double key = maxAbs(x.get("present.1.key"), y.get("present.1.key"));
            System.out.printf("llama engine vs ORT CPU: logits %.2e, present.1.key %.2e%n", logits, key);
            assertTrue(logits <= 1e-3, "logits max abs " + logits);
            assertTrue(key <= 1e-3, "present.1.key max abs " + key);
        }
    }
}
