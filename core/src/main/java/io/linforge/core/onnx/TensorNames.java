package io.linforge.core.onnx;

/**
 * The input and output names of the ONNX graphs that linforge writes and runs: those of Hugging
 * Face's exports (optimum), so that a model exported elsewhere runs as one exported here. The
 * exporter names its graph's inputs and outputs with these, and the runtime feeds and reads them.
 */
public final class TensorNames {
    public static final String INPUT_IDS = "input_ids";
    public static final String ATTENTION_MASK = "attention_mask";
    public static final String TOKEN_TYPE_IDS = "token_type_ids";
    public static final String POSITION_IDS = "position_ids";
    /** A classifier's [batch, labels] or a language model's [batch, sequence, vocab] scores. */
    public static final String LOGITS = "logits";
    /** An encoder's [batch, sequence, hidden] token vectors. */
    public static final String LAST_HIDDEN_STATE = "last_hidden_state";
    /** An encoder's pooled [batch, hidden] text vectors (an export with pooling built in). */
    public static final String SENTENCE_EMBEDDING = "sentence_embedding";
    /** The start of a decoder's key/value cache inputs, {@code past_key_values.<layer>.key|value}. */
    public static final String PAST = "past_key_values.";
    /** The start of a decoder's key/value cache outputs, {@code present.<layer>.key|value}. */
    public static final String PRESENT = "present.";
    private static final String KEY = ".key";
    private static final String VALUE = ".value";

    private TensorNames() {
    }

    public static String pastKey(int layer) {
        return PAST + layer + KEY;
    }

    public static String pastValue(int layer) {
        return PAST + layer + VALUE;
    }

    public static String presentKey(int layer) {
        return PRESENT + layer + KEY;
    }

    public static String presentValue(int layer) {
        return PRESENT + layer + VALUE;
    }

    /** Whether {@code name} is one of the key/value cache inputs. */
    public static boolean isPast(String name) {
        return name.startsWith(PAST);
    }

    /**
     * The layer N of a {@code past_key_values.N.key} input; -1 for a name of another form (a value
     * input, or not a cache input); {@link NumberFormatException} when N is not a number of digits.
     */
    public static int pastKeyLayer(String name) {
        if (!name.startsWith(PAST) || !name.endsWith(KEY)) {
            return -1;
        }
        String n = name.substring(PAST.length(), name.length() - KEY.length());
        if (n.isEmpty() || !n.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new NumberFormatException(n);
        }
        return Integer.parseInt(n);
    }
}
