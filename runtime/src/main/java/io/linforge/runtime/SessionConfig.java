package io.linforge.runtime;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How to open an {@link InferenceSession}: providers in priority order and their options.
 * Immutable; build with {@link #builder()}.
 */
public final class SessionConfig {
    /** Graph optimization level (ONNX Runtime's 0, 1, 2, 99). */
    public enum OptLevel { NONE, BASIC, EXTENDED, ALL }

    private final List<Provider> providers;
    private final int deviceId;
    private final int intraOpThreads;
    private final OptLevel optLevel;
    private final Path profilePrefix;
    private final Map<String, String> cudaOptions;
    private final Map<String, String> tensorrtOptions;
    private final boolean cudaGraphs;

    private SessionConfig(Builder b) {
        this.providers = List.copyOf(b.providers);
        this.deviceId = b.deviceId;
        this.intraOpThreads = b.intraOpThreads;
        this.optLevel = b.optLevel;
        this.profilePrefix = b.profilePrefix;
        this.cudaOptions = Map.copyOf(b.cudaOptions);
        this.tensorrtOptions = Map.copyOf(b.tensorrtOptions);
        this.cudaGraphs = b.cudaGraphs;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this configuration. */
    public Builder toBuilder() {
        Builder b = new Builder().providers(providers).deviceId(deviceId).intraOpThreads(intraOpThreads).optLevel(optLevel)
                .profile(profilePrefix).cudaGraphs(cudaGraphs);
        b.cudaOptions.putAll(cudaOptions);
        b.tensorrtOptions.putAll(tensorrtOptions);
        return b;
    }

    /** CPU only, default threads, extended optimizations. */
    public static SessionConfig cpu() {
        return builder().build();
    }

    public List<Provider> providers() {
        return providers;
    }

    public int deviceId() {
        return deviceId;
    }

    /** 0 lets ONNX Runtime choose. */
    public int intraOpThreads() {
        return intraOpThreads;
    }

    public OptLevel optLevel() {
        return optLevel;
    }

    /** Where ONNX Runtime writes its per-node profile ({@code <prefix>_<date>.json}), or null for none. */
    public Path profilePrefix() {
        return profilePrefix;
    }

    public Map<String, String> cudaOptions() {
        return cudaOptions;
    }

    /** Whether a TensorRT engine replays repeated runs as CUDA graphs (default true). */
    public boolean cudaGraphs() {
        return cudaGraphs;
    }

    public Map<String, String> tensorrtOptions() {
        return tensorrtOptions;
    }

    public static final class Builder {
        private List<Provider> providers = List.of(Provider.CPU);
        private int deviceId;
        private int intraOpThreads;
        private OptLevel optLevel = OptLevel.EXTENDED;
        private Path profilePrefix;
        private final Map<String, String> cudaOptions = new LinkedHashMap<>();
        private final Map<String, String> tensorrtOptions = new LinkedHashMap<>();
        private boolean cudaGraphs = true;

        public Builder providers(List<Provider> p) {
            if (p.isEmpty()) {
                throw new IllegalArgumentException("no provider");
            }
            this.providers = List.copyOf(p);
            return this;
        }

        public Builder providers(Provider... p) {
            return providers(List.of(p));
        }

        public Builder deviceId(int id) {
            this.deviceId = id;
            return this;
        }

        public Builder intraOpThreads(int n) {
            this.intraOpThreads = n;
            return this;
        }

        public Builder optLevel(OptLevel level) {
            this.optLevel = level;
            return this;
        }

        /** Records a profile: ONNX Runtime per node, a TensorRT engine per layer; see {@link InferenceSession#endProfiling()}. */
        public Builder profile(Path prefix) {
            this.profilePrefix = prefix;
            return this;
        }

        /**
         * A TensorRT engine captures a run that repeats the previous run's shapes as a CUDA graph
         * and replays it while they stay the same (one launch instead of one per kernel; same
         * results). On by default.
         */
        public Builder cudaGraphs(boolean on) {
            this.cudaGraphs = on;
            return this;
        }

        /** Any CUDA execution provider option (e.g. {@code gpu_mem_limit}). */
        public Builder cudaOption(String key, String value) {
            cudaOptions.put(key, value);
            return this;
        }

        /** TF32 matmuls on the CUDA provider; off gives results closer to fp32 CPU ones. */
        public Builder useTf32(boolean on) {
            return cudaOption("use_tf32", on ? "1" : "0");
        }

        /** Any TensorRT execution provider option (e.g. {@code trt_max_workspace_size}). */
        public Builder tensorrtOption(String key, String value) {
            tensorrtOptions.put(key, value);
            return this;
        }

        public Builder tensorrtFp16(boolean on) {
            return tensorrtOption("trt_fp16_enable", on ? "1" : "0");
        }

        /** Engine and timing caches in {@code dir}; engines are tied to GPU, TensorRT version and options. */
        public Builder tensorrtEngineCache(Path dir) {
            tensorrtOption("trt_engine_cache_enable", "1");
            tensorrtOption("trt_engine_cache_path", dir.toString());
            tensorrtOption("trt_timing_cache_enable", "1");
            return tensorrtOption("trt_timing_cache_path", dir.toString());
        }

        /**
         * Optimization profile for dynamic inputs: every input gets {@code [batch, seq]} at the min,
         * opt and max points (e.g. input_ids:1x1, 8x128, 32x512).
         */
        public Builder tensorrtProfile(List<String> inputNames, int[] minBs, int[] optBs, int[] maxBs) {
            tensorrtOption("trt_profile_min_shapes", shapes(inputNames, minBs));
            tensorrtOption("trt_profile_opt_shapes", shapes(inputNames, optBs));
            return tensorrtOption("trt_profile_max_shapes", shapes(inputNames, maxBs));
        }

        private static String shapes(List<String> names, int[] bs) {
            StringBuilder sb = new StringBuilder();
            for (String n : names) {
                if (sb.length() > 0) {
                    sb.append(',');
                }
                sb.append(n).append(':').append(bs[0]).append('x').append(bs[1]);
            }
            return sb.toString();
        }

        public SessionConfig build() {
            return new SessionConfig(this);
        }
    }
}
