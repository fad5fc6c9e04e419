package io.linforge.apiuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.linforge.api.BenchOptions;
import io.linforge.api.BenchResult;
import io.linforge.api.ExportOptions;
import io.linforge.api.ExportResult;
import io.linforge.api.ImportOptions;
import io.linforge.api.ImportResult;
import io.linforge.api.Linforge;
import io.linforge.api.ValidateOptions;
import io.linforge.api.ValidateResult;
import io.linforge.core.LinforgeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pipeline as another project's code calls it: only {@code io.linforge.api} (and its exception). */
class JavaApiTest {
    private static final Path ROOT = Path.of(System.getProperty("linforge.root", "..")).toAbsolutePath().normalize();

    @Test
    void importExportValidateBench(@TempDir Path dir) throws Exception {
        ImportResult imp = Linforge.importModel(ImportOptions.of(ROOT.resolve("target/models/all-minilm-l6-v2.jar"),
                dir.resolve("minilm")));
        assertEquals(6, imp.config().numHiddenLayers());
        assertEquals(22_565_376, imp.parameters()); // all-MiniLM-L6-v2 without its pooler

        ExportResult fp32 = Linforge.export(ExportOptions.builder(imp.out(), dir.resolve("fp32")).pooling("mean").build());
        ExportResult fp16 = Linforge.export(ExportOptions.builder(imp.out(), dir.resolve("fp16")).pooling("mean").fp16(true)
                .build());
        assertEquals("fp16", fp16.precision());
        assertEquals(fp32.parameters(), fp16.parameters());
        assertTrue(fp16.bytes() < 0.6 * fp32.bytes(), fp16.bytes() + " vs " + fp32.bytes());
        assertEquals(fp16.toJson().get("onnx").asText(), dir.resolve("fp16/model.onnx").toAbsolutePath().toString());

        // an existing output is refused without overwrite, naming the option
        LinforgeException again = assertThrows(LinforgeException.class,
                () -> Linforge.export(ExportOptions.builder(imp.out(), dir.resolve("fp16")).build()));
        assertEquals(LinforgeException.BAD_INPUT, again.exitCode());
        assertTrue(again.getMessage().contains("--out"), again.getMessage());

        Path data = ROOT.resolve("examples/pipeline/data/sample.jsonl");
        ValidateResult ok = Linforge.validate(ValidateOptions.builder(fp32.onnx(), fp16.onnx(), data).minCosine(0.999)
                .limit(16).build());
        assertTrue(ok.passed(), ok.toJson().toString());
        assertEquals(16, ok.report().rows());
        double cosine = ok.gates().get(0).measured();
        assertTrue(cosine > 0.999 && cosine <= 1 + 1e-6, "cosine " + cosine);

        // the same numbers, an impossible gate: a result that fails, and requirePassed's exit 3
        ValidateResult strict = Linforge.validate(ValidateOptions.builder(fp32.onnx(), fp16.onnx(), data)
                .minCosine(Math.nextUp(cosine)).limit(16).build());
        assertFalse(strict.passed());
        assertEquals(cosine, strict.gates().get(0).measured());
        LinforgeException gate = assertThrows(LinforgeException.class, strict::requirePassed);
        assertEquals(LinforgeException.GATE_FAILED, gate.exitCode());
        assertTrue(gate.getMessage().startsWith("gate min-cosine failed: "), gate.getMessage());

        BenchResult.Single b = (BenchResult.Single) Linforge.bench(BenchOptions.builder(fp32.onnx()).batch(List.of(2))
                .seq(List.of(16)).warmup(1).iterations(3).build());
        assertEquals(1, b.results().size());
        assertEquals(3, b.results().get(0).iterations());
        assertTrue(b.results().get(0).p50Ms() > 0);
        assertEquals(List.of("cpu"), b.providers());

        LinforgeException badList = assertThrows(LinforgeException.class, () -> BenchOptions.parseList("--seq", "16,x"));
        assertEquals("--seq: expected positive integers separated by commas, got '16,x'", badList.getMessage());
        assertTrue(Files.isRegularFile(fp16.onnx()));
    }
}
