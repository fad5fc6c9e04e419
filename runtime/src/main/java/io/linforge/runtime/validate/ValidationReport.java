package io.linforge.runtime.validate;

import java.util.List;
import java.util.Map;

/** The outcome of a validation: model kind, rows used, metrics by name, and gate results. */
public record ValidationReport(ModelKind kind, int rows, Map<String, Double> metrics, List<GateResult> gates) {
    public boolean passed() {
        return gates.stream().allMatch(GateResult::passed);
    }

    public List<GateResult> failed() {
        return gates.stream().filter(g -> !g.passed()).toList();
    }
}
