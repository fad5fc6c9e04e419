package io.linforge.trainer.sparsegrad;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.linforge.core.adapter.SparseGradDelta;
import io.linforge.core.tensor.TensorData;
import io.linforge.model.Linear;
import io.linforge.model.Parameter;
import io.linforge.model.Weights;
import io.linforge.trainer.TrainConfig;
import io.linforge.trainer.TrainingMethod;
import io.linforge.trainer.optim.AdamW;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.EigenDecomposition_F64;

/**
 * SparseGrad (Chekalina et al.): MLP weights trained with sparse gradients in a learned basis.
 *
 * <p>Phase 1 (the first {@code collectSteps} updates): the MLP weights receive gradients G but are
 * not updated; per layer type (BERT {@code intermediate.dense}, {@code output.dense}; LLaMA
 * {@code up_proj}, {@code down_proj}) the sums {@code Σ G·Gᵀ} and {@code Σ Gᵀ·G} are accumulated in
 * float64. Their eigenvectors, by descending eigenvalue, are the HOSVD mode factors P (output
 * side) and Q (input side) of the stacked gradients, shared by all layers of the type.
 *
 * <p>Phase 2: each weight is trained in the rotated basis {@code W̃ = Pᵀ·W·Qᵀ} (paper variant; the
 * HOSVD-consistent one uses {@code Pᵀ·W·Q}). Since {@code W = P·W̃·Q}, the rotated gradient is
 * {@code Pᵀ·G·Qᵀ}; its {@code keep} largest magnitudes (support recomputed every update) are kept
 * and applied with a lazy sparse Adam (SparseAdam's rule: moments and bias-corrected step only at
 * the kept entries, no weight decay). W itself stays in the original basis and receives the
 * rotated-back update {@code P·ΔW̃·Q}, which is the same computation as storing W̃, without a second
 * copy of the weight; the accumulated {@code D = Σ ΔW̃} is what the adapter file stores. Biases get
 * their ordinary (correct, unrotated) gradients and AdamW, with the other densely trained
 * parameters.
 */
public final class SparseGrad extends TrainingMethod {
    private static final double BETA1 = 0.9;
    private static final double BETA2 = 0.999;
    private static final double EPS = 1e-8;

    /** One sparse layer and its state in the rotated basis. */
    private static final class Layer {
        final Linear linear;
        final String type;
        NDArray m;
        NDArray v;
        NDArray delta;

        Layer(Linear linear, String type) {
            this.linear = linear;
            this.type = type;
        }
    }

    private final TrainConfig.SparseGradOptions o;
    private final NDManager manager;
    private final Map<String, Layer> layers = new LinkedHashMap<>();
    private final Map<String, NDArray[]> gram = new LinkedHashMap<>();
    private final Map<String, NDArray[]> bases = new LinkedHashMap<>();
    private final List<Parameter> all = new ArrayList<>();
    private long t;
    private final int keep;

    /**
     * @param mlp the MLP linears to train sparsely, by layer type
     * @param others parameters trained densely (heads, embeddings, norms); the MLP biases are added
     */
    public SparseGrad(Map<Linear, String> mlp, List<Parameter> others, NDManager parent, TrainConfig.SparseGradOptions o) {
        super(withBiases(mlp, others), Map.of());
        this.o = o;
        this.manager = parent.newSubManager();
        int k = o.keep();
        for (Map.Entry<Linear, String> e : mlp.entrySet()) {
            layers.put(e.getKey().weight().name(), new Layer(e.getKey(), e.getValue()));
            if (k == 0) {
                k = (int) Math.max(1, e.getKey().weight().array().size() / 100);
            }
        }
        if (layers.isEmpty()) {
            throw io.linforge.core.LinforgeException.badInput("--method sparsegrad: the model has no MLP layers to train");
        }
        this.keep = k;
        all.addAll(dense);
        layers.values().forEach(l -> all.add(l.linear.weight()));
    }

    private static List<Parameter> withBiases(Map<Linear, String> mlp, List<Parameter> others) {
        List<Parameter> d = new ArrayList<>(others);
        for (Linear l : mlp.keySet()) {
            if (l.bias() != null && !d.contains(l.bias())) {
                d.add(l.bias());
            }
        }
        return d;
    }

