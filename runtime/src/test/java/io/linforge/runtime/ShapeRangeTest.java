package io.linforge.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.linforge.core.LinforgeException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ShapeRangeTest {
    /** The profile TensorRtBuilder gives a [batch, sequence] input. */
    static final ShapeRange IDS = new ShapeRange("input_ids", new long[] {1, 1}, new long[] {8, 128}, new long[] {32, 512});

    @Test
    void shapesWithinMinAndMaxAreAccepted() {
        assertTrue(IDS.contains(new long[] {1, 1}));
        assertTrue(IDS.contains(new long[] {32, 512}));
        assertTrue(IDS.contains(new long[] {3, 7}));
        assertNull(IDS.violation(new long[] {8, 128}));
    }

    @Test
    void eachDimensionIsCheckedAgainstItsOwnBounds() {
        String batch = IDS.violation(new long[] {33, 8});
        assertTrue(batch.startsWith("shape [33, 8] is outside the engine's optimization profile at "
                + "dimension 0 (33 not in 1..32; min [1, 1], max [32, 512])"), batch);
        String seq = IDS.violation(new long[] {2, 513});
        assertTrue(seq.contains("at dimension 1 (513 not in 1..512"), seq);
        assertTrue(IDS.violation(new long[] {0, 8}).contains("(0 not in 1..32"));
        assertTrue(IDS.violation(new long[] {4, 0}).contains("at dimension 1 (0 not in 1..512"));
        String rank = IDS.violation(new long[] {4});
        assertTrue(rank.contains("has rank 1") && rank.contains("expects rank 2"), rank);
    }

    @Test
    void pastLengthZeroFitsAProfileStartingAtZero() {
        ShapeRange past = new ShapeRange("past_key_values.0.key", new long[] {1, 2, 0, 16}, new long[] {8, 2, 128, 16},
                new long[] {32, 2, 512, 16});
        assertTrue(past.contains(new long[] {1, 2, 0, 16}));
        assertFalse(past.contains(new long[] {1, 4, 0, 16}));
        assertFalse(past.contains(new long[] {1, 2, 0, 8}));
    }

    @Test
    void fixedInputsAcceptTheirOneShape() {
        ShapeRange f = ShapeRange.fixed("x", new long[] {1, 3});
        assertTrue(f.contains(new long[] {1, 3}));
        assertFalse(f.contains(new long[] {2, 3}));
    }

    @Test
    void checkIsBadInputNamingTheFileAndTheInput() {
        Path plan = Path.of("runs/x/model.plan");
        IDS.check(plan, new long[] {2, 16});
        LinforgeException e = assertThrows(LinforgeException.class, () -> IDS.check(plan, new long[] {64, 16}));
        assertEquals(LinforgeException.BAD_INPUT, e.exitCode());
        assertTrue(e.getMessage().startsWith(plan + ": input 'input_ids': shape [64, 16] is outside the engine's "
                + "optimization profile at dimension 0 (64 not in 1..32"),
                e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    @Test
    void minOptAndMaxMustAgreeInRank() {
        assertThrows(IllegalArgumentException.class, () -> new ShapeRange("x", new long[] {1}, new long[] {1, 1},
                new long[] {1, 1}));
    }
}
