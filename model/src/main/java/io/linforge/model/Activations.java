package io.linforge.model;

import ai.djl.ndarray.NDArray;
import io.linforge.core.LinforgeException;

/** The activation functions named by {@code hidden_act} in Hugging Face configs. */
public final class Activations {
    private Activations() {
    }

    public static void check(String name, Object source) {
        switch (name) {
            case "gelu", "gelu_new", "gelu_pytorch_tanh", "relu", "silu", "swish", "tanh" -> {
            }
            default -> throw LinforgeException.badInput(source, "hidden_act", "unsupported activation '" + name + "'");
        }
    }

    public static NDArray apply(String name, NDArray x) {
        return switch (name) {
            // exact erf form, in the order PyTorch writes it to ONNX: (x * (1 + erf(x / sqrt 2))) * 0.5
            case "gelu" -> Scalars.mul(x.mul(Scalars.div(x, Math.sqrt(2.0)).erf().add(1.0)), 0.5);
            // tanh approximation
            case "gelu_new", "gelu_pytorch_tanh" -> Scalars.mul(x, 0.5).mul(
                    Scalars.mul(Scalars.mul(Scalars.pow(x, 3), 0.044715).add(x), Math.sqrt(2.0 / Math.PI)).tanh().add(1.0));
            case "relu" -> Scalars.maximum(x, 0);
            case "silu", "swish" -> x.mul(ai.djl.nn.Activation.sigmoid(x));
            case "tanh" -> x.tanh();
            default -> throw new IllegalArgumentException(name);
        };
    }

    /**
     * The activation as ONNX nodes (opset 17: GELU written out with Erf, node for node as PyTorch
     * exports it, the form ONNX Runtime fuses into one BiasGelu).
     */
    public static String emit(io.linforge.model.OnnxEmitter e, String name, String x, String scope) {
        return switch (name) {
            case "gelu" -> {
                String erf = e.node("Erf", scope + "/Erf", e.node("Div", scope + "/Div", x, e.constF((float) Math.sqrt(2.0))));
                String t = e.node("Add", scope + "/Add", erf, e.constF(1f));
                yield e.node("Mul", scope + "/Mul_1", e.node("Mul", scope + "/Mul", x, t), e.constF(0.5f));
            }
            case "gelu_new", "gelu_pytorch_tanh" -> {
                // node for node as PyTorch exports transformers' NewGELUActivation:
                // (x * 0.5) * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x^3)))
                String half = e.node("Mul", scope + "/Mul", x, e.constF(0.5f));
                String x3 = e.node("Pow", scope + "/Pow", x, e.constF(3f));
                String inner = e.node("Add", scope + "/Add", x, e.node("Mul", scope + "/Mul_1", x3, e.constF(0.044715f)));
                String th = e.node("Tanh", scope + "/Tanh", e.node("Mul", scope + "/Mul_2", inner,
                        e.constF((float) Math.sqrt(2.0 / Math.PI))));
                yield e.node("Mul", scope + "/Mul_3", half, e.node("Add", scope + "/Add_1", th, e.constF(1f)));
            }
            case "relu" -> e.node("Relu", scope + "/Relu", x);
            case "silu", "swish" -> e.node("Mul", scope + "/Mul", x, e.node("Sigmoid", scope + "/Sigmoid", x));
            case "tanh" -> e.node("Tanh", scope + "/Tanh", x);
            default -> throw new IllegalArgumentException(name);
        };
    }
}
