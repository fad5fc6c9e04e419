package io.linforge.api;

import io.linforge.core.LinforgeException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Options of {@link Linforge#bench}; the fields are the options of {@code linforge bench}, with its
 * defaults ({@link #builder}).
 *
 * @param model ONNX file, TensorRT engine ({@code .plan}) or folder holding {@code model.onnx}
 * @param tokenizer {@code tokenizer.json} for the vocabulary size; null to take the one next to the model
 * @param vocab vocabulary size of the random ids when there is no tokenizer; null to read the tokenizer
 * @param provider execution providers in priority order (default {@code cpu})
 * @param device GPU device id (default 0)
 * @param batch batch sizes (default 1, 8, 32)
 * @param seq sequence lengths (default 32, 128, 512)
 * @param warmup warm-up runs per shape (default 5)
 * @param iterations timed runs per shape (default 20)
 * @param threads intra-op threads (0: ONNX Runtime's choice)
 * @param seed seed of the synthetic ids (default 42)
 * @param compare a baseline timed interleaved with {@code model}, or null
 * @param optLevel graph optimization level: none, basic, extended (default) or all
 * @param profile a folder for ONNX Runtime's per-node profiles (a TensorRT engine's per-layer times), or null
 * @param outputs {@code host} (default) or {@code device} (TensorRT engines only)
 * @param decodePast decoders: cached positions each run continues (default 0)
 * @param cudaGraphs TensorRT engines: replay repeated runs as CUDA graphs (default true)
 */
public record BenchOptions(Path model, Path tokenizer, Integer vocab, String provider, int device, List<Integer> batch,
        List<Integer> seq, int warmup, int iterations, int threads, long seed, Path compare, String optLevel, Path profile,
        String outputs, int decodePast, boolean cudaGraphs) {
    public BenchOptions {
        batch = List.copyOf(batch);
        seq = List.copyOf(seq);
    }

    /** {@code model} with the command line's defaults. */
    public static Builder builder(Path model) {
        return new Builder(model);
    }

    /**
     * A comma list of positive whole numbers, as {@code --batch} and {@code --seq} take them; bad input
     * (exit 2) names {@code option}.
     */
    public static List<Integer> parseList(String option, String value) {
        List<Integer> out = new ArrayList<>();
        for (String s : value.split(",")) {
            if (s.isBlank()) {
                continue;
            }
            try {
                int n = Integer.parseInt(s.trim());
                if (n < 1) {
                    throw new NumberFormatException();
                }
                out.add(n);
            } catch (NumberFormatException e) {
                throw LinforgeException.badInput(option + ": expected positive integers separated by commas, got '" + value + "'");
            }
        }
        if (out.isEmpty()) {
            throw LinforgeException.badInput(option + ": empty list");
        }
        return out;
    }

    /** Builds {@link BenchOptions}; every setter mirrors the option of the same name. */
    public static final class Builder {
        private final Path model;
        private Path tokenizer;
        private Integer vocab;
        private String provider = "cpu";
        private int device;
        private List<Integer> batch = List.of(1, 8, 32);
        private List<Integer> seq = List.of(32, 128, 512);
        private int warmup = 5;
        private int iterations = 20;
        private int threads;
        private long seed = 42;
        private Path compare;
        private String optLevel = "extended";
        private Path profile;
        private String outputs = "host";
        private boolean cudaGraphs = true;
        private int decodePast;

        private Builder(Path model) {
            this.model = model;
        }

        public Builder tokenizer(Path v) {
            tokenizer = v;
            return this;
        }

        public Builder vocab(Integer v) {
            vocab = v;
            return this;
        }

        public Builder provider(String v) {
            provider = v;
            return this;
        }

        public Builder device(int v) {
            device = v;
            return this;
        }

        public Builder batch(List<Integer> v) {
            batch = v;
            return this;
        }

        public Builder seq(List<Integer> v) {
            seq = v;
            return this;
        }

        public Builder warmup(int v) {
            warmup = v;
            return this;
        }

        public Builder iterations(int v) {
            iterations = v;
            return this;
        }

        public Builder threads(int v) {
            threads = v;
            return this;
        }

        public Builder seed(long v) {
            seed = v;
            return this;
        }

        public Builder compare(Path v) {
            compare = v;
            return this;
        }

        public Builder optLevel(String v) {
            optLevel = v;
            return this;
        }

        public Builder profile(Path v) {
            profile = v;
            return this;
        }

        public Builder outputs(String v) {
            outputs = v;
            return this;
        }

        public Builder decodePast(int v) {
            decodePast = v;
            return this;
        }

        public Builder cudaGraphs(boolean v) {
            cudaGraphs = v;
            return this;
        }

        public BenchOptions build() {
            return new BenchOptions(model, tokenizer, vocab, provider, device, batch, seq, warmup, iterations, threads, seed,
                    compare, optLevel, profile, outputs, decodePast, cudaGraphs);
        }
    }
}