    /** The layer type of an MLP linear for SparseGrad, or null when it is not one. */
    public static String layerType(String module) {
        if (module.endsWith(".intermediate.dense")) {
            return "intermediate.dense";
        }
        if (module.endsWith(".output.dense") && !module.contains("attention")) {
            return "output.dense";
        }
        if (module.endsWith("mlp.up_proj")) {
            return "up_proj";
        }
        if (module.endsWith("mlp.down_proj")) {
            return "down_proj";
        }
        return null;
    }

    private boolean collecting(int step) {
        return step < o.collectSteps();
    }

    @Override
    public List<Parameter> trainable(int step) {
        return all;
    }

    @Override
    public List<Parameter> stateParameters() {
        return all;
    }

    @Override
    public void transformGradients(int step, Map<String, NDArray> grads) {
        for (Map.Entry<String, Layer> e : layers.entrySet()) {
            NDArray g = grads.get(e.getKey());
            if (g == null) {
                continue;
            }
            Layer l = e.getValue();
            if (collecting(step)) {
                NDArray[] s = gram.computeIfAbsent(l.type, k -> new NDArray[] {
                    manager.zeros(new Shape(g.getShape().get(0), g.getShape().get(0)), DataType.FLOAT64),
                    manager.zeros(new Shape(g.getShape().get(1), g.getShape().get(1)), DataType.FLOAT64)});
                try (NDArray gd = g.toType(DataType.FLOAT64, false); NDArray gt = gd.transpose();
                        NDArray ggt = gd.matMul(gt); NDArray gtg = gt.matMul(gd)) {
                    s[0].addi(ggt);
                    s[1].addi(gtg);
                }
                // the weights are not updated while the bases are collected
                grads.remove(e.getKey());
                AdamW.zero(g);
                continue;
            }
            try (NDScope scope = new NDScope()) {
                NDArray rotated = rotate(l.type, g);
                AdamW.zero(g);
                NDArray abs = rotated.abs();
                NDList top = abs.flatten().topK(Math.min(keep, (int) abs.size()), 0, true, false);
                float tau = top.get(0).min().getFloat();
                NDArray sparse = rotated.mul(abs.gte(tau).toType(DataType.FLOAT32, false));
                NDScope.unregister(sparse);
                sparse.attach(g.getManager());
                grads.put(e.getKey(), sparse);
            }
        }
    }

    /** {@code Pᵀ·G·Qᵀ} (paper) or {@code Pᵀ·G·Q} (HOSVD). */
    private NDArray rotate(String type, NDArray g) {
        NDArray[] pq = bases.get(type);
        NDArray pg = pq[0].transpose().matMul(g);
        return o.variant().equals("paper") ? pg.matMul(pq[1].transpose()) : pg.matMul(pq[1]);
    }

    /** {@code P·D·Q} (paper) or {@code P·D·Qᵀ} (HOSVD): a rotated change back in the weight's basis. */
    private NDArray rotateBack(String type, NDArray d) {
        NDArray[] pq = bases.get(type);
        NDArray pd = pq[0].matMul(d);
        return o.variant().equals("paper") ? pd.matMul(pq[1]) : pd.matMul(pq[1].transpose());
    }

    @Override
    public void update(int step, Map<String, NDArray> grads, AdamW opt, double lr, double clip) {
        opt.step(dense, grads, lr, clip);
        if (collecting(step)) {
            return;
        }
        t++;
        double bc1 = 1 - Math.pow(BETA1, t);
        double bc2 = 1 - Math.pow(BETA2, t);
        double stepSize = lr * Math.sqrt(bc2) / bc1;
        try (NDScope scope = new NDScope()) {
            for (Map.Entry<String, Layer> e : layers.entrySet()) {
                NDArray g = grads.get(e.getKey());
                if (g == null) {
                    continue;
                }
                Layer l = e.getValue();
                NDArray gs = clip == 1.0 ? g : g.mul((float) clip);
                NDArray on = g.neq(0f).toType(DataType.FLOAT32, false);
                NDArray off = on.neg().add(1f);
                // lazy Adam: the moments move only where the gradient was kept
                NDArray m2 = l.m.mul((float) BETA1).add(gs.mul((float) (1 - BETA1)));
                NDArray v2 = l.v.mul((float) BETA2).add(gs.square().mul((float) (1 - BETA2)));
                l.m.muli(off).addi(m2.mul(on));
                l.v.muli(off).addi(v2.mul(on));
                NDArray upd = l.m.div(l.v.sqrt().add((float) EPS)).mul(on).mul((float) -stepSize);
                l.delta.addi(upd);
                NDArray w = l.linear.weight().array();
                NDArray dw = rotateBack(l.type, upd);
                w.setRequiresGradient(false);
                w.addi(dw);
                w.setRequiresGradient(true);
            }
        }
    }

