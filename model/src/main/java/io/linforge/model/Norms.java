package io.linforge.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/** Layer normalisation and RMS normalisation, computed in fp32 whatever the compute dtype. */
public final class Norms {
    private Norms() {
    }

    /** LayerNorm over the last axis with weight and bias (kept in fp32). */
    public static final class LayerNorm {
        private final Parameter weight;
        private final Parameter bias;
        private final float eps;

        public LayerNorm(Parameter weight, Parameter bias, double eps) {
            this.weight = weight;
            this.bias = bias;
            this.eps = (float) eps;
        }

        public NDArray forward(NDArray x) {
            DataType dt = x.getDataType();
            NDArray x32 = dt == DataType.FLOAT32 ? x : x.toType(DataType.FLOAT32, false);
            NDArray y = ai.djl.nn.norm.LayerNorm.layerNorm(x32, new Shape(x.getShape().getShape()[x.getShape().dimension() - 1]),
                    weight.array(), bias.array(), eps).singletonOrThrow();
            return dt == DataType.FLOAT32 ? y : y.toType(dt, false);
        }

        /**
         * LayerNormalization-17 in fp32 (casts around it in an fp16 graph); before opset 17 the
         * same computation written out (mean, variance, epsilon), which ONNX Runtime fuses back.
         */
        public String emit(io.linforge.model.OnnxEmitter e, String x, String scope) {
            String x32 = e.toF32(x, scope + "/Cast");
            String y;
            if (e.graph().opset() >= 17) {
                y = e.node("LayerNormalization", scope + "/LayerNormalization",
                        java.util.List.of(x32, e.weight(weight, false, true), e.weight(bias, false, true)),
                        java.util.Map.of("axis", -1, "epsilon", eps));
            } else {
                var axes = java.util.Map.<String, Object>of("axes", new long[] {-1}, "keepdims", 1);
                String mean = e.node("ReduceMean", scope + "/ReduceMean", java.util.List.of(x32), axes);
                String d = e.node("Sub", scope + "/Sub", x32, mean);
                String var = e.node("ReduceMean", scope + "/ReduceMean_1",
                        java.util.List.of(e.node("Pow", scope + "/Pow", d, e.constF32(2f))), axes);
                String den = e.node("Sqrt", scope + "/Sqrt", e.node("Add", scope + "/Add", var, e.constF32(eps)));
                y = e.node("Add", scope + "/Add_1", e.node("Mul", scope + "/Mul",
                        e.node("Div", scope + "/Div", d, den), e.weight(weight, false, true)), e.weight(bias, false, true));
            }
            return e.toAct(y, scope + "/Cast_1");
        }

        public Parameter weight() {
            return weight;
        }

        public Parameter bias() {
            return bias;
        }

        public float eps() {
            return eps;
        }
    }

    /** RMSNorm as in LLaMA: {@code w · x / sqrt(mean(x²) + eps)}, statistics in fp32. */
    public static final class RmsNorm {
        private final Parameter weight;
        private final float eps;

        public RmsNorm(Parameter weight, double eps) {
            this.weight = weight;
            this.eps = (float) eps;
        }

        public NDArray forward(NDArray x) {
            DataType dt = x.getDataType();
            NDArray x32 = dt == DataType.FLOAT32 ? x : x.toType(DataType.FLOAT32, false);
            NDArray y = x32.div(x32.square().mean(new int[] {-1}, true).add(eps).sqrt());
            if (dt != DataType.FLOAT32) {
                y = y.toType(dt, false);
            }
            return y.mul(weight.array());
        }

        /**
         * x / sqrt(mean(x²) + eps) in fp32, then the weight in the activation type; from opset 23
         * one {@code RMSNormalization} node in fp32.
         */
        public String emit(io.linforge.model.OnnxEmitter e, String x, String scope) {
            String x32 = e.toF32(x, scope + "/Cast");
            if (e.graph().opset() >= 23) {
                return e.toAct(e.node("RMSNormalization", scope + "/RMSNormalization",
                        java.util.List.of(x32, e.weight(weight, false, true)), java.util.Map.of("axis", -1, "epsilon", eps)),
                        scope + "/Cast_1");
            }
            String sq = e.node("Mul", scope + "/Mul", x32, x32);
            String ms = e.node("ReduceMean", scope + "/ReduceMean", java.util.List.of(sq),
                    java.util.Map.of("axes", new long[] {-1}, "keepdims", 1));
            String den = e.node("Sqrt", scope + "/Sqrt", e.node("Add", scope + "/Add", ms, e.constF32(eps)));
            String y = e.toAct(e.node("Div", scope + "/Div", x32, den), scope + "/Cast_1");
            return e.node("Mul", scope + "/Mul_1", y, e.weight(weight, false, false));
        }

        public Parameter weight() {
            return weight;
        }

        public float eps() {
            return eps;
        }
    }
}
