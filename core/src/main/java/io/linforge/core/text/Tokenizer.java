package io.linforge.core.text;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Texts to token ids and back, as a model's Hugging Face {@code tokenizer.json} defines them.
 * Truncation and padding are explicit: each text is cut to {@code maxLength} tokens and a batch is
 * padded to its longest member with {@link #padId()}. The runtime works through this type alone;
 * the implementation (the Rust tokenizers library through DJL) lives in the model module and is
 * handed in by the caller, so that serving and validation need no DJL.
 */
public interface Tokenizer extends AutoCloseable {
    /** A padded batch: ids, attention mask (1 = token, 0 = padding) and token type ids. */
    record Batch(long[][] inputIds, long[][] attentionMask, long[][] typeIds) {
        public int size() {
            return inputIds.length;
        }

        public int seqLen() {
            return inputIds.length == 0 ? 0 : inputIds[0].length;
        }
    }

    /** The {@code tokenizer.json} this tokenizer was read from. */
    Path path();

    long padId();

    /** One more than the largest token id this tokenizer can produce. */
    int vocabSize();

    /** The length texts are cut to by {@link #encode(List)}. */
    int maxLength();

    /** Encodes and pads to the longest text of the batch (each at most {@code maxLength} tokens). */
    Batch encode(List<String> texts, int maxLength);

    default Batch encode(List<String> texts) {
        return encode(texts, maxLength());
    }

    /** Token ids of {@code text} without special tokens and without truncation. */
    long[] idsOf(String text);

    /**
     * Token ids of {@code text} with the special tokens of the file's post-processor (a BOS in front
     * for Llama-style tokenizers), without truncation: what transformers gives with
     * {@code add_special_tokens=True}, the form a causal language model is trained on and prompted with.
     */
    long[] modelIds(String text);

    /**
     * Text of token ids as transformers' {@code decode}: the file's decoder, then, when
     * {@code tokenizer_config.json} sets {@code clean_up_tokenization_spaces}, its space clean-up.
     */
    String decode(long[] ids, boolean skipSpecialTokens);

    /** Text of token ids (special tokens skipped), as transformers' {@code decode(ids, skip_special_tokens=True)}. */
    default String decode(long[] ids) {
        return decode(ids, true);
    }

    /**
     * The text that {@code all} (= {@code prompt} followed by new ids) adds after the prompt: the
     * whole sequence decoded, less the prompt's decoded text, so that decoders which treat the first
     * token apart (SentencePiece's leading-space strip) or join bytes across tokens (byte fallback)
     * give what decoding the full sequence gives; the new ids decoded alone when the prompt's text
     * is not a prefix of the whole.
     */
    default String completion(long[] prompt, long[] all) {
        String whole = decode(all);
        String head = decode(Arrays.copyOf(all, prompt.length));
        if (whole.startsWith(head)) {
            return whole.substring(head.length());
        }
        return decode(Arrays.copyOfRange(all, prompt.length, all.length));
    }

    @Override
    void close();
}