    @Override
    public void afterStep(int step, AdamW opt) {
        if (step + 1 == o.collectSteps()) {
            computeBases();
        }
    }

    /** Eigenvectors of the accumulated Gram matrices, by descending eigenvalue, as P and Q. */
    private void computeBases() {
        for (Map.Entry<String, NDArray[]> e : gram.entrySet()) {
            NDArray p = Weights.owned(manager.create(eigenvectors(e.getValue()[0])));
            NDArray q = Weights.owned(manager.create(eigenvectors(e.getValue()[1])));
            bases.put(e.getKey(), new NDArray[] {p, q});
            e.getValue()[0].close();
            e.getValue()[1].close();
        }
        gram.clear();
        for (Layer l : layers.values()) {
            Shape s = l.linear.weight().array().getShape();
            l.m = manager.zeros(s);
            l.v = manager.zeros(s);
            l.delta = manager.zeros(s);
        }
    }

    /** Columns = eigenvectors of the symmetric matrix {@code s}, sorted by descending eigenvalue. */
    static float[][] eigenvectors(NDArray s) {
        int n = (int) s.getShape().get(0);
        double[] data = s.toDoubleArray();
        DMatrixRMaj a = new DMatrixRMaj(n, n, true, data);
        EigenDecomposition_F64<DMatrixRMaj> eig = DecompositionFactory_DDRM.eig(n, true, true);
        if (!eig.decompose(a)) {
            throw new IllegalStateException("eigendecomposition of a " + n + "x" + n + " gradient Gram matrix failed");
        }
        Integer[] order = new Integer[n];
        double[] val = new double[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
            val[i] = eig.getEigenvalue(i).getReal();
        }
        java.util.Arrays.sort(order, (x, y) -> Double.compare(val[y], val[x]));
        float[][] out = new float[n][n];
        for (int c = 0; c < n; c++) {
            DMatrixRMaj v = eig.getEigenVector(order[c]);
            // a fixed sign (largest component positive) makes the basis reproducible
            int arg = 0;
            for (int r = 1; r < n; r++) {
                if (Math.abs(v.get(r, 0)) > Math.abs(v.get(arg, 0))) {
                    arg = r;
                }
            }
            double sign = v.get(arg, 0) < 0 ? -1 : 1;
            double norm = 0;
            for (int r = 0; r < n; r++) {
                norm += v.get(r, 0) * v.get(r, 0);
            }
            norm = Math.sqrt(norm);
            for (int r = 0; r < n; r++) {
                out[r][c] = (float) (sign * v.get(r, 0) / norm);
            }
        }
        return out;
    }

    @Override
    public long trainableCount() {
        return dense.stream().mapToLong(p -> p.array().getShape().size()).sum() + (long) keep * layers.size();
    }

    @Override
    public long extraOptimizerBytes() {
        long n = 0;
        for (Layer l : layers.values()) {
            n += 2L * l.linear.weight().array().size() * 4;
        }
        return n;
    }

    @Override
    public Map<String, NDArray> extraState() {
        Map<String, NDArray> s = new LinkedHashMap<>();
        gram.forEach((k, v) -> {
            s.put("gram." + k + ".out", v[0].toType(DataType.FLOAT32, false));
            s.put("gram." + k + ".in", v[1].toType(DataType.FLOAT32, false));
        });
        bases.forEach((k, v) -> {
            s.put("bases." + k + ".P", v[0]);
            s.put("bases." + k + ".Q", v[1]);
        });
        for (Map.Entry<String, Layer> e : layers.entrySet()) {
            if (e.getValue().m != null) {
                s.put("m." + e.getKey(), e.getValue().m);
                s.put("v." + e.getKey(), e.getValue().v);
                s.put("delta." + e.getKey(), e.getValue().delta);
            }
        }
        s.put("t", manager.create(new float[] {t}));
        return s;
    }

