package io.linforge.trainer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import java.util.List;

/**
 * The cosine-similarity regularizer of "Your Transformer is Secretly Linear" (§4): for the residual
 * stream h₀ … h_L (the embeddings and the output of every layer, before the final norm),
 *
 * <pre>
 *   R = (1/N) · Σ_tokens Σ_{ℓ=0}^{L−1} (1 − cos(h_ℓ, h_{ℓ+1}))
 * </pre>
 *
 * averaged over the N non-padding tokens; training minimises {@code L_task + λ·R}. With λ &gt; 0 the
 * term pulls the embeddings of consecutive layers towards the same direction; λ &lt; 0 pushes them
 * apart. The sign of the published regularizer could not be confirmed, so λ carries it.
 */
public final class LinearityRegularizer {
    private static final float EPS = 1e-8f;

    private LinearityRegularizer() {
    }

    /** R for hidden states [B, S, H] each and a mask [B, S] (1 = token; null = all tokens). */
    public static NDArray penalty(List<NDArray> hidden, NDArray mask) {
        if (hidden == null || hidden.size() < 2) {
            throw new IllegalArgumentException("the regularizer needs the hidden states of at least one layer");
        }
        NDArray total = null;
        for (int l = 0; l + 1 < hidden.size(); l++) {
            NDArray a = hidden.get(l);
            NDArray b = hidden.get(l + 1);
            NDArray dot = a.mul(b).sum(new int[] {-1});
            NDArray na = a.square().sum(new int[] {-1}).sqrt();
            NDArray nb = b.square().sum(new int[] {-1}).sqrt();
            NDArray cos = dot.div(na.mul(nb).add(EPS));
            NDArray term = cos.neg().add(1f);
            total = total == null ? term : total.add(term);
        }
        if (mask == null) {
            return total.mean();
        }
        NDArray m = mask.toType(DataType.FLOAT32, false);
        return total.mul(m).sum().div(m.sum().maximum(1f));
    }
}
