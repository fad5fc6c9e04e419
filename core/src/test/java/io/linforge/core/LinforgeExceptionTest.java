package io.linforge.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class LinforgeExceptionTest {
    @Test
    void lineBreaksFromInputAreEscapedSoTheMessageIsOneLine() {
        LinforgeException e = LinforgeException.badInput("m.safetensors", "a\nb\r\n\u2028.dtype", "unknown dtype 'x'");
        assertEquals("m.safetensors: a\\nb\\r\\n\\u2028.dtype: unknown dtype 'x'", e.getMessage());
        assertEquals(LinforgeException.BAD_INPUT, e.exitCode());
    }
}
