package io.linforge.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.linforge.core.LinforgeException;
import io.linforge.core.checkpoint.Checkpoint;
import io.linforge.core.testing.BadInputTest;
import io.linforge.core.testing.BadInputs;
import io.linforge.model.TransformerModel;
import io.linforge.trainer.lora.LoraSetup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A LoRA rank above what a targeted layer allows is refused before any adapter memory is allocated. */
class LoraRankTest {
    @TempDir
    Path tmp;

    @Test
    void rankAboveTheSmallestTargetedLayerIsBadInput() throws Exception {
        Path model = TinyLlama.create(tmp, 3);
        try (Checkpoint ck = Checkpoint.open(model); NDManager m = NDManager.newBaseManager();
                TransformerModel tm = TransformerModel.load(ck, m, DataType.FLOAT32)) {
            // k_proj maps 32 -> 16 (two key/value heads of 8)
            LinforgeException e = assertThrows(LinforgeException.class,
                    () -> LoraSetup.inject(tm, List.of("q_proj", "k_proj"), List.of(), 17, 16, false, 0, 1));
            assertEquals(LinforgeException.BAD_INPUT, e.exitCode());
            assertEquals("--rank: 17 is larger than layer model.layers.0.self_attn.k_proj allows (min(in_features 32, "
                    + "out_features 16) = 16)", e.getMessage());
            assertFalse(tm.linears().values().stream().anyMatch(l -> !l.adapters().isEmpty()), "no adapter was added");
            assertEquals(4, LoraSetup.inject(tm, List.of("q_proj", "k_proj"), List.of(), 16, 16, false, 0, 1).size());
        }
    }

    @BadInputTest
    void trainingWithAHugeRankExitsTwoWithoutWritingAnything() throws Exception {
        Path model = TinyLlama.create(tmp, 3);
        Path text = TinyLlama.text(tmp, 4_000);
        Path out = tmp.resolve("out");
        LinforgeException e = assertThrows(LinforgeException.class, () -> CausalLmTrainer.train(model, text, out,
                TinyLlama.config("lora", 2, 2, 1, 1e-3, 1, 100_000), 0.1));
        assertEquals(LinforgeException.BAD_INPUT, e.exitCode());
        assertEquals("--rank: 100000 is larger than layer model.layers.0.self_attn.q_proj allows (min(in_features 32, "
                + "out_features 32) = 32)", e.getMessage());
        assertFalse(Files.exists(out));
        BadInputs.input("`train --rank` larger than a targeted layer allows (min of its in and out features)")
                .record(e.exitCode(), e.getMessage());
    }
}
