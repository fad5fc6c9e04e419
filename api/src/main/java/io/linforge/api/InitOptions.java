package io.linforge.api;

import java.nio.file.Path;

/**
 * Options of {@link Linforge#init}; the fields are the options of {@code linforge init}, with its
 * defaults ({@link #builder}).
 *
 * @param config a Hugging Face {@code config.json} of a LLaMA-family decoder
 * @param out the checkpoint folder to write (next to the target, renamed in)
 * @param overwrite replace linforge's files in an existing non-empty {@code out}
 * @param tokenizer {@code bytes} (the byte-level tokenizer, 257 tokens) or the path of a {@code tokenizer.json}
 *     whose token ids the config's {@code vocab_size} covers
 * @param seed seed of the initialisation
 */
public record InitOptions(Path config, Path out, boolean overwrite, String tokenizer, long seed) {
    /** The byte-level tokenizer, {@link #tokenizer}'s default. */
    public static final String BYTES = "bytes";

    public InitOptions {
        tokenizer = tokenizer == null ? BYTES : tokenizer;
    }

    /** Options with the command line's defaults for {@code config} into {@code out}. */
    public static Builder builder(Path config, Path out) {
        return new Builder(config, out);
    }

    /** Builds {@link InitOptions}; every setter mirrors the option of the same name. */
    public static final class Builder {
        private final Path config;
        private final Path out;
        private boolean overwrite;
        private String tokenizer = BYTES;
        private long seed = 42;

        private Builder(Path config, Path out) {
            this.config = config;
            this.out = out;
        }

        public Builder overwrite(boolean v) {
            overwrite = v;
            return this;
        }

        /** {@code bytes} or a {@code tokenizer.json} path; null keeps the default ({@code bytes}). */
        public Builder tokenizer(String v) {
            tokenizer = v == null ? BYTES : v;
            return this;
        }

        public Builder tokenizer(Path v) {
            return tokenizer(v == null ? null : v.toString());
        }

        public Builder seed(long v) {
            seed = v;
            return this;
        }

        public InitOptions build() {
            return new InitOptions(config, out, overwrite, tokenizer, seed);
        }
    }
}
