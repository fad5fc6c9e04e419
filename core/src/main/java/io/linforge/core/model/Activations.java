package io.linforge.core.model;

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
            // exact erf form: x * 0.5 * (1 + erf(x / sqrt 2))
            case "gelu" -> x.mul(0.5).mul(x.div(Math.sqrt(2.0)).erf().add(1.0));
            // tanh approximation
            case "gelu_new", "gelu_pytorch_tanh" -> x.mul(0.5).mul(
                    x.pow(3).mul(0.044715).add(x).mul(Math.sqrt(2.0 / Math.PI)).tanh().add(1.0));
            case "relu" -> x.maximum(0f);
            case "silu", "swish" -> x.mul(ai.djl.nn.Activation.sigmoid(x));
            case "tanh" -> x.tanh();
            default -> throw new IllegalArgumentException(name);
        };
    }
}
