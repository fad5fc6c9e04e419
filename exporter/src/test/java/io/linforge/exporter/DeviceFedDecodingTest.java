package io.linforge.exporter;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.linforge.runtime.FloatTensor;
import io.linforge.runtime.Generator;
import io.linforge.runtime.InferenceSession;
import io.linforge.runtime.IoInfo;
import io.linforge.runtime.OrtInferenceSession;
import io.linforge.runtime.Provider;
import io.linforge.runtime.SessionConfig;
import io.linforge.runtime.bench.Benchmark;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Decoding with the key/value cache kept where the engine runs (as a TensorRT engine does it):
 * generation and the decoding benchmark feed each step's present key/values to the next step
 * without passing them through the caller, and generate what host-side decoding generates.
 */
class DeviceFedDecodingTest {
    @TempDir
    Path tmp;

    /**
     * An ONNX Runtime session that keeps its last outputs to itself, as a device would: fed inputs
     * are taken from them, and a cache handed in by the caller after the first step is an error.
     */
    static final class Device implements InferenceSession {
        final OrtInferenceSession ort;
        Map<String, FloatTensor> last = Map.of();
        final List<Long> pastLengths = new ArrayList<>();
        int fedRuns;

        Device(OrtInferenceSession ort) {
            this.ort = ort;
        }

        @Override
        public boolean feedsOnDevice() {
            return true;
        }

        @Override
        public Map<String, FloatTensor> runFed(Map<String, long[][]> given, Map<String, FloatTensor> floats,
                Map<String, String> fed, Set<String> wanted) {
            Map<String, FloatTensor> in = new HashMap<>(floats);
            if (!fed.isEmpty()) {
                assertTrue(floats.isEmpty(), "a fed run takes no cache from the caller: " + floats.keySet());
                fedRuns++;
                fed.forEach((input, output) -> in.put(input, last.get(output)));
            }
            pastLengths.add(in.get("past_key_values.0.key").shape()[2]);
            last = ort.run(given, in, Set.of());
            Map<String, FloatTensor> out = new HashMap<>();
            wanted.forEach(w -> out.put(w, last.get(w)));
            return out;
        }

        @Override
        public List<IoInfo> inputs() {
            return ort.inputs();
        }

        @Override
        public List<IoInfo> outputs() {
            return ort.outputs();
        }

        @Override
        public List<Provider> providers() {
            return ort.providers();
        }

        @Override
        public String engine() {
            return "device";
        }

        @Override
        public Map<String, FloatTensor> run(Map<String, long[][]> inputs, Set<String> outputNames) {
            throw new AssertionError("host run");
        }

        @Override
        public void close() {
            ort.close();
        }
    }

    @Test
    void cacheFedOnTheDeviceGeneratesWhatHostDecodingGenerates() {
        Path onnx = OnnxExporter.export(OnnxExporterTest.HF.resolve("llama"), List.of(), tmp.resolve("llama"),
                new OnnxExporter.Options(false, 17, true, false).withFlatTokens(true)).onnx();
        long[] prompt = {1, 17, 42, 99, 5, 23};
        SessionConfig cfg = SessionConfig.builder().intraOpThreads(2).build();
        long[] host;
        try (OrtInferenceSession s = OrtInferenceSession.open(onnx, cfg)) {
            host = new Generator(s).greedy(prompt, 24, -1);
        }
        try (Device d = new Device(OrtInferenceSession.open(onnx, cfg))) {
            long[] fed = new Generator(d).greedy(prompt, 24, -1);
            assertArrayEquals(host, fed);
            assertEquals(23, d.fedRuns);
            // the prompt starts from an empty cache; each step then sees one more position
            assertEquals(0L, d.pastLengths.get(0));
            assertEquals((long) prompt.length, d.pastLengths.get(1));
            assertEquals((long) prompt.length + 22, d.pastLengths.get(23));

            // the decoding benchmark: the cache of 16 positions is handed over once, then grows a position per step
            d.pastLengths.clear();
            Benchmark b = new Benchmark(d, 256, 7, true, 16);
            assertTrue(b.decodesOnDevice());
            Benchmark.ShapeResult r = b.measure(2, 1, 3, 5);
            assertEquals(5, r.iterations());
            assertEquals(List.of(16L, 17L, 18L, 19L, 20L, 21L, 22L, 23L, 24L), d.pastLengths);
        }
    }
}
