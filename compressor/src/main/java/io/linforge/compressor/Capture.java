package io.linforge.compressor;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.linforge.core.model.DecoderModel;
import io.linforge.core.model.EncoderModel;
import io.linforge.core.model.ForwardContext;
import io.linforge.core.model.TransformerModel;
import io.linforge.core.text.Tokenizer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * Runs a model over calibration texts and feeds every layer's input and output hidden states
 * (the residual stream, padding masked) into one {@link LayerStatistics} per layer, batch by
 * batch, so memory stays bounded whatever the number of texts.
 */
public final class Capture {
    private Capture() {
    }

    public static List<LayerStatistics> layers(TransformerModel model, Tokenizer tok, List<String> texts, int seq,
            int batch, boolean skipFirst, IntConsumer progress) {
        int layers = model.layers().size();
        int d = model.config().hiddenSize();
        List<LayerStatistics> stats = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            stats.add(new LayerStatistics(d));
        }
        for (int i = 0; i < texts.size(); i += batch) {
            Tokenizer.Batch b = tok.encode(texts.subList(i, Math.min(texts.size(), i + batch)), seq);
            try (NDManager m = model.manager().newSubManager()) {
                ForwardContext ctx = new ForwardContext(m, false, DataType.FLOAT32);
                List<ai.djl.ndarray.NDArray> hs;
                if (model instanceof EncoderModel enc) {
                    hs = enc.forward(b.inputIds(), b.attentionMask(), enc.usesTokenTypes() ? b.typeIds() : null, ctx, true)
                            .hiddenStates();
                } else {
                    hs = ((DecoderModel) model).forward(b.inputIds(), b.attentionMask(), ctx, true).hiddenStates();
                }
                float[] prev = hs.get(0).toType(DataType.FLOAT32, false).toFloatArray();
                for (int l = 0; l < layers; l++) {
                    float[] next = hs.get(l + 1).toType(DataType.FLOAT32, false).toFloatArray();
                    stats.get(l).addBatch(prev, next, b.attentionMask(), skipFirst);
                    prev = next;
                }
            }
            if (progress != null) {
                progress.accept(Math.min(texts.size(), i + batch));
            }
        }
        return stats;
    }
}
