package io.linforge.api;

import java.nio.file.Path;

/**
 * Options of {@link Linforge#generate}; the fields are the options of {@code linforge generate}, with
 * its defaults ({@link #builder}).
 *
 * @param model an export folder, its {@code model.onnx}, or a TensorRT engine ({@code .plan}) of it: a decoder
 *     exported with its key/value cache
 * @param prompt the text to continue
 * @param tokenizer a {@code tokenizer.json}; null for the one beside the model
 * @param maxNewTokens tokens to generate (default 64)
 * @param topP nucleus sampling mass; 0 (the default) decodes greedily
 * @param temperature sampling temperature (default 1)
 * @param seed sampling seed (default 42)
 * @param eos stop after this token id; null for none
 * @param provider {@code cpu}, {@code cuda} or {@code tensorrt} (a comma list sets the priority; default
 *     {@code cpu}), {@code tensorrt-plan} for a {@code .plan}
 * @param threads intra-op threads; null for ONNX Runtime's choice
 */
public record GenerateOptions(Path model, String prompt, Path tokenizer, int maxNewTokens, double topP,
        double temperature, long seed, Integer eos, String provider, Integer threads) {
    public GenerateOptions {
        provider = provider == null ? "cpu" : provider;
    }

    /** Options with the command line's defaults: greedy decoding of 64 tokens on the CPU. */
    public static Builder builder(Path model, String prompt) {
        return new Builder(model, prompt);
    }

    /** Builds {@link GenerateOptions}; every setter mirrors the option of the same name. */
    public static final class Builder {
        private final Path model;
        private final String prompt;
        private Path tokenizer;
        private int maxNewTokens = 64;
        private double topP;
        private double temperature = 1;
        private long seed = 42;
        private Integer eos;
        private String provider = "cpu";
        private Integer threads;

        private Builder(Path model, String prompt) {
            this.model = model;
            this.prompt = prompt;
        }

        public Builder tokenizer(Path v) {
            tokenizer = v;
            return this;
        }

        public Builder maxNewTokens(int v) {
            maxNewTokens = v;
            return this;
        }

        public Builder topP(double v) {
            topP = v;
            return this;
        }

        public Builder temperature(double v) {
            temperature = v;
            return this;
        }

        public Builder seed(long v) {
            seed = v;
            return this;
        }

        public Builder eos(Integer v) {
            eos = v;
            return this;
        }

        /** Null keeps the default ({@code cpu}). */
        public Builder provider(String v) {
            provider = v == null ? "cpu" : v;
            return this;
        }

        public Builder threads(Integer v) {
            threads = v;
            return this;
        }

        public GenerateOptions build() {
            return new GenerateOptions(model, prompt, tokenizer, maxNewTokens, topP, temperature, seed, eos, provider,
                    threads);
        }
    }
}
