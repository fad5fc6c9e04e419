package io.linforge.model;

import ai.djl.ndarray.NDArray;

/**
 * Keys and values of past positions per decoder layer, [batch, kv_heads, past, head_dim] each; a
 * layer replaced by a linear map attends to nothing and has no entry.
 */
public final class KvCache {
    final NDArray[] keys;
    final NDArray[] values;

    public KvCache(int layers) {
        keys = new NDArray[layers];
        values = new NDArray[layers];
    }

    /** Number of cached positions. */
    public long length() {
        for (NDArray k : keys) {
            if (k != null) {
                return k.getShape().get(2);
            }
        }
        return 0;
    }

    public NDArray key(int layer) {
        return keys[layer];
    }

    public NDArray value(int layer) {
        return values[layer];
    }
}
