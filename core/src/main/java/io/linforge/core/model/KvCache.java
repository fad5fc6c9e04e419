package io.linforge.core.model;

import ai.djl.ndarray.NDArray;

/** Keys and values of past positions per decoder layer, [batch, kv_heads, past, head_dim] each. */
public final class KvCache {
    final NDArray[] keys;
    final NDArray[] values;

    public KvCache(int layers) {
        keys = new NDArray[layers];
        values = new NDArray[layers];
    }

    /** Number of cached positions. */
    public long length() {
        return keys[0] == null ? 0 : keys[0].getShape().get(2);
    }

    public NDArray key(int layer) {
        return keys[layer];
    }

    public NDArray value(int layer) {
        return values[layer];
    }
}
