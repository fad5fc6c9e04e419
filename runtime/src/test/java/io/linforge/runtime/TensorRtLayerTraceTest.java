package io.linforge.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.linforge.runtime.bench.OpProfile;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A TensorRT engine's per-layer times are written as a trace that the ONNX Runtime profile reader reads. */
class TensorRtLayerTraceTest {
    @TempDir
    Path tmp;

    @Test
    void perLayerMediansRunsAndTotalComeBackFromTheTrace() {
        Map<String, List<Double>> times = new LinkedHashMap<>();
        times.put("{ForeignNode[/embeddings/Gather.../encoder/layer.0/Add_1]}", List.of(1.0, 3.0, 2.0));
        times.put("/pooler/MatMul", List.of(0.5, 0.75, 0.5));
        times.put("/Cast", List.of(0.125, 0.25, 0.25));
        Path trace = tmp.resolve("model_tensorrt.json");
        TensorRtSession.writeLayerTrace(times, trace);
        OpProfile.Result r = OpProfile.read(trace);
        assertEquals(3, r.runs());
        assertEquals(3, r.nodes());
        assertEquals(2.0, r.opMs().get("{ForeignNode[/embeddings/Gather.../encoder/layer.0/Add_1]}"), 1e-9);
        assertEquals(0.5, r.opMs().get("/pooler/MatMul"), 1e-9);
        assertEquals(0.25, r.opMs().get("/Cast"), 1e-9);
        assertEquals(2.75, r.totalMs(), 1e-9);
        // largest first
        assertEquals(List.of("{ForeignNode[/embeddings/Gather.../encoder/layer.0/Add_1]}", "/pooler/MatMul", "/Cast"),
                List.copyOf(r.opMs().keySet()));
    }
}
