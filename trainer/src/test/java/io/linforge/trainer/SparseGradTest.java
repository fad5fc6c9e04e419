package io.linforge.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.linforge.core.adapter.SparseGradDelta;
import io.linforge.core.checkpoint.Checkpoint;
import io.linforge.core.text.Tokenizer;
import io.linforge.model.DecoderModel;
import io.linforge.model.Linear;
import io.linforge.model.TransformerModel;
import io.linforge.model.text.HfTokenizer;
import io.linforge.trainer.data.TextBlocks;
import io.linforge.trainer.optim.Schedule;
import io.linforge.trainer.sparsegrad.SparseGrad;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SparseGradTest {
    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"paper", "hosvd"})
    void trainsSparselyInTheRotatedBasisAndTheAdapterReproducesTheWeights(String variant) throws Exception {
        Path dir = TinyLlama.create(tmp, 5);
        Path text = TinyLlama.text(tmp, 30_000);
        TrainConfig b = TinyLlama.config("sparsegrad", 12, 4, 1, 5e-3, 3);
        int keep = 40;
        TrainConfig c = new TrainConfig(b.method(), b.steps(), b.batch(), b.lr(), b.seq(), b.rank(), b.alpha(),
                b.loraDropout(), b.rslora(), b.targets(), b.seed(), 0, b.warmup(), 0, 1.0, 0, 8, 0, false, 1, null,
                b.relora(), new TrainConfig.SparseGradOptions(4, keep, variant), 0);
        try (NDManager m = NDManager.newBaseManager(); Checkpoint ck = Checkpoint.open(dir); Tokenizer tok = HfTokenizer.forCheckpoint(ck);
                TransformerModel tm = TransformerModel.load(ck, m, DataType.FLOAT32)) {
            DecoderModel model = (DecoderModel) tm;
            TextBlocks data = TextBlocks.read(text, tok, 32, 0.1);
            Map<String, float[]> before = new LinkedHashMap<>();
            for (Linear l : model.linears().values()) {
                before.put(l.name(), l.weight().array().toFloatArray());
            }
            double ppl0 = CausalLmTrainer.perplexity(model, data.test());
            try (TrainingMethod method = Methods.create(model, c, CausalLmTrainer.others(model), List.of(model.lmHead()))) {
                ObjectNode r = TrainLoop.run(c, CausalLmTrainer.task(model, data.train(), data.test(), c), method,
                        model.manager(), tmp.resolve("out"), Schedule.Kind.CONSTANT, new ObjectNode(
                                com.fasterxml.jackson.databind.node.JsonNodeFactory.instance));
                assertEquals(4, r.get("sparsegrad").get("layers").asInt());
                SparseGradDelta delta = ((SparseGrad) method).toDelta(Function.identity());
                for (String type : List.of("up_proj", "down_proj")) {
                    float[][] pq = delta.bases(type);
                    assertOrthogonal(pq[0]);
                    assertOrthogonal(pq[1]);
                }
                for (Linear l : model.linears().values()) {
                    if (l == model.lmHead()) {
                        continue;
                    }
                    float[] w0 = before.get(l.name());
                    float[] w1 = l.weight().array().toFloatArray();
                    SparseGradDelta.Module mod = delta.modules().get(l.name());
                    if (mod == null) {
                        // attention and gate projections are frozen under SparseGrad here
                        for (int i = 0; i < w0.length; i++) {
                            assertEquals(w0[i], w1[i], 0, l.name());
                        }
                        continue;
                    }
                    // at most `keep` new entries per sparse update (8 updates after 4 collection steps)
                    assertTrue(mod.indices().length <= keep * 8, l.name() + " " + mod.indices().length);
                    assertTrue(mod.indices().length >= keep, l.name() + " changed too little");
                    float[] d = delta.denseDelta(mod);
                    double maxErr = 0;
                    double moved = 0;
                    for (int i = 0; i < w0.length; i++) {
                        maxErr = Math.max(maxErr, Math.abs(w0[i] + d[i] - w1[i]));
                        moved = Math.max(moved, Math.abs(w1[i] - w0[i]));
                    }
                    assertTrue(moved > 1e-3, l.name() + " did not move");
                    assertTrue(maxErr < 1e-5, l.name() + ": folded adapter differs from the trained weight by " + maxErr);
                }
            }
            double ppl1 = CausalLmTrainer.perplexity(model, data.test());
            assertTrue(ppl1 < 0.7 * ppl0, ppl0 + " -> " + ppl1);
        }
    }

    static void assertOrthogonal(float[] p) {
        int n = (int) Math.round(Math.sqrt(p.length));
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                double dot = 0;
                for (int k = 0; k < n; k++) {
                    dot += (double) p[k * n + i] * p[k * n + j];
                }
                assertEquals(i == j ? 1 : 0, dot, 1e-4, "column " + i + "·" + j);
            }
        }
    }
}
