package io.linforge.core.checkpoint;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.linforge.core.LinforgeException;
import io.linforge.core.tensor.DType;
import io.linforge.core.tensor.TensorData;
import io.linforge.core.tensor.TensorSource;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A safetensors file, memory-mapped and validated when opened: the header length is capped, the
 * header is well-formed JSON, every dtype is known, every shape matches its byte range, and the
 * ranges lie inside the data section without overlapping. Tensors are read lazily, each from its
 * own read-only mapping, so files past 2 GB work.
 */
public final class SafetensorsFile implements AutoCloseable {
    /** Largest header accepted (the reference implementation uses the same cap). */
    public static final long MAX_HEADER = 100_000_000L;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Where one tensor lies in the data section. */
    public record Entry(String name, DType dtype, long[] shape, long begin, long end) {
    }

    private final Path path;
    private final FileChannel channel;
    private final long dataStart;
    private final Map<String, Entry> entries;
    private final Map<String, String> metadata;

    private SafetensorsFile(Path path, FileChannel channel, long dataStart, Map<String, Entry> entries,
            Map<String, String> metadata) {
        this.path = path;
        this.channel = channel;
        this.dataStart = dataStart;
        this.entries = entries;
        this.metadata = metadata;
    }

    public static SafetensorsFile open(Path file) {
        if (!Files.isRegularFile(file)) {
            throw LinforgeException.badInput(file, "file", "no such file");
        }
        FileChannel ch = null;
        try {
            ch = FileChannel.open(file, StandardOpenOption.READ);
            SafetensorsFile f = parse(file, ch);
            ch = null;
            return f;
        } catch (IOException e) {
            throw LinforgeException.badInput(file, "file", "cannot read: " + e.getMessage());
        } finally {
            if (ch != null) {
                try {
                    ch.close();
                } catch (IOException ignored) {
                    // already failing
                }
            }
        }
    }

