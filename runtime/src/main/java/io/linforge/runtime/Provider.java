package io.linforge.runtime;

import io.linforge.core.LinforgeException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** An execution provider of ONNX Runtime, by its command-line name. */
public enum Provider {
    CPU("cpu"),
    CUDA("cuda"),
    TENSORRT("tensorrt");

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

    public static Provider parse(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        for (Provider p : values()) {
            if (p.id.equals(n) || (p == TENSORRT && n.equals("trt"))) {
                return p;
            }
        }
        throw LinforgeException.badInput("unknown provider '" + name + "' (expected cpu, cuda or tensorrt)");
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
