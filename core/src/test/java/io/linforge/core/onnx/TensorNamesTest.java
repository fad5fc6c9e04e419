package io.linforge.core.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The cache names are those of Hugging Face's decoder exports, and the layer of a cache input reads back. */
class TensorNamesTest {
    @Test
    void cacheNamesAreHuggingFaces() {
        assertEquals("past_key_values.3.key", TensorNames.pastKey(3));
        assertEquals("past_key_values.3.value", TensorNames.pastValue(3));
        assertEquals("present.12.key", TensorNames.presentKey(12));
        assertEquals("present.12.value", TensorNames.presentValue(12));
        assertTrue(TensorNames.isPast("past_key_values.0.value"));
        assertFalse(TensorNames.isPast("present.0.key"));
    }

    @Test
    void layerOfAPastKeyInput() {
        assertEquals(17, TensorNames.pastKeyLayer(TensorNames.pastKey(17)));
        assertEquals(-1, TensorNames.pastKeyLayer(TensorNames.pastValue(17)));
        assertEquals(-1, TensorNames.pastKeyLayer(TensorNames.INPUT_IDS));
        assertThrows(NumberFormatException.class, () -> TensorNames.pastKeyLayer("past_key_values.x.key"));
        assertThrows(NumberFormatException.class, () -> TensorNames.pastKeyLayer("past_key_values.-1.key"));
        assertThrows(NumberFormatException.class, () -> TensorNames.pastKeyLayer("past_key_values..key"));
    }
}
