package io.linforge.api;

import io.linforge.core.LinforgeException;
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
 * @param dtype {@code fp32} (default), {@code bf16} or {@code fp16}: the type of the safetensors weights (recorded
 *     as the config's {@code torch_dtype})
 * @param shardBytes the largest safetensors file; more weights are split into shards with
 *     {@code model.safetensors.index.json} (null: 4 GiB)
 */
public record InitOptions(Path config, Path out, boolean overwrite, String tokenizer, long seed, String dtype, Long shardBytes) {
    /** The byte-level tokenizer, {@link #tokenizer}'s default. */
    public static final String BYTES = "bytes";

    public InitOptions {
        tokenizer = tokenizer == null ? BYTES : tokenizer;
        dtype = dtype == null ? "fp32" : dtype;
    }

    /**
     * A size in bytes: digits with an optional unit, KB/MB/GB (powers of 1000, as transformers'
     * {@code max_shard_size}) or KiB/MiB/GiB (powers of 1024); at least 1 byte, else bad input naming {@code option}.
     */
    public static long parseSize(String option, String v) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+)\\s*([KMG]i?B)?").matcher(v.trim());
        if (m.matches()) {
            long unit = m.group(2) == null ? 1 : switch (m.group(2)) {
                case "KB" -> 1_000L;
                case "MB" -> 1_000_000L;
                case "GB" -> 1_000_000_000L;
                case "KiB" -> 1L << 10;
                case "MiB" -> 1L << 20;
                default -> 1L << 30;
            };
            try {
                long bytes = Math.multiplyExact(Long.parseLong(m.group(1)), unit);
                if (bytes > 0) {
                    return bytes;
                }
            } catch (ArithmeticException | NumberFormatException e) {
                // reported below
            }
        }
        throw LinforgeException.badInput("--" + option + ": expected a positive size such as 2GB, 500MB or 1GiB, got '"
                + v + "'");
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
        private String dtype = "fp32";
        private Long shardBytes;

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

        /** {@code fp32}, {@code bf16} or {@code fp16}; null keeps the default ({@code fp32}). */
        public Builder dtype(String v) {
            dtype = v == null ? "fp32" : v;
            return this;
        }

        /** The largest safetensors file in bytes; null keeps the default (4 GiB). */
        public Builder shardBytes(Long v) {
            shardBytes = v;
            return this;
        }

        public InitOptions build() {
            return new InitOptions(config, out, overwrite, tokenizer, seed, dtype, shardBytes);
        }
    }
}
