package io.linforge.maven;

import io.linforge.api.BenchOptions;
import io.linforge.api.BenchResult;
import io.linforge.api.Linforge;
import io.linforge.runtime.bench.Benchmark;
import io.linforge.runtime.bench.Comparison;
import java.io.File;
import java.io.IOException;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;

/** {@code linforge bench}: latency percentiles and throughput over batch/sequence sweeps. */
@Mojo(name = "bench", defaultPhase = LifecyclePhase.VERIFY, threadSafe = true)
public class BenchMojo extends LinforgeMojo {
    /** ONNX file, TensorRT engine (.plan), or a folder containing model.onnx. */
    @Parameter
    File model;

    /** tokenizer.json for the vocabulary size (found next to the model when omitted). */
    @Parameter
    File tokenizer;

    /** Vocabulary size for the random ids when there is no tokenizer. */
    @Parameter
    Integer vocab;

    /** cpu, cuda or tensorrt (a comma list sets the priority; default cpu). */
    @Parameter
    String provider;

    /** GPU device id (default 0). */
    @Parameter
    Integer device;

    /** Batch sizes, a comma list (default 1,8,32). */
    @Parameter
    String batch;

    /** Sequence lengths, a comma list (default 32,128,512). */
    @Parameter
    String seq;

    /** Warm-up runs per shape (default 5). */
    @Parameter
    Integer warmup;

    /** Timed runs per shape (default 20). */
    @Parameter
    Integer iterations;

    /** Intra-op threads (default: ONNX Runtime's choice). */
    @Parameter
    Integer threads;

    /** Seed of the synthetic ids (default 42). */
    @Parameter
    Long seed;

    /** A baseline model timed interleaved with model on the same inputs. */
    @Parameter
    File compare;

    /** Graph optimization level: none, basic, extended (default), all. */
    @Parameter
    String optLevel;

    /** Write ONNX Runtime's per-node profiles (a TensorRT engine: per-layer times) to this folder. */
    @Parameter
    File profile;

    /** host (default) or device (TensorRT engines only). */
    @Parameter
    String outputs;

    /** Decoders: each run continues a key/value cache of this many positions. */
    @Parameter
    Integer decodePast;

    /** TensorRT engines: replay repeated runs as CUDA graphs (default true). */
    @Parameter
    Boolean cudaGraphs;

    /** Write the result as JSON to this file. */
    @Parameter
    File json;

    @Override
    void run() throws IOException, MojoExecutionException {
        BenchOptions.Builder b = BenchOptions.builder(path(require(model, "model")))
                .tokenizer(path(tokenizer)).vocab(vocab).compare(path(compare)).profile(path(profile));
        if (provider != null) {
            b.provider(provider);
        }
        if (device != null) {
            b.device(device);
        }
        if (batch != null) {
            b.batch(BenchOptions.parseList("--batch", batch));
        }
        if (seq != null) {
            b.seq(BenchOptions.parseList("--seq", seq));
        }
        if (warmup != null) {
            b.warmup(warmup);
        }
        if (iterations != null) {
            b.iterations(iterations);
        }
        if (threads != null) {
            b.threads(threads);
        }
        if (seed != null) {
            b.seed(seed);
        }
        if (optLevel != null) {
            b.optLevel(optLevel);
        }
        if (outputs != null) {
            b.outputs(outputs);
        }
        if (decodePast != null) {
            b.decodePast(decodePast);
        }
        if (cudaGraphs != null) {
            b.cudaGraphs(cudaGraphs);
        }
        BenchResult r = Linforge.bench(b.build(), new BenchResult.Listener() {
            @Override
            public void measured(Benchmark.ShapeResult s) {
                getLog().info(String.format("batch %d seq %d: p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, %.1f seq/s", s.batch(),
                        s.seq(), s.p50Ms(), s.p90Ms(), s.p99Ms(), s.sequencesPerSec()));
            }

            @Override
            public void compared(Comparison.Result c) {
                getLog().info(String.format("batch %d seq %d: candidate p50 %.2f ms, baseline p50 %.2f ms, ratio %.3f",
                        c.batch(), c.seq(), c.candidateP50Ms(), c.baselineP50Ms(), c.ratio()));
            }
        });
        writeJson(json, r.toJson());
    }
}
