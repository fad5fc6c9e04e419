package io.linforge.core.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.linforge.core.checkpoint.Safetensors;
import io.linforge.core.checkpoint.SafetensorsFile;
import io.linforge.core.tensor.TensorData;
import java.nio.file.Files;
import java.nio.file.Path;

/** The safetensors reader: header, dtypes, shapes and byte ranges of any bytes. */
class SafetensorsFuzzTest {
    @FuzzTest(maxDuration = "60s")
    void safetensors(byte[] data) throws Exception {
        Path dir = ParserContract.tempDir();
        try {
            Path f = dir.resolve("model.safetensors");
            Files.write(f, data);
            ParserContract.parsesOrRejects(f, () -> {
                try (SafetensorsFile s = SafetensorsFile.open(f)) {
                    s.metadata();
                    for (String n : s.names()) {
                        TensorData t = s.get(n);
                        if (t.dtype().isFloating()) {
                            t.toFloats();
                        }
                    }
                }
                Safetensors.readAll(f);
            });
        } finally {
            ParserContract.delete(dir);
        }
    }
}
