package io.linforge.runtime;

import io.linforge.core.LinforgeException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Where a model runs, by its command-line name: the execution providers of ONNX Runtime
 * ({@code cpu}, {@code cuda}, {@code tensorrt}) for ONNX files, and {@code tensorrt-plan} for
 * serialized TensorRT engines ({@code .plan} files, run by {@link TensorRtSession}).
 */
public enum Provider {
    CPU("cpu"),
    CUDA("cuda"),
    TENSORRT("tensorrt"),
    TENSORRT_PLAN("tensorrt-plan");

    private final String id;

    Provider(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    public boolean isGpu() {
        return this != CPU;
    }

    /** True for the providers of ONNX Runtime (all but {@code tensorrt-plan}). */
    public boolean isOrt() {
        return this != TENSORRT_PLAN;
    }

    public static Provider parse(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        for (Provider p : values()) {
            if (p.id.equals(n) || (p == TENSORRT && n.equals("trt")) || (p == TENSORRT_PLAN && n.equals("trt-plan"))) {
                return p;
            }
        }
        throw LinforgeException.badInput("unknown provider '" + name + "' (expected cpu, cuda, tensorrt or tensorrt-plan)");
    }

    /** A comma-separated list in priority order, e.g. {@code tensorrt,cuda}. */
    public static List<Provider> parseList(String list) {
        List<Provider> out = new ArrayList<>();
        for (String s : list.split(",")) {
            if (!s.isBlank()) {
                Provider p = parse(s);
                if (!out.contains(p)) {
                    out.add(p);
                }
            }
        }
        if (out.isEmpty()) {
            throw LinforgeException.badInput("empty provider list");
        }
        return out;
    }

    @Override
    public String toString() {
        return id;
    }
}
