package io.linforge.api;

import io.linforge.core.onnx.GraphBuilder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Options of {@link Linforge#export}; the fields are the options of {@code linforge export}, with its
 * defaults ({@link #builder}).
 *
 * @param model Hugging Face checkpoint folder (never modified)
 * @param adapters PEFT LoRA adapter folders folded in, in order
 * @param out output folder (written next to the target and renamed in)
 * @param overwrite replace linforge's files in an existing non-empty {@code out}
 * @param fp16 fp16 weights and activations (norms and softmax in fp32)
 * @param fp16Softmax with {@code fp16}: attention scores and softmax in fp16 too (the form TensorRT fuses)
 * @param opset ONNX opset (default {@link GraphBuilder#DEFAULT_OPSET})
 * @param pooling {@code mean} or {@code cls} for encoders: the pooled {@code sentence_embedding} is the only output; null for none
 * @param normalize with {@code pooling}: L2-normalize the embedding
 * @param kvCache decoders: past/present key-value tensors (default true)
 * @param externalData weights in {@code model.onnx.data} (automatic past 2 GB)
 * @param triton a Triton model repository to write an entry into, or null
 * @param tritonName the entry's name (default: the output folder's name)
 * @param tensorrt also build a TensorRT engine ({@code model.plan})
 * @param tf32 with {@code tensorrt}: allow TF32 matmuls in an fp32 engine
 * @param trtBatch with {@code tensorrt}: the engine's batch range {@code MIN,OPT,MAX}, or null for 1,8,32
 * @param trtSeq with {@code tensorrt}: the engine's sequence range {@code MIN,OPT,MAX}, or null for 1,128,512
 * @param fp16Softmax with {@code fp16}: attention scores and softmax in fp16
 * @param trtLevel with {@code tensorrt}: TensorRT's builder optimization level 0..5, or null for its default (3)
 * @param geluApproximation {@code tanh}: GELU computed with its tanh approximation in place of the checkpoint's exact
 *     (erf) GELU, recorded in the export; {@code none} or null: as the checkpoint declares it
 */
public record ExportOptions(Path model, List<Path> adapters, Path out, boolean overwrite, boolean fp16, int opset,
        String pooling, boolean normalize, boolean kvCache, boolean externalData, Path triton, String tritonName,
        boolean tensorrt, boolean tf32, String trtBatch, String trtSeq, boolean fp16Softmax,
        Integer trtLevel, String geluApproximation) {
    public ExportOptions {
        adapters = List.copyOf(adapters);
    }

    /** Options with the command line's defaults for {@code model} into {@code out}. */
    public static Builder builder(Path model, Path out) {
        return new Builder(model, out);
    }

    /** Builds {@link ExportOptions}; every setter mirrors the option of the same name. */
    public static final class Builder {
        private final Path model;
        private final Path out;
        private final List<Path> adapters = new ArrayList<>();
        private boolean overwrite;
        private boolean fp16;
        private int opset = GraphBuilder.DEFAULT_OPSET;
        private String pooling;
        private boolean normalize;
        private boolean kvCache = true;
        private boolean externalData;
        private Path triton;
        private String tritonName;
        private boolean tensorrt;
        private boolean tf32;
        private String trtBatch;
        private String trtSeq;
        private Integer trtLevel;
        private boolean fp16Softmax;
        private String geluApproximation;

        private Builder(Path model, Path out) {
            this.model = model;
            this.out = out;
        }

        public Builder adapter(Path a) {
            adapters.add(a);
            return this;
        }

        public Builder adapters(List<Path> a) {
            adapters.addAll(a);
            return this;
        }

        public Builder overwrite(boolean v) {
            overwrite = v;
            return this;
        }

        public Builder fp16(boolean v) {
            fp16 = v;
            return this;
        }

        public Builder opset(int v) {
            opset = v;
            return this;
        }

        public Builder pooling(String v) {
            pooling = v;
            return this;
        }

        public Builder normalize(boolean v) {
            normalize = v;
            return this;
        }

        public Builder kvCache(boolean v) {
            kvCache = v;
            return this;
        }

        public Builder externalData(boolean v) {
            externalData = v;
            return this;
        }

        public Builder triton(Path repo, String name) {
            triton = repo;
            tritonName = name;
            return this;
        }

        public Builder tensorrt(boolean v) {
            tensorrt = v;
            return this;
        }

        public Builder tf32(boolean v) {
            tf32 = v;
            return this;
        }

        public Builder trtBatch(String v) {
            trtBatch = v;
            return this;
        }

        public Builder trtSeq(String v) {
            trtSeq = v;
            return this;
        }

        public Builder fp16Softmax(boolean v) {
            fp16Softmax = v;
            return this;
        }

        public Builder trtLevel(Integer v) {
            trtLevel = v;
            return this;
        }

        public Builder geluApproximation(String v) {
            geluApproximation = v;
            return this;
        }

        public ExportOptions build() {
            return new ExportOptions(model, adapters, out, overwrite, fp16, opset, pooling, normalize, kvCache, externalData,
                    triton, tritonName, tensorrt, tf32, trtBatch, trtSeq, fp16Softmax, trtLevel, geluApproximation);
        }
    }
}
