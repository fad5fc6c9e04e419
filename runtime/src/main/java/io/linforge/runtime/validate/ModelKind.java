package io.linforge.runtime.validate;

import io.linforge.core.LinforgeException;
import io.linforge.core.onnx.TensorNames;
import io.linforge.runtime.InferenceSession;
import io.linforge.runtime.IoInfo;

/** What a model computes, from its outputs. */
public enum ModelKind {
    /** {@code logits [batch, labels]}. */
    CLASSIFIER,
    /** {@code logits [batch, seq, vocab]}: a causal language model. */
    LANGUAGE_MODEL,
    /**
     * {@code last_hidden_state [batch, seq, hidden]} or a pooled export's
     * {@code sentence_embedding [batch, hidden]}, and no logits.
     */
    EMBEDDING;

    public static ModelKind of(InferenceSession s, Object source) {
        if (s.hasOutput(TensorNames.LOGITS)) {
            IoInfo l = s.output(TensorNames.LOGITS);
            if (l.rank() == 2) {
                return CLASSIFIER;
            }
            if (l.rank() == 3) {
                return LANGUAGE_MODEL;
            }
            throw LinforgeException.badInput(source, "outputs", "'logits' has rank " + l.rank() + " (expected 2 or 3)");
        }
        if (s.hasOutput(TensorNames.LAST_HIDDEN_STATE) || s.hasOutput(TensorNames.SENTENCE_EMBEDDING)) {
            return EMBEDDING;
        }
        throw LinforgeException.badInput(source, "outputs", "none of 'logits', 'last_hidden_state', 'sentence_embedding' (outputs: "
                + s.outputs() + ")");
    }

    public String id() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
