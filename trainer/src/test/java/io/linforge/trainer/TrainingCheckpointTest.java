package io.linforge.trainer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.linforge.core.LinforgeException;
import io.linforge.model.Parameter;
import io.linforge.trainer.optim.AdamW;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainingCheckpointTest {
    @TempDir
    Path tmp;

    @Test
    void restoresTheWeightsAndRefusesAnotherThreadCount() throws Exception {
        ObjectMapper json = new ObjectMapper();
        Path dir = tmp.resolve("out.ckpt");
        try (NDManager root = NDManager.newBaseManager(); AdamW opt = new AdamW(root, 0.9, 0.999, 1e-8, 0)) {
            Parameter p = new Parameter("w", root.create(new float[] {0.25f, -1.5f, 3f}));
            TrainingCheckpoint.save(dir, 3, List.of(p), opt, Map.of(), json.createArrayNode());
            ObjectNode state = (ObjectNode) json.readTree(dir.resolve("state.json").toFile());
            assertEquals(TrainingCheckpoint.intraOpThreads(), state.path("intra_op_threads").asInt(-1));

            Parameter q = new Parameter("w", root.create(new float[] {0f, 0f, 0f}));
            assertEquals(3, TrainingCheckpoint.restore(dir, List.of(q), opt, m -> { }, json.createArrayNode()));
            assertArrayEquals(new float[] {0.25f, -1.5f, 3f}, q.array().toFloatArray());

            int other = TrainingCheckpoint.intraOpThreads() + 1;
            state.put("intra_op_threads", other);
            Files.writeString(dir.resolve("state.json"), json.writeValueAsString(state));
            LinforgeException e = assertThrows(LinforgeException.class,
                    () -> TrainingCheckpoint.restore(dir, List.of(q), opt, m -> { }, json.createArrayNode()));
            assertEquals(LinforgeException.BAD_INPUT, e.exitCode());
            assertEquals(dir.resolve("state.json") + ": intra_op_threads: the checkpoint was written with " + other
                    + " intra-op threads, this run has " + TrainingCheckpoint.intraOpThreads() + "; the updates would"
                    + " differ in the last bits; resume with -Dai.djl.pytorch.num_threads=" + other
                    + " (LINFORGE_JAVA_OPTS)", e.getMessage());
        }
    }
}
