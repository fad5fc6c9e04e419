package io.linforge.runtime;

import io.linforge.core.LinforgeException;
import java.nio.file.Path;
import java.util.List;

/**
 * Opens the session a model file calls for: a serialized TensorRT engine ({@code .plan}) on
 * {@link TensorRtSession}, anything else on {@link OrtInferenceSession} with the configured
 * ONNX Runtime providers. {@code tensorrt-plan} in the provider list asks for an engine
 * explicitly; it never applies to an ONNX file, and an engine never runs on ONNX Runtime.
 */
public final class Sessions {
    private Sessions() {
    }

    /**
     * Checks, without loading the model, that it can be opened with {@code config}: the provider
     * list fits the file, and for an engine that TensorRT can run here (exit 2 with the reason
     * otherwise). Commands call it before any long work.
     */
    public static void check(Path model, SessionConfig config) {
        List<Provider> ps = config.providers();
        if (!ModelFiles.isPlan(model)) {
            if (ps.contains(Provider.TENSORRT_PLAN)) {
                throw planProviderOnOnnx(model);
            }
            return;
        }
        List<Provider> ort = ps.stream().filter(p -> p != Provider.TENSORRT_PLAN && p != Provider.CPU).toList();
        if (!ort.isEmpty()) {
            throw LinforgeException.badInput(model, "--provider", "a TensorRT engine (.plan) runs on tensorrt-plan, not on "
                    + OrtInferenceSession.joined(ort) + " (those are ONNX Runtime providers for .onnx files)");
        }
        TensorRtSession.requireAvailable(model);
    }

    /** Opens {@code model}: an engine on TensorRT, an ONNX file on ONNX Runtime. */
    public static InferenceSession open(Path model, SessionConfig config) {
        check(model, config);
        return ModelFiles.isPlan(model) ? TensorRtSession.open(model, config) : OrtInferenceSession.open(model, config);
    }

    static LinforgeException planProviderOnOnnx(Path model) {
        return LinforgeException.badInput(model, "--provider", "tensorrt-plan runs serialized TensorRT engines (.plan "
                + "files), not ONNX; build one with linforge export --tensorrt, or use cpu, cuda or tensorrt for an ONNX file");
    }
}