    private static SafetensorsFile parse(Path file, FileChannel ch) throws IOException {
        long size = ch.size();
        if (size < 8) {
            throw LinforgeException.badInput(file, "header length", "file has " + size + " bytes, needs at least 8");
        }
        ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(ch, lenBuf, 0);
        long n = lenBuf.getLong(0);
        if (n < 2 || n > MAX_HEADER) {
            throw LinforgeException.badInput(file, "header length", n + " is outside [2, " + MAX_HEADER + "]");
        }
        if (n > size - 8) {
            throw LinforgeException.badInput(file, "header length",
                    n + " exceeds the file (" + size + " bytes): truncated file");
        }
        ByteBuffer hb = ByteBuffer.allocate((int) n);
        readFully(ch, hb, 8);
        JsonNode header;
        try {
            header = JSON.readTree(new String(hb.array(), StandardCharsets.UTF_8));
        } catch (JsonProcessingException e) {
            throw LinforgeException.badInput(file, "header", "malformed JSON: "
                    + e.getOriginalMessage().replaceAll("\\s+", " "));
        }
        if (header == null || !header.isObject()) {
            throw LinforgeException.badInput(file, "header", "expected a JSON object");
        }
        long dataStart = 8 + n;
        long dataLen = size - dataStart;
        Map<String, Entry> entries = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            String name = e.getKey();
            JsonNode v = e.getValue();
            if (name.equals("__metadata__")) {
                if (!v.isObject()) {
                    throw LinforgeException.badInput(file, "__metadata__", "expected an object of strings");
                }
                for (Iterator<Map.Entry<String, JsonNode>> m = v.fields(); m.hasNext();) {
                    Map.Entry<String, JsonNode> kv = m.next();
                    if (!kv.getValue().isTextual()) {
                        throw LinforgeException.badInput(file, "__metadata__." + kv.getKey(), "expected a string");
                    }
                    metadata.put(kv.getKey(), kv.getValue().asText());
                }
                continue;
            }
            entries.put(name, entry(file, name, v, dataLen));
        }
        List<Entry> sorted = new ArrayList<>(entries.values());
        sorted.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        for (int i = 1; i < sorted.size(); i++) {
            Entry a = sorted.get(i - 1);
            Entry b = sorted.get(i);
            if (b.begin() < a.end()) {
                throw LinforgeException.badInput(file, b.name() + ".data_offsets",
                        "range [" + b.begin() + ", " + b.end() + ") overlaps '" + a.name() + "' [" + a.begin() + ", "
                                + a.end() + ")");
            }
        }
        return new SafetensorsFile(file, ch, dataStart, Collections.unmodifiableMap(entries),
                Collections.unmodifiableMap(metadata));
    }

    private static Entry entry(Path file, String name, JsonNode v, long dataLen) {
        if (!v.isObject()) {
            throw LinforgeException.badInput(file, name, "expected an object with dtype, shape, data_offsets");
        }
        JsonNode dt = v.get("dtype");
        if (dt == null || !dt.isTextual()) {
            throw LinforgeException.badInput(file, name + ".dtype", "missing or not a string");
        }
        DType dtype = DType.fromSafetensors(dt.asText());
        if (dtype == null) {
            throw LinforgeException.badInput(file, name + ".dtype", "unknown dtype '" + dt.asText() + "'");
        }
        JsonNode sh = v.get("shape");
        if (sh == null || !sh.isArray()) {
            throw LinforgeException.badInput(file, name + ".shape", "missing or not a list");
        }
        long[] shape = new long[sh.size()];
        long numel = 1;
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = sh.get(i);
            if (!d.isIntegralNumber() || d.asLong() < 0) {
                throw LinforgeException.badInput(file, name + ".shape", "dimension " + i + " is not a non-negative integer");
            }
            shape[i] = d.asLong();
            numel = Math.multiplyExact(numel, shape[i]);
        }
        JsonNode off = v.get("data_offsets");
        if (off == null || !off.isArray() || off.size() != 2 || !off.get(0).isIntegralNumber()
                || !off.get(1).isIntegralNumber()) {
            throw LinforgeException.badInput(file, name + ".data_offsets", "expected [begin, end]");
        }
        long begin = off.get(0).asLong();
        long end = off.get(1).asLong();
        if (begin < 0 || end < begin) {
            throw LinforgeException.badInput(file, name + ".data_offsets", "invalid range [" + begin + ", " + end + ")");
        }
        if (end > dataLen) {
            throw LinforgeException.badInput(file, name + ".data_offsets", "range [" + begin + ", " + end
                    + ") is past the end of the data (" + dataLen + " bytes)");
        }
        long expected = Math.multiplyExact(numel, (long) dtype.byteSize());
        if (end - begin != expected) {
            throw LinforgeException.badInput(file, name + ".data_offsets", "byte range of " + (end - begin)
                    + " bytes does not match shape x dtype (" + expected + " bytes)");
        }
        return new Entry(name, dtype, shape, begin, end);
    }

    private static void readFully(FileChannel ch, ByteBuffer b, long pos) throws IOException {
        while (b.hasRemaining()) {
            int r = ch.read(b, pos + b.position());
            if (r < 0) {
                throw new IOException("unexpected end of file");
            }
        }
        b.flip();
    }

    public Path path() {
        return path;
    }

    /** Tensor names in file order. */
    public Set<String> names() {
        return entries.keySet();
    }

    public Entry entry(String name) {
        Entry e = entries.get(name);
        if (e == null) {
            throw LinforgeException.badInput(path, name, "no such tensor");
        }
        return e;
    }

    public Map<String, String> metadata() {
        return metadata;
    }

    /** The tensor, as stored (a read-only view of the mapped file). */
    public TensorData get(String name) {
        Entry e = entry(name);
        long len = e.end() - e.begin();
        try {
            ByteBuffer b;
            if (len == 0) {
                b = ByteBuffer.allocate(0);
            } else {
                MappedByteBuffer m = channel.map(FileChannel.MapMode.READ_ONLY, dataStart + e.begin(), len);
                b = m;
            }
            return new TensorData(e.dtype(), e.shape(), b.order(ByteOrder.LITTLE_ENDIAN));
        } catch (IOException ex) {
            throw LinforgeException.badInput(path, name, "cannot map: " + ex.getMessage());
        }
    }

    /**
     * The tensor read on demand with positional reads (no mapping), so that streaming a large file
     * through a conversion does not keep its pages in the process's memory.
     */
    public TensorSource source(String name) {
        Entry e = entry(name);
        return new TensorSource() {
            @Override
            public DType dtype() {
                return e.dtype();
            }

            @Override
            public long[] shape() {
                return e.shape().clone();
            }

            @Override
            public Object origin() {
                return path;
            }

            @Override
            public void read(long byteOffset, ByteBuffer dst) {
                long len = e.end() - e.begin();
                if (byteOffset < 0 || byteOffset + dst.remaining() > len) {
                    throw new IndexOutOfBoundsException(name + ": bytes " + byteOffset + "+" + dst.remaining() + " of " + len);
                }
                long pos = dataStart + e.begin() + byteOffset;
                try {
                    while (dst.hasRemaining()) {
                        int r = channel.read(dst, pos);
                        if (r < 0) {
                            throw LinforgeException.badInput(path, name, "cannot read: unexpected end of file");
                        }
                        pos += r;
                    }
                } catch (IOException ex) {
                    throw LinforgeException.badInput(path, name, "cannot read: " + ex.getMessage());
                }
            }

            @Override
            public String toString() {
                return e.dtype() + java.util.Arrays.toString(e.shape());
            }
        };
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // nothing to do
        }
    }
}
