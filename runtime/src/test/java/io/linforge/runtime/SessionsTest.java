package io.linforge.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.linforge.core.LinforgeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which session a model file gets, and the exit-2 paths of TensorRT plans, without a GPU. */
class SessionsTest {
    @TempDir
    Path dir;

    static SessionConfig config(Provider... p) {
        return SessionConfig.builder().providers(p).build();
    }

    @Test
    void tensorrtPlanIsAProviderNameButNotAnOrtProvider() {
        assertEquals(Provider.TENSORRT_PLAN, Provider.parse("tensorrt-plan"));
        assertEquals(Provider.TENSORRT_PLAN, Provider.parse(" TRT-PLAN "));
        assertEquals(List.of(Provider.TENSORRT_PLAN, Provider.CPU), Provider.parseList("tensorrt-plan,cpu"));
        assertFalse(Provider.TENSORRT_PLAN.isOrt());
        assertTrue(Provider.TENSORRT_PLAN.isGpu());
        assertFalse(OrtInferenceSession.availableProviders().contains(Provider.TENSORRT_PLAN));
        LinforgeException e = assertThrows(LinforgeException.class, () -> Provider.parse("plan"));
        assertTrue(e.getMessage().contains("tensorrt-plan"), e.getMessage());
    }

    @Test
    void theExtensionMarksAnEngine() {
        assertTrue(ModelFiles.isPlan(Path.of("out/model.plan")));
        assertTrue(ModelFiles.isPlan(Path.of("ENGINE.PLAN")));
        assertFalse(ModelFiles.isPlan(Path.of("out/model.onnx")));
        assertFalse(ModelFiles.isPlan(Path.of("plan")));
        assertFalse(ModelFiles.isPlan(Path.of("/")));
    }

    @Test
    void aFolderGivesItsEngineOnlyWhenTensorrtPlanIsAsked() throws Exception {
        Path out = Files.createDirectories(dir.resolve("export"));
        Files.writeString(out.resolve("model.onnx"), "x");
        Files.writeString(out.resolve("tokenizer.json"), "{}");
        List<Provider> plan = List.of(Provider.TENSORRT_PLAN);
        LinforgeException none = assertThrows(LinforgeException.class, () -> ModelFiles.model(out, "--model", plan));
        assertEquals(2, none.exitCode());
        assertTrue(none.getMessage().equals(out + ": --model: folder has no model.plan (build the engine with linforge "
                + "export --tensorrt on an NVIDIA GPU)"), none.getMessage());
        Files.writeString(out.resolve("model.plan"), "engine");
        assertEquals(out.resolve("model.plan"), ModelFiles.model(out, "--model", plan));
        assertEquals(out.resolve("model.onnx"), ModelFiles.model(out, "--model", List.of(Provider.CPU)));
        assertEquals(out.resolve("model.plan"), ModelFiles.model(out.resolve("model.plan"), "--model", List.of(Provider.CPU)));
        // the engine's tokenizer is the export folder's
        assertEquals(out.resolve("tokenizer.json"), ModelFiles.tokenizerFor(out.resolve("model.plan")).orElseThrow());
        Path named = dir.resolve("minilm.plan");
        Files.writeString(named, "engine");
        Files.writeString(dir.resolve("minilm-tokenizer.json"), "{}");
        assertEquals(dir.resolve("minilm-tokenizer.json"), ModelFiles.tokenizerFor(named).orElseThrow());
    }

    @Test
    void tensorrtPlanOnAnOnnxFileIsBadInput() throws Exception {
        Path onnx = dir.resolve("m.onnx");
        Files.writeString(onnx, "not read");
        for (Runnable r : List.<Runnable>of(() -> Sessions.check(onnx, config(Provider.TENSORRT_PLAN)),
                () -> Sessions.open(onnx, config(Provider.TENSORRT_PLAN)),
                () -> OrtInferenceSession.open(onnx, config(Provider.TENSORRT_PLAN, Provider.CPU)))) {
            LinforgeException e = assertThrows(LinforgeException.class, r::run);
            assertEquals(2, e.exitCode());
            assertTrue(e.getMessage().startsWith(onnx + ": --provider: tensorrt-plan runs serialized TensorRT engines"),
                    e.getMessage());
        }
    }

    @Test
    void anEngineDoesNotRunOnOrtProviders() throws Exception {
        Path plan = dir.resolve("model.plan");
        Files.writeString(plan, "engine");
        LinforgeException e = assertThrows(LinforgeException.class, () -> Sessions.check(plan, config(Provider.CUDA,
                Provider.CPU)));
        assertEquals(2, e.exitCode());
        assertEquals(plan + ": --provider: a TensorRT engine (.plan) runs on tensorrt-plan, not on cuda (those are ONNX "
                + "Runtime providers for .onnx files)", e.getMessage());
    }

    /**
     * A .plan that cannot run here is exit 2 with one line: the probe's reason where TensorRT is
     * missing, TensorRT's refusal to deserialize where it is present (the file is no engine).
     */
    @Test
    void aPlanIsBadInputWhereItCannotRun() throws Exception {
        Path plan = dir.resolve("model.plan");
        Files.write(plan, new byte[] {1, 2, 3, 4});
        for (SessionConfig c : List.of(config(Provider.CPU), config(Provider.TENSORRT_PLAN))) {
            LinforgeException e = assertThrows(LinforgeException.class, () -> Sessions.open(plan, c).close());
            assertEquals(2, e.exitCode(), e.getMessage());
            assertTrue(e.getMessage().startsWith(plan + ": "), e.getMessage());
            assertFalse(e.getMessage().contains("\n"), e.getMessage());
            String why = TensorRtProbe.unavailableReason();
            if (why != null) {
                assertEquals(plan + ": tensorrt-plan: cannot run a TensorRT engine here: " + why, e.getMessage());
            } else {
                assertTrue(e.getMessage().contains("cannot deserialize"), e.getMessage());
            }
        }
        LinforgeException missing = assertThrows(LinforgeException.class, () -> TensorRtSession.open(dir.resolve("no.plan"),
                SessionConfig.cpu()));
        assertEquals(2, missing.exitCode());
        assertTrue(missing.getMessage().contains("no.plan: file: missing"), missing.getMessage());
    }
}
