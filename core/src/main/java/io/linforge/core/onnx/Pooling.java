package io.linforge.core.onnx;

import io.linforge.core.LinforgeException;
import java.util.Locale;

/**
 * How an encoder export turns token states into one vector per sequence ({@code --pooling}),
 * recorded in the export's {@link #METADATA_KEY} metadata, where the runtime reads it back.
 */
public enum Pooling {
    /** No pooling: the export gives {@code last_hidden_state}. */
    NONE,
    /** Attention-mask weighted mean of the token states (sentence-transformers' mean pooling). */
    MEAN,
    /** The first token's state. */
    CLS;

    /** The ONNX metadata key of a pooled export's pooling ({@code mean} or {@code cls}). */
    public static final String METADATA_KEY = "linforge.pooling";

    /** The name on the command line and in metadata ({@code none}, {@code mean}, {@code cls}). */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The value of {@code --pooling}: null is {@link #NONE}; anything but mean or cls is exit 2 naming the option. */
    public static Pooling parse(String option) {
        if (option == null) {
            return NONE;
        }
        return switch (option.toLowerCase(Locale.ROOT)) {
            case "mean" -> MEAN;
            case "cls" -> CLS;
            default -> throw LinforgeException.badInput("--pooling: '" + option + "' (expected mean or cls)");
        };
    }

    /** The pooling a pooled export's metadata value names; mean when it names none. */
    public static Pooling ofMetadata(String value) {
        return CLS.id().equals(value) ? CLS : MEAN;
    }

    /**
     * Exit 2 naming the option when {@code pooling} and {@code normalize} do not go together, or
     * pooling is asked of a model with a classification head.
     */
    public void check(boolean normalize, boolean classifier) {
        if (normalize && this == NONE) {
            throw LinforgeException.badInput("--normalize needs --pooling mean or cls");
        }
        if (this != NONE && classifier) {
            throw LinforgeException.badInput("--pooling: the model has a classification head "
                    + "(its output is logits); pooling applies to encoders without one");
        }
    }
}
