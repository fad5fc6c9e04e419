package io.linforge.core.checkpoint;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.linforge.core.io.AtomicFiles;
import io.linforge.core.tensor.TensorData;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.channels.Channels;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Reading and writing whole safetensors files. */
public final class Safetensors {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Safetensors() {
    }

    /**
     * Writes {@code tensors} (in map order) atomically; the header is padded with spaces to a
     * multiple of 8 bytes so the data section stays aligned.
     */
    public static void write(Path file, Map<String, TensorData> tensors, Map<String, String> metadata) {
        ObjectNode header = JSON.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode m = header.putObject("__metadata__");
            metadata.forEach(m::put);
        }
        long offset = 0;
        for (Map.Entry<String, TensorData> e : tensors.entrySet()) {
            TensorData t = e.getValue();
            ObjectNode o = header.putObject(e.getKey());
            o.put("dtype", t.dtype().safetensorsName());
            ArrayNode s = o.putArray("shape");
            for (long d : t.shape()) {
                s.add(d);
            }
            ArrayNode off = o.putArray("data_offsets");
            off.add(offset);
            offset += t.byteSize();
            off.add(offset);
        }
        byte[] json;
        try {
            json = JSON.writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        int padded = (json.length + 7) / 8 * 8;
        byte[] head = new byte[8 + padded];
        ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN).putLong(padded);
        System.arraycopy(json, 0, head, 8, json.length);
        for (int i = 8 + json.length; i < head.length; i++) {
            head[i] = ' ';
        }
        try {
            AtomicFiles.write(file, out -> {
                out.write(head);
                WritableByteChannel ch = Channels.newChannel(out);
                for (TensorData t : tensors.values()) {
                    ByteBuffer b = t.data();
                    while (b.hasRemaining()) {
                        ch.write(b);
                    }
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every tensor of {@code file} as heap copies, in file order; a NaN or infinite value is exit 2 naming the tensor. */
    public static Map<String, TensorData> readAll(Path file) {
        Map<String, TensorData> out = new LinkedHashMap<>();
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            for (String n : f.names()) {
                TensorData t = f.get(n).requireFinite(file, n);
                ByteBuffer copy = ByteBuffer.allocate((int) t.byteSize());
                copy.put(t.data()).flip();
                out.put(n, new TensorData(t.dtype(), t.shape(), copy));
            }
        }
        return out;
    }
}
