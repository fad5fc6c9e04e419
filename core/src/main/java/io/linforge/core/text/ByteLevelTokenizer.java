package io.linforge.core.text;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.linforge.core.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A byte-level {@code tokenizer.json} with no merges: every UTF-8 byte is one token (ids 0–255, in
 * GPT-2's byte-to-character order) plus {@code <|endoftext|>} (256) as the padding and end token.
 * Any text round-trips; Hugging Face tokenizers and transformers load it as they load GPT-2's.
 */
public final class ByteLevelTokenizer {
    public static final int VOCAB = 257;
    public static final String EOS = "<|endoftext|>";

    private ByteLevelTokenizer() {
    }

    /** GPT-2's printable stand-in character for each byte value. */
    static char[] byteChars() {
        char[] out = new char[256];
        boolean[] direct = new boolean[256];
        for (int b = '!'; b <= '~'; b++) {
            direct[b] = true;
        }
        for (int b = 0xA1; b <= 0xAC; b++) {
            direct[b] = true;
        }
        for (int b = 0xAE; b <= 0xFF; b++) {
            direct[b] = true;
        }
        int n = 0;
        for (int b = 0; b < 256; b++) {
            out[b] = direct[b] ? (char) b : (char) (256 + n++);
        }
        return out;
    }

    public static ObjectNode json() {
        ObjectMapper m = new ObjectMapper();
        ObjectNode root = m.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        ObjectNode pad = root.putObject("padding");
        pad.put("strategy", "BatchLongest");
        pad.put("direction", "Right");
        pad.putNull("pad_to_multiple_of");
        pad.put("pad_id", 256);
        pad.put("pad_type_id", 0);
        pad.put("pad_token", EOS);
        ArrayNode added = root.putArray("added_tokens");
        ObjectNode eos = added.addObject();
        eos.put("id", 256);
        eos.put("content", EOS);
        eos.put("single_word", false);
        eos.put("lstrip", false);
        eos.put("rstrip", false);
        eos.put("normalized", false);
        eos.put("special", true);
        root.putNull("normalizer");
        ObjectNode pre = root.putObject("pre_tokenizer");
        pre.put("type", "ByteLevel");
        pre.put("add_prefix_space", false);
        pre.put("trim_offsets", true);
        pre.put("use_regex", true);
        root.putNull("post_processor");
        ObjectNode dec = root.putObject("decoder");
        dec.put("type", "ByteLevel");
        dec.put("add_prefix_space", true);
        dec.put("trim_offsets", true);
        dec.put("use_regex", true);
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE");
        model.putNull("dropout");
        model.putNull("unk_token");
        model.putNull("continuing_subword_prefix");
        model.putNull("end_of_word_suffix");
        model.put("fuse_unk", false);
        model.put("byte_fallback", false);
        ObjectNode vocab = model.putObject("vocab");
        char[] chars = byteChars();
        for (int b = 0; b < 256; b++) {
            vocab.put(String.valueOf(chars[b]), b);
        }
        model.putArray("merges");
        return root;
    }

    public static void write(Path file) throws IOException {
        AtomicFiles.writeString(file, new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(json()) + "\n");
    }
}
