package io.linforge.compressor;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.linforge.core.LinforgeException;
import io.linforge.core.checkpoint.Checkpoint;
import io.linforge.core.config.ModelConfig;
import io.linforge.core.metric.Logits;
import io.linforge.core.tensor.TensorData;
import io.linforge.core.text.Tokenizer;
import io.linforge.model.EncoderModel;
import io.linforge.model.TransformerModel;
import io.linforge.model.text.HfTokenizer;
import io.linforge.trainer.CausalLmTrainer;
import io.linforge.trainer.ClassifierTrainer;
import io.linforge.trainer.Distiller;
import io.linforge.trainer.TrainConfig;
import io.linforge.trainer.data.ClassificationData;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Healing of a compressed model. A classifier is distilled: the original (uncompressed) model is
 * the teacher, the compressed one the student ({@link Distiller}); the healed student is written
 * as a checkpoint with the compressed architecture (the distillation runs in the trainer's one loop,
 * so it accumulates gradients, keeps training checkpoints and resumes as training does), and the test split is reported (accuracy, and
 * the mean KL divergence of its predictions from the original's). A decoder is trained as a causal
 * language model ({@link CausalLmTrainer}) with LoRA on every linear layer of its blocks, the
 * fitted maps included, on its next-token labels or towards the original model's next-token
 * distributions; the adapters are folded in.
 */
public final class Healing {
    private Healing() {
    }

    /** Adapter targets of decoder healing: attention, MLP, and the fitted maps. */
    public static final List<String> DECODER_TARGETS = List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj",
            "up_proj", "down_proj", "linear_map");

    /**
     * The training settings of decoder healing: {@code steps} updates of {@code batch} blocks of
     * {@code seq} tokens, LoRA r=8, α=16 on {@link #DECODER_TARGETS} (embeddings, norms and LM head
     * trained in full, as in causal-LM LoRA training), no dropout, no weight decay, clipping at 1,
     * 10 % warm-up then cosine decay, evaluated on every held-out block.
     */
    public static TrainConfig causalLmConfig(int steps, int batch, double lr, int seq, long seed) {
        return TrainConfig.builder("lora", DECODER_TARGETS).steps(steps).batch(batch).lr(lr).seq(seq).loraDropout(0)
                .seed(seed).weightDecay(0).saveEvery(0).build();
    }

    /**
     * Heals the decoder checkpoint in {@code compressedDir} on the training blocks of
     * {@code textFile} ({@code heldOut} as in training) and writes it to {@code out}: on the
     * next-token labels, or with a {@code teacher} (the original model) by distillation. The result
     * is the trainer's ({@code eval_perplexity}: test perplexity after healing;
     * {@code eval_kl_to_teacher} with a teacher).
     */
    public static ObjectNode causalLm(Path compressedDir, Path textFile, double heldOut, Path out, TrainConfig c,
            CausalLmTrainer.Teacher teacher) {
        return CausalLmTrainer.train(compressedDir, textFile, out, c, heldOut, teacher);
    }

    /**
     * Heals the checkpoint in {@code compressedDir} towards the original model (its config and
     * tensors, adapters already folded in; {@code originalDir} names it in errors) on the training
     * rows of {@code dataFile}, and writes the result to {@code out}. {@code dataSeed} is the
     * seed the compressor read the data with (it fixes the split of data without one).
     */
    public static ObjectNode distill(Path compressedDir, ModelConfig originalConfig, Map<String, TensorData> originalTensors,
            Path originalDir, Path dataFile, long dataSeed, Path out, Distiller.Config c) {
        Distiller.check(c);
        ClassificationData data = ClassificationData.read(dataFile, dataSeed, 0, 0);
        try (Checkpoint ck = Checkpoint.open(compressedDir); Tokenizer tok = HfTokenizer.forCheckpoint(ck);
                NDManager root = NDManager.newBaseManager();
                TransformerModel s = TransformerModel.load(ck, root, DataType.FLOAT32);
                TransformerModel t = TransformerModel.load(originalConfig, originalTensors, originalDir, root, DataType.FLOAT32)) {
            if (!(s instanceof EncoderModel student) || !student.hasClassifier()) {
                throw LinforgeException.badInput(compressedDir.resolve(Checkpoint.CONFIG), "architectures",
                        "distillation needs a sequence classifier");
            }
            if (!(t instanceof EncoderModel teacher) || !teacher.hasClassifier()) {
                throw LinforgeException.badInput(originalDir.resolve(Checkpoint.CONFIG), "architectures",
                        "distillation needs a sequence classifier as the original model");
            }
            ObjectNode r = Distiller.distill(student, teacher, tok, data.train(), data.test(), data.labels().size(), c,
                    out);
            float[][] original = ClassifierTrainer.logits(teacher, tok, data.test(), c.seq());
            float[][] healed = ClassifierTrainer.logits(student, tok, data.test(), c.seq());
            r.put("test_accuracy_after_healing", ClassifierTrainer.accuracy(healed, data.test()));
            r.put("test_kl_to_original_after_healing", Logits.meanKl(original, healed));
            Checkpoint.save(out, student.config(), student.stateDict(), ck.tokenizerJson().orElse(null));
            Distiller.deleteCheckpoint(out);
            return r;
        }
    }
}
