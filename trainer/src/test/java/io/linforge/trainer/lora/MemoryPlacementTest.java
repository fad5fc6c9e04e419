package io.linforge.trainer.lora;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.linforge.core.checkpoint.Checkpoint;
import io.linforge.model.Linear;
import io.linforge.model.Parameter;
import io.linforge.model.TransformerModel;
import io.linforge.trainer.optim.AdamW;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Everything a training run updates or multiplies by lives in libtorch's own 64-byte aligned memory: the
 * weights as loaded, the LoRA matrices as initialised, and optimizer moments as restored from a training
 * checkpoint. An array that wraps a Java buffer sits wherever the JVM's allocator put it, differently in
 * each process.
 */
class MemoryPlacementTest {
    static final Path BERT = Path.of("../core/src/test/resources/fixtures/hf/bert");

    static void assertAligned(String what, NDArray a) {
        assertEquals(0, a.toByteBuffer(true).alignmentOffset(0, 64), what + " is not in libtorch's aligned memory");
    }

    @Test
    void weightsAdaptersAndRestoredMomentsLiveInLibtorchMemory() {
        try (NDManager root = NDManager.newBaseManager(); Checkpoint c = Checkpoint.open(BERT);
                TransformerModel tm = TransformerModel.load(c, root, DataType.FLOAT32);
                AdamW opt = new AdamW(root, 0.9, 0.999, 1e-8, 0)) {
            int checked = 0;
            for (Parameter p : tm.parameters().values()) {
                assertAligned(p.name(), p.array());
                checked++;
            }
            SplittableRandom rng = new SplittableRandom(7);
            for (Linear l : tm.layers().get(0).linears()) {
                LoraLinear lora = new LoraLinear(l, l.name(), 8, 16, false, 0, root, rng, null);
                assertAligned(lora.a().name(), lora.a().array());
                assertAligned(lora.b().name(), lora.b().array());
                checked += 2;
            }
            float[] m = new float[8 * 32 + 3];
            for (int i = 0; i < 20; i++) {   // a wrapped Java buffer is 64-byte aligned about one time in four
                opt.restore("w" + i, m, m, new Shape(m.length), 5);
                assertAligned("moment m of w" + i, opt.state().get("w" + i).m);
                assertAligned("moment v of w" + i, opt.state().get("w" + i).v);
            }
            assertTrue(checked > 30, "checked " + checked);
            // the check can tell: arrays wrapping Java buffers (NDManager.create of a Java array) are not all aligned
            int unaligned = 0;
            for (int i = 0; i < 20; i++) {
                try (NDArray j = root.create(m, new Shape(m.length))) {
                    unaligned += j.toByteBuffer(true).alignmentOffset(0, 64) != 0 ? 1 : 0;
                }
            }
            assertTrue(unaligned > 0, "20 wrapped Java buffers, all 64-byte aligned");
            System.out.printf("%d parameters and 40 moments aligned; %d of 20 wrapped Java buffers were not%n", checked,
                    unaligned);
        }
    }
}
