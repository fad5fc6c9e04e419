package io.linforge.compressor;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.linforge.core.text.Tokenizer;
import io.linforge.model.DecoderModel;
import io.linforge.model.EncoderModel;
import io.linforge.model.ForwardContext;
import io.linforge.model.TransformerModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * Runs a model over calibration texts (or a decoder over blocks of token ids) and feeds every
 * layer's input and output hidden states (the residual stream, padding masked) into one
 * {@link LayerStatistics} per layer, batch by batch, so memory stays bounded whatever the number
 * of texts.
 */
public final class Capture {
    private Capture() {
    }

    public static List<LayerStatistics> layers(TransformerModel model, Tokenizer tok, List<String> texts, int seq,
            int batch, boolean skipFirst, IntConsumer progress) {
        List<LayerStatistics> stats = empty(model);
        for (int i = 0; i < texts.size(); i += batch) {
            Tokenizer.Batch b = tok.encode(texts.subList(i, Math.min(texts.size(), i + batch)), seq);
            add(model, stats, b.inputIds(), b.attentionMask(), b.typeIds(), skipFirst);
            if (progress != null) {
                progress.accept(Math.min(texts.size(), i + batch));
            }
        }
        return stats;
    }

    /** The same over blocks of token ids of equal length (packed text: no padding). */
    public static List<LayerStatistics> blocks(DecoderModel model, List<long[]> blocks, int batch, boolean skipFirst,
            IntConsumer progress) {
        List<LayerStatistics> stats = empty(model);
        for (int i = 0; i < blocks.size(); i += batch) {
            long[][] ids = blocks.subList(i, Math.min(blocks.size(), i + batch)).toArray(long[][]::new);
            long[][] mask = new long[ids.length][];
            for (int r = 0; r < ids.length; r++) {
                mask[r] = new long[ids[r].length];
                Arrays.fill(mask[r], 1);
            }
            add(model, stats, ids, mask, null, skipFirst);
            if (progress != null) {
                progress.accept(Math.min(blocks.size(), i + batch));
            }
        }
        return stats;
    }

    private static List<LayerStatistics> empty(TransformerModel model) {
        List<LayerStatistics> stats = new ArrayList<>();
        for (int l = 0; l < model.layers().size(); l++) {
            stats.add(new LayerStatistics(model.config().hiddenSize()));
        }
        return stats;
    }

    private static void add(TransformerModel model, List<LayerStatistics> stats, long[][] ids, long[][] mask,
            long[][] types, boolean skipFirst) {
        try (NDManager m = model.manager().newSubManager()) {
            ForwardContext ctx = new ForwardContext(m, false, DataType.FLOAT32);
            List<NDArray> hs;
            if (model instanceof EncoderModel enc) {
                hs = enc.forward(ids, mask, enc.usesTokenTypes() ? types : null, ctx, true).hiddenStates();
            } else {
                hs = ((DecoderModel) model).forward(ids, mask, ctx, true).hiddenStates();
            }
            float[] prev = hs.get(0).toType(DataType.FLOAT32, false).toFloatArray();
            for (int l = 0; l < stats.size(); l++) {
                float[] next = hs.get(l + 1).toType(DataType.FLOAT32, false).toFloatArray();
                stats.get(l).addBatch(prev, next, mask, skipFirst);
                prev = next;
            }
        }
    }
}
