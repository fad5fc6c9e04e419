package io.linforge.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.linforge.core.checkpoint.Checkpoint;
import io.linforge.core.config.ModelConfig;
import io.linforge.core.tensor.DType;
import io.linforge.core.tensor.TensorData;
import io.linforge.core.tensor.TensorSource;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A transformer on DJL with Hugging Face parameter names. It owns an NDManager holding its
 * parameters; every forward pass puts its intermediates into the manager the caller passes in.
 * The layer list is mutable so a layer can be replaced (e.g. by a fitted linear map).
 */
public abstract class TransformerModel implements AutoCloseable {
    protected ModelConfig config;
    protected final NDManager manager;
    protected final DataType dtype;
    protected final Map<String, Parameter> params;
    protected final List<HiddenBlock> layers = new ArrayList<>();

    protected TransformerModel(ModelConfig config, NDManager manager, DataType dtype, Map<String, Parameter> params) {
        this.config = config;
        this.manager = manager;
        this.dtype = dtype;
        this.params = params;
    }

    /** Builds the model class that the checkpoint's config names, in fp32 or fp16. */
    public static TransformerModel load(Checkpoint ckpt, NDManager parent, DataType dtype) {
        return load(ckpt.config(), ckpt.tensors(), ckpt.dir(), parent, dtype);
    }

    /** Builds a model from tensors in memory (e.g. merged weights); {@code dir} names them in errors. */
    public static TransformerModel load(ModelConfig c, Map<String, TensorData> tensors, java.nio.file.Path dir,
            NDManager parent, DataType dtype) {
        return load(c, tensors, dir, parent, dtype, false);
    }

    /**
     * A model whose parameters stay where {@code tensors} keeps them (e.g. in the checkpoint's
     * files) until a forward pass or an optimizer needs them: the ONNX export converts them one by
     * one as it writes them, so a model larger than memory exports ({@code Checkpoint.sources()}
     * has checked them for NaN and infinity).
     */
    public static TransformerModel loadDeferred(ModelConfig c, Map<String, ? extends TensorSource> tensors,
            java.nio.file.Path dir, NDManager parent) {
        return load(c, tensors, dir, parent, DataType.FLOAT32, true);
    }

    private static TransformerModel load(ModelConfig c, Map<String, ? extends TensorSource> tensors, java.nio.file.Path dir,
            NDManager parent, DataType dtype, boolean deferred) {
        if (dtype != DataType.FLOAT32 && dtype != DataType.FLOAT16) {
            throw new IllegalArgumentException("models run in FLOAT32 or FLOAT16, not " + dtype);
        }
        NDManager m = parent.newSubManager();
        try {
            Weights w = new Weights(tensors, dir, m, dtype, deferred);
            Activations.check(c.hiddenAct(), dir.resolve(Checkpoint.CONFIG));
            TransformerModel model = c.isDecoder() ? new DecoderModel(c, m, dtype, w) : new EncoderModel(c, m, dtype, w);
            w.requireAllUsed(dir.resolve(Checkpoint.CONFIG), c.numHiddenLayers());
            return model;
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
    }

    public ModelConfig config() {
        return config;
    }

    public NDManager manager() {
        return manager;
    }

    public DataType dtype() {
        return dtype;
    }

    /** The layers in order; replace an entry to swap a layer for another block. */
    public List<HiddenBlock> layers() {
        return layers;
    }

    /** Every parameter by Hugging Face name, in checkpoint order. */
    public Map<String, Parameter> parameters() {
        return Collections.unmodifiableMap(params);
    }

    /** Registers a parameter that a new block brings (e.g. a replacement map). */
    public void addParameter(Parameter p) {
        params.put(p.name(), p);
    }

    /** Drops parameters that no block uses any more (after a layer replacement). */
    public void removeParameter(String name) {
        Parameter p = params.remove(name);
        if (p != null) {
            p.array().close();
        }
    }

    /** The module path of layer {@code i}, with its trailing dot. */
    public abstract String layerPrefix(int i);

    /**
     * Replaces layer {@code i} with the linear map {@code h ↦ h Wᵀ + b} (weight [hidden, hidden],
     * PyTorch layout, row-major): the layer's parameters are dropped, the map's are added, and the
     * config records the layer under {@code linforge_linear_layers}.
     */
    public void replaceWithLinearMap(int i, float[] weight, float[] bias) {
        commitLinearMap(linearMap(i, weight, bias));
    }

    /** Installs a block made by {@link #linearMap} for good (drops the old layer's parameters). */
    public void commitLinearMap(LinearMapBlock block) {
        int i = block.index();
        HiddenBlock old = layers.get(i);
        if (old == block) {
            throw new IllegalStateException("layer " + i + ": put the original layer back before committing its replacement");
        }
        for (Parameter p : old.parameters()) {
            removeParameter(p.name());
        }
        for (Parameter p : block.parameters()) {
            addParameter(p);
        }
        layers.set(i, block);
        java.util.Set<Integer> lin = new java.util.TreeSet<>(config.linearLayers());
        lin.add(i);
        config = config.toBuilder().linearLayers(lin).build();
    }

    /** A linear-map block for layer {@code i}, not yet installed (set it in {@link #layers()} to try it). */
    public LinearMapBlock linearMap(int i, float[] weight, float[] bias) {
        int h = config.hiddenSize();
        String name = layerPrefix(i) + "linear_map";
        NDArray w = Weights.owned(manager.create(weight, new ai.djl.ndarray.types.Shape(h, h)));
        NDArray b = Weights.owned(manager.create(bias, new ai.djl.ndarray.types.Shape(h)));
        if (dtype != DataType.FLOAT32) {
            w = w.toType(dtype, false);
            b = b.toType(dtype, false);
        }
        return new LinearMapBlock(i, new Linear(name, new Parameter(name + ".weight", w), new Parameter(name + ".bias", b)));
    }

    /** Every linear layer by module path (for adapters). */
    public abstract Map<String, Linear> linears();

    /** The parameters as host tensors in their current dtype (fp32 or fp16), for saving. */
    public Map<String, TensorData> stateDict() {
        Map<String, TensorData> out = new LinkedHashMap<>();
        for (Parameter p : params.values()) {
            out.put(p.name(), toTensorData(p.array()));
        }
        return out;
    }

    public static TensorData toTensorData(NDArray a) {
        long[] shape = a.getShape().getShape();
        return switch (a.getDataType()) {
            case FLOAT32 -> TensorData.ofFloats(shape, a.toFloatArray());
            case FLOAT16 -> {
                ByteBuffer b = a.toByteBuffer();
                ByteBuffer copy = ByteBuffer.allocate(b.remaining()).order(ByteOrder.LITTLE_ENDIAN);
                copy.put(b.order(ByteOrder.LITTLE_ENDIAN)).flip();
                yield new TensorData(DType.F16, shape, copy);
            }
            case INT64 -> TensorData.ofLongs(shape, a.toLongArray());
            default -> throw new IllegalStateException("cannot save " + a.getDataType());
        };
    }

    /** Total number of parameter elements. */
    public long parameterCount() {
        long n = 0;
        for (Parameter p : params.values()) {
            n += TensorData.numel(p.shape());
        }
        return n;
    }

    protected static Map<String, Linear> collect(List<Linear> ls) {
        Map<String, Linear> m = new LinkedHashMap<>();
        for (Linear l : ls) {
            m.put(l.name(), l);
        }
        return m;
    }

    @Override
    public void close() {
        manager.close();
    }
}
