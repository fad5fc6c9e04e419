package io.linforge.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Arrays;

/**
 * What {@link Linforge#generate} produced.
 *
 * @param prompt the prompt
 * @param completion the generated text (the whole sequence decoded, less the decoded prompt)
 * @param promptTokenIds the prompt's token ids as the model is fed them (special tokens included)
 * @param newTokenIds the generated token ids
 * @param engine the engine that ran the model ({@code onnxruntime} or {@code tensorrt})
 * @param tokensPerS generated tokens per second of decoding
 * @param mode {@code greedy} or {@code top-p}
 */
public record GenerateResult(String prompt, String completion, long[] promptTokenIds, long[] newTokenIds, String engine,
        double tokensPerS, String mode) {
    public GenerateResult {
        promptTokenIds = promptTokenIds.clone();
        newTokenIds = newTokenIds.clone();
    }

    @Override
    public long[] promptTokenIds() {
        return promptTokenIds.clone();
    }

    @Override
    public long[] newTokenIds() {
        return newTokenIds.clone();
    }

    /** The result as {@code linforge generate --json} writes it. */
    public ObjectNode toJson() {
        ObjectNode j = Json.MAPPER.createObjectNode();
        j.put("prompt", prompt);
        j.put("completion", completion);
        j.put("prompt_tokens", promptTokenIds.length);
        j.set("prompt_token_ids", Json.MAPPER.valueToTree(promptTokenIds));
        j.put("new_tokens", newTokenIds.length);
        j.set("new_token_ids", Json.MAPPER.valueToTree(newTokenIds));
        j.put("engine", engine);
        j.put("tokens_per_s", tokensPerS);
        j.put("mode", mode);
        return j;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GenerateResult r && prompt.equals(r.prompt) && completion.equals(r.completion)
                && Arrays.equals(promptTokenIds, r.promptTokenIds) && Arrays.equals(newTokenIds, r.newTokenIds)
                && engine.equals(r.engine) && Double.compare(tokensPerS, r.tokensPerS) == 0 && mode.equals(r.mode);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * prompt.hashCode() + Arrays.hashCode(promptTokenIds)) + Arrays.hashCode(newTokenIds);
    }

    @Override
    public String toString() {
        return "GenerateResult[prompt=" + prompt + ", promptTokenIds=" + Arrays.toString(promptTokenIds) + ", newTokenIds="
                + Arrays.toString(newTokenIds) + ", engine=" + engine + ", mode=" + mode + "]";
    }
}
