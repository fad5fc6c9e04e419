package io.linforge.exporter.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.linforge.core.fuzz.ParserContract;
import io.linforge.core.adapter.LoraAdapter;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.List;

/**
 * The PEFT adapter loader. An input is adapter_config.json, a NUL byte, then
 * adapter_model.safetensors; without a NUL byte it is the config alone.
 */
class LoraAdapterFuzzTest {
    @FuzzTest(maxDuration = "60s")
    void loraAdapter(byte[] data) throws Exception {
        ParserContract.inTempDir(dir -> {
            int nul = 0;
            while (nul < data.length && data[nul] != 0) {
                nul++;
            }
            Files.write(dir.resolve(LoraAdapter.CONFIG), Arrays.copyOf(data, nul));
            if (nul < data.length) {
                Files.write(dir.resolve(LoraAdapter.WEIGHTS), Arrays.copyOfRange(data, nul + 1, data.length));
            }
            ParserContract.parsesOrRejects(dir, () -> {
                LoraAdapter a = LoraAdapter.read(dir);
                a.targetsAnyOf(List.of("encoder.layer.0.attention.self.query", "classifier"));
            });
        });
    }
}
