package io.linforge.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.linforge.runtime.bench.Benchmark;
import io.linforge.runtime.bench.Comparison;
import io.linforge.runtime.bench.OpProfile;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** What {@link Linforge#bench} measured: one model's shapes ({@link Single}) or two models interleaved ({@link Compared}). */
public sealed interface BenchResult permits BenchResult.Single, BenchResult.Compared {
    /** The result as {@code linforge bench --json} writes it. */
    ObjectNode toJson();

    /** Per-operator profiles by session name ({@code model}, or {@code candidate} and {@code baseline}); empty without {@code profile}. */
    Map<String, Profile> profile();

    /**
     * The profile of one session: its file and the milliseconds per operator (ONNX Runtime), or per
     * layer ({@code layers}: a TensorRT engine, each layer timed alone).
     */
    record Profile(Path file, OpProfile.Result result, boolean layers) {
    }

    /**
     * One model timed per shape.
     *
     * @param onnxruntime ONNX Runtime's version, or null when the model ran on TensorRT
     * @param results p50/p90/p99 and throughput per batch and sequence length
     */
    record Single(Path model, List<String> providers, String engine, String onnxruntime, int threads, int vocab,
            String vocabFrom, long seed, int warmup, int iterations, String date, Map<String, Object> machine,
            List<String> inputs, List<String> outputs, String outputsTo, int decodePast, List<Benchmark.ShapeResult> results,
            Map<String, Profile> profile) implements BenchResult {
        @Override
        public ObjectNode toJson() {
            ObjectNode out = Json.MAPPER.createObjectNode();
            out.put("model", model.toAbsolutePath().toString());
            out.set("providers", Json.MAPPER.valueToTree(providers));
            out.put("engine", engine);
            if (onnxruntime != null) {
                out.put("onnxruntime", onnxruntime);
            }
            out.put("intra_op_threads", threads);
            out.put("vocab", vocab);
            out.put("vocab_from", vocabFrom);
            out.put("seed", seed);
            out.put("warmup", warmup);
            out.put("iterations", iterations);
            out.put("date", date);
            out.set("machine", Json.MAPPER.valueToTree(machine));
            out.set("inputs", Json.MAPPER.valueToTree(inputs));
            out.set("outputs", Json.MAPPER.valueToTree(outputs));
            out.put("outputs_to", outputsTo);
            out.put("decode_past", decodePast);
            ArrayNode rows = out.putArray("results");
            for (Benchmark.ShapeResult r : results) {
                ObjectNode row = rows.addObject();
                row.put("batch", r.batch());
                row.put("seq", r.seq());
                row.put("iterations", r.iterations());
                row.put("mean_ms", r.meanMs());
                row.put("p50_ms", r.p50Ms());
                row.put("p90_ms", r.p90Ms());
                row.put("p99_ms", r.p99Ms());
                row.put("min_ms", r.minMs());
                row.put("max_ms", r.maxMs());
                row.put("sequences_per_s", r.sequencesPerSec());
                row.put("tokens_per_s", r.tokensPerSec());
            }
            putProfile(out, profile);
            return out;
        }
    }

    /**
     * A candidate and a baseline timed interleaved on the same inputs.
     *
     * @param onnxruntime ONNX Runtime's version, or null when neither ran on it
     * @param results p50 and p90 of each and the p50 ratio per shape
     */
    record Compared(Path candidate, Path baseline, int threads, String optLevel, String date, Map<String, Object> machine,
            List<Comparison.Result> results, String candidateEngine, String baselineEngine, String onnxruntime,
            Map<String, Profile> profile) implements BenchResult {
        @Override
        public ObjectNode toJson() {
            ObjectNode out = Json.MAPPER.createObjectNode();
            out.put("candidate", candidate.toAbsolutePath().toString());
            out.put("baseline", baseline.toAbsolutePath().toString());
            out.put("intra_op_threads", threads);
            out.put("opt_level", optLevel);
            out.put("date", date);
            out.set("machine", Json.MAPPER.valueToTree(machine));
            ArrayNode rows = out.putArray("results");
            out.put("candidate_engine", candidateEngine);
            out.put("baseline_engine", baselineEngine);
            if (onnxruntime != null) {
                out.put("onnxruntime", onnxruntime);
            }
            for (Comparison.Result r : results) {
                ObjectNode row = rows.addObject();
                row.put("batch", r.batch());
                row.put("seq", r.seq());
                row.put("samples", r.samples());
                row.put("candidate_p50_ms", r.candidateP50Ms());
                row.put("baseline_p50_ms", r.baselineP50Ms());
                row.put("candidate_p90_ms", r.candidateP90Ms());
                row.put("baseline_p90_ms", r.baselineP90Ms());
                row.put("ratio_p50", r.ratio());
            }
            putProfile(out, profile);
            return out;
        }
    }

    private static void putProfile(ObjectNode out, Map<String, Profile> profile) {
        if (profile.isEmpty()) {
            return;
        }
        ObjectNode p = out.putObject("profile");
        profile.forEach((name, pr) -> {
            ObjectNode o = p.putObject(name);
            o.put("file", pr.file().toAbsolutePath().toString());
            o.put("runs", pr.result().runs());
            o.put("nodes", pr.result().nodes());
            o.put("total_ms", pr.result().totalMs());
            o.set("op_ms", Json.MAPPER.valueToTree(pr.result().opMs()));
        });
    }

    /** Called while {@link Linforge#bench} runs, e.g. to print each shape as it is measured. */
    interface Listener {
        /** The session(s) are open: {@code engines} and {@code providers} per session name. */
        default void opened(Map<String, Path> models, Map<String, String> engines, Map<String, List<String>> providers) {
        }

        default void measured(Benchmark.ShapeResult r) {
        }

        default void compared(Comparison.Result r) {
        }
    }
}
