package io.linforge.runtime.validate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.linforge.core.LinforgeException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;

/** Label string to logit index: {@code id2label} of a config.json next to the model, else sorted labels. */
public final class Labels {
    private Labels() {
    }

    public static Map<String, Integer> forModel(Path onnx, ValidationData data) {
        Path config = onnx.toAbsolutePath().getParent().resolve("config.json");
        if (Files.isRegularFile(config)) {
            try {
                JsonNode id2label = new ObjectMapper().readTree(config.toFile()).path("id2label");
                if (id2label.isObject() && id2label.size() > 0) {
                    Map<String, Integer> m = new LinkedHashMap<>();
                    var it = id2label.fields();
                    while (it.hasNext()) {
                        var e = it.next();
                        try {
                            m.put(e.getValue().asText(), Integer.parseInt(e.getKey()));
                        } catch (NumberFormatException ex) {
                            throw LinforgeException.badInput(config, "id2label", "key '" + e.getKey() + "' is not an integer");
                        }
                    }
                    return m;
                }
            } catch (IOException e) {
                throw LinforgeException.badInput(config, "json", "malformed: " + e.getMessage().split("\n")[0]);
            }
        }
        return sorted(data);
    }

    /** The distinct labels of the data, sorted, numbered from 0. */
    public static Map<String, Integer> sorted(ValidationData data) {
        TreeSet<String> labels = new TreeSet<>();
        for (ValidationData.Row r : data.rows()) {
            if (r.label() != null) {
                labels.add(r.label());
            }
        }
        Map<String, Integer> m = new LinkedHashMap<>();
        for (String l : labels) {
            m.put(l, m.size());
        }
        return m;
    }
}
