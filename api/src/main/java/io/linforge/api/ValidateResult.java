package io.linforge.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.linforge.core.LinforgeException;
import io.linforge.runtime.validate.GateResult;
import io.linforge.runtime.validate.ValidationReport;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * What {@link Linforge#validate} measured. A failed gate is a result ({@link #passed()} false), not an
 * exception; {@link #requirePassed()} turns it into one.
 *
 * @param reference the reference model file
 * @param candidate the candidate model file
 * @param data the data file
 * @param referenceProviders providers the reference ran on
 * @param candidateProviders providers the candidate ran on
 * @param referenceEngine engine of the reference ({@code onnxruntime} or {@code tensorrt})
 * @param candidateEngine engine of the candidate
 * @param testSplitOnly whether only the {@code split=test} rows were used
 * @param report rows, kind, metrics and gates
 */
public record ValidateResult(Path reference, Path candidate, Path data, List<String> referenceProviders,
        List<String> candidateProviders, String referenceEngine, String candidateEngine, boolean testSplitOnly,
        ValidationReport report) {
    /** Whether every gate passed (true when there are none). */
    public boolean passed() {
        return report.passed();
    }

    public Map<String, Double> metrics() {
        return report.metrics();
    }

    public List<GateResult> gates() {
        return report.gates();
    }

    /** One line per failed gate: {@code gate NAME failed: REASON}. */
    public List<String> failures() {
        return report.failed().stream().map(g -> "gate " + g.name() + " failed: " + g.reason()).toList();
    }

    /** Throws a {@link LinforgeException} with exit code 3 naming every failed gate; returns this when all passed. */
    public ValidateResult requirePassed() {
        if (!passed()) {
            throw new LinforgeException(LinforgeException.GATE_FAILED, failures().stream().collect(Collectors.joining("; ")));
        }
        return this;
    }

    /** The result as {@code linforge validate --json} writes it. */
    public ObjectNode toJson() {
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.put("reference", reference.toAbsolutePath().toString());
        out.put("candidate", candidate.toAbsolutePath().toString());
        out.put("data", data.toAbsolutePath().toString());
        out.set("reference_providers", Json.MAPPER.valueToTree(referenceProviders));
        out.set("candidate_providers", Json.MAPPER.valueToTree(candidateProviders));
        out.put("reference_engine", referenceEngine);
        out.put("candidate_engine", candidateEngine);
        out.put("rows", report.rows());
        out.put("test_split_only", testSplitOnly);
        out.put("kind", report.kind().id());
        out.set("metrics", Json.MAPPER.valueToTree(report.metrics()));
        ArrayNode gs = out.putArray("gates");
        for (GateResult g : report.gates()) {
            ObjectNode n = gs.addObject();
            n.put("name", g.name());
            n.put("metric", g.metric());
            n.put("measured", g.measured());
            n.put("threshold", g.threshold());
            n.put("passed", g.passed());
            n.put("reason", g.reason());
        }
        out.put("passed", report.passed());
        return out;
    }
}
