package io.linforge.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.linforge.core.checkpoint.Checkpoint;
import io.linforge.core.checkpoint.ModelInit;
import io.linforge.core.config.ModelConfig;
import io.linforge.core.tensor.DType;
import io.linforge.core.tensor.TensorData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code init --dtype} and {@code --shard-size}: the same draws stored in another type, split into shards. */
class InitCommandTest {
    static final Path CONFIG = Path.of("../recipes/models/llama-d256-l6-gqa.json");

    @TempDir
    Path dir;

    @Test
    void bf16InShardsHoldsTheFp32DrawsRounded() throws Exception {
        Path out = dir.resolve("ckpt");
        InfoCommandTest.Run r = InfoCommandTest.run("init", "--config", CONFIG.toString(), "--dtype", "bf16",
                "--shard-size", "5MB", "--seed", "3", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("(bf16, 2 files)"), r.out());
        // 4,288,256 bf16 parameters are 8.6 MB: two shards of at most 5,000,000 bytes, and the index
        assertTrue(Files.size(out.resolve("model-00001-of-00002.safetensors")) <= 5_000_000);
        assertTrue(Files.isRegularFile(out.resolve("model-00002-of-00002.safetensors")));
        assertEquals("bfloat16", new ObjectMapper().readTree(out.resolve(Checkpoint.CONFIG).toFile()).get("torch_dtype").asText());
        JsonNode index = new ObjectMapper().readTree(out.resolve(Checkpoint.INDEX).toFile());
        assertEquals(8_576_512, index.get("metadata").get("total_size").asLong());
        ModelConfig c = ModelConfig.read(CONFIG);
        Map<String, TensorData> fp32 = ModelInit.llama(c, 3);
        try (Checkpoint ck = Checkpoint.open(out)) {
            assertEquals(fp32.keySet(), ck.tensorNames());
            for (String name : ck.tensorNames()) {
                TensorData t = ck.tensor(name);
                assertEquals(DType.BF16, t.dtype(), name);
                assertArrayEquals(fp32.get(name).toBF16().toFloats(), t.toFloats(), name);
            }
        }
    }

    @Test
    void aBadDtypeOrShardSizeIsExit2NamingTheOption() {
        Path out = dir.resolve("x");
        InfoCommandTest.Run d = InfoCommandTest.run("init", "--config", CONFIG.toString(), "--dtype", "int8", "--out",
                out.toString());
        NonFiniteInputTest.badInput(d, "init", "--dtype: expected fp32, bf16 or fp16, got 'int8'");
        for (String bad : new String[] {"2TBs", "0", "-5MB", "1.5GB"}) {
            InfoCommandTest.Run s = InfoCommandTest.run("init", "--config", CONFIG.toString(), "--shard-size", bad,
                    "--out", out.toString());
            NonFiniteInputTest.badInput(s, "init", "--shard-size: expected a positive size", "'" + bad + "'");
        }
        assertFalse(Files.exists(out));
    }
}
