package io.linforge.runtime.validate;

/** One gate: the measured value against its threshold. */
public record GateResult(String name, String metric, double measured, double threshold, boolean passed, String reason) {
}