    @Override
    public void restoreExtraState(Map<String, TensorData> state) {
        for (Map.Entry<String, TensorData> e : state.entrySet()) {
            String k = e.getKey();
            NDArray a = Weights.owned(manager.create(e.getValue().toFloats(), new Shape(e.getValue().shape())));
            if (k.startsWith("gram.")) {
                String type = k.substring(5, k.lastIndexOf('.'));
                NDArray[] g = gram.computeIfAbsent(type, x -> new NDArray[2]);
                g[k.endsWith(".out") ? 0 : 1] = a.toType(DataType.FLOAT64, false);
            } else if (k.startsWith("bases.")) {
                String type = k.substring(6, k.lastIndexOf('.'));
                NDArray[] b = bases.computeIfAbsent(type, x -> new NDArray[2]);
                b[k.endsWith(".P") ? 0 : 1] = a;
            } else if (k.equals("t")) {
                t = (long) e.getValue().toFloats()[0];
            } else {
                String kind = k.substring(0, k.indexOf('.'));
                Layer l = layers.get(k.substring(kind.length() + 1));
                switch (kind) {
                    case "m" -> l.m = a;
                    case "v" -> l.v = a;
                    default -> l.delta = a;
                }
            }
        }
    }

    /** The adapter: bases, the sparse rotated change of each layer, and the densely trained tensors. */
    public SparseGradDelta toDelta(java.util.function.Function<String, String> hfName) {
        return toDelta(hfName, null);
    }

    /** As {@link #toDelta(java.util.function.Function)}, with fields added to the saved config (null: none). */
    public SparseGradDelta toDelta(java.util.function.Function<String, String> hfName,
            com.fasterxml.jackson.databind.node.ObjectNode extraConfig) {
        Map<String, float[][]> b = new LinkedHashMap<>();
        bases.forEach((k, v) -> b.put(k, new float[][] {v[0].toFloatArray(), v[1].toFloatArray()}));
        Map<String, SparseGradDelta.Module> mods = new LinkedHashMap<>();
        for (Layer l : layers.values()) {
            float[] d = l.delta == null ? new float[0] : l.delta.toFloatArray();
            int n = 0;
            for (float x : d) {
                n += x != 0 ? 1 : 0;
            }
            long[] idx = new long[n];
            float[] val = new float[n];
            int j = 0;
            for (int i = 0; i < d.length; i++) {
                if (d[i] != 0) {
                    idx[j] = i;
                    val[j++] = d[i];
                }
            }
            Shape s = l.linear.weight().array().getShape();
            String name = hfName.apply(l.linear.name());
            mods.put(name, new SparseGradDelta.Module(name, l.type, (int) s.get(0), (int) s.get(1), idx, val));
        }
        Map<String, TensorData> full = new LinkedHashMap<>();
        for (Parameter p : dense) {
            full.put(hfName.apply(p.name()), io.linforge.model.TransformerModel.toTensorData(p.array()));
        }
        return new SparseGradDelta(o.variant(), b, mods, full, extraConfig);
    }

    @Override
    public void describe(ObjectNode result) {
        ObjectNode r = result.putObject("sparsegrad");
        r.put("variant", o.variant());
        r.put("collect_steps", o.collectSteps());
        r.put("keep_per_layer", keep);
        r.put("layers", layers.size());
        long touched = 0;
        for (Layer l : layers.values()) {
            if (l.delta != null) {
                try (NDArray nz = l.delta.neq(0f).toType(DataType.INT64, false).sum()) {
                    touched += nz.getLong();
                }
            }
        }
        r.put("entries_changed", touched);
    }

    @Override
    public void close() {
        manager.close();
    }

    static void copy(NDArray target, float[] v) {
        target.set(FloatBuffer.wrap(v));
    }
}
