package io.linforge.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.linforge.core.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Path;

/** The JSON form of the results: the documents the command line's {@code --json} writes. */
public final class Json {
    /** Indented output, as every {@code --json} file is written. */
    public static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Json() {
    }

    /** The document as text, ending with a newline. */
    public static String text(JsonNode result) throws IOException {
        return MAPPER.writeValueAsString(result) + "\n";
    }

    /** Writes the document atomically to {@code file}. */
    public static void write(Path file, JsonNode result) throws IOException {
        AtomicFiles.writeString(file, text(result));
    }
}
