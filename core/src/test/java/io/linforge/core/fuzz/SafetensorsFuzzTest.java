package io.linforge.core.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.linforge.core.checkpoint.Safetensors;
import io.linforge.core.checkpoint.SafetensorsFile;
import io.linforge.core.tensor.TensorData;

/** The safetensors reader: header, dtypes, shapes and byte ranges of any bytes. */
class SafetensorsFuzzTest {
    @FuzzTest(maxDuration = "60s")
    void safetensors(byte[] data) throws Exception {
        ParserContract.parseFile(data, "model.safetensors", f -> {
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
    }
}
