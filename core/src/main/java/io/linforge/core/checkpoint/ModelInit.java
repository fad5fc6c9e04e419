package io.linforge.core.checkpoint;

import io.linforge.core.LinforgeException;
import io.linforge.core.config.ModelConfig;
import io.linforge.core.tensor.DType;
import io.linforge.core.tensor.TensorData;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Freshly initialised weights for pre-training from scratch, as Hugging Face initialises a LLaMA-family
 * decoder: embeddings and linear weights from N(0, initializer_range²) (default 0.02), biases (where
 * the config gives the layers one) zero, RMSNorm weights one. Deterministic under the seed.
 */
public final class ModelInit {
    private ModelInit() {
    }

    public static Map<String, TensorData> llama(ModelConfig c, long seed) {
        return llama(c, seed, DType.F32);
    }

    /**
     * As {@link #llama(ModelConfig, long)}, each tensor stored as {@code dtype} (F32, F16 or BF16,
     * rounded to nearest even) as soon as it is drawn: the same draws in every dtype.
     */
    public static Map<String, TensorData> llama(ModelConfig c, long seed, DType dtype) {
        if (dtype != DType.F32 && dtype != DType.F16 && dtype != DType.BF16) {
            throw new IllegalArgumentException("weights are F32, F16 or BF16, not " + dtype);
        }
        if (!c.isDecoder()) {
            throw LinforgeException.badInput("config.json", "model_type", "initialisation from scratch supports "
                    + new java.util.TreeSet<>(ModelConfig.DECODER_TYPES) + ", not " + c.modelType());
        }
        ModelConfig.DecoderBiases b = c.decoderBiases();
        double std = c.number("initializer_range", 0.02);
        SplittableRandom rng = new SplittableRandom(seed);
        int h = c.hiddenSize();
        int q = c.numAttentionHeads() * c.headDim();
        int kv = c.numKeyValueHeads() * c.headDim();
        int inter = c.intermediateSize();
        Map<String, TensorData> t = new LinkedHashMap<>() {
            @Override
            public TensorData put(String k, TensorData v) {
                return super.put(k, switch (dtype) {
                    case BF16 -> v.toBF16();
                    case F16 -> v.toF16();
                    default -> v;
                });
            }
        };
        t.put("model.embed_tokens.weight", normal(rng, std, c.vocabSize(), h));
        for (int i = 0; i < c.numHiddenLayers(); i++) {
            String p = "model.layers." + i + ".";
            t.put(p + "input_layernorm.weight", ones(h));
            linear(t, p + "self_attn.q_proj", normal(rng, std, q, h), b.qkv());
            linear(t, p + "self_attn.k_proj", normal(rng, std, kv, h), b.qkv());
            linear(t, p + "self_attn.v_proj", normal(rng, std, kv, h), b.qkv());
            linear(t, p + "self_attn.o_proj", normal(rng, std, h, q), b.output());
            t.put(p + "post_attention_layernorm.weight", ones(h));
            linear(t, p + "mlp.gate_proj", normal(rng, std, inter, h), b.mlp());
            linear(t, p + "mlp.up_proj", normal(rng, std, inter, h), b.mlp());
            linear(t, p + "mlp.down_proj", normal(rng, std, h, inter), b.mlp());
        }
        t.put("model.norm.weight", ones(h));
        if (!c.tieWordEmbeddings()) {
            t.put("lm_head.weight", normal(rng, std, c.vocabSize(), h));
        }
        return t;
    }

    private static void linear(Map<String, TensorData> t, String name, TensorData weight, boolean bias) {
        t.put(name + ".weight", weight);
        if (bias) {
            t.put(name + ".bias", TensorData.ofFloats(new long[] {weight.shape()[0]}, new float[(int) weight.shape()[0]]));
        }
    }

    private static TensorData normal(SplittableRandom rng, double std, long rows, long cols) {
        float[] v = new float[(int) (rows * cols)];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (gaussian(rng) * std);
        }
        return TensorData.ofFloats(new long[] {rows, cols}, v);
    }

    private static double gaussian(SplittableRandom rng) {
        // Box–Muller: deterministic for a given generator state
        double u1 = rng.nextDouble();
        double u2 = rng.nextDouble();
        return Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
    }

    private static TensorData ones(long n) {
        float[] v = new float[(int) n];
        java.util.Arrays.fill(v, 1f);
        return TensorData.ofFloats(new long[] {n}, v);
    }
}
