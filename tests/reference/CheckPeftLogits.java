import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.util.HashMap;
import java.util.Map;

/**
 * linforge's logits for the token ids that tests/reference/peft_loads_ours.py recorded, from linforge's export of
 * the same base and adapter on ONNX Runtime CPU, against PEFT's (live adapter and merge_and_unload).
 *   java -cp "cli/target/linforge-cli.jar:cli/target/lib/*" tests/reference/CheckPeftLogits.java PEFT.json EXPORT/model.onnx
 */
public class CheckPeftLogits {
    static long[][] ids(JsonNode n) {
        long[][] v = new long[n.size()][];
        for (int i = 0; i < n.size(); i++) {
            v[i] = new long[n.get(i).size()];
            for (int j = 0; j < v[i].length; j++) {
                v[i][j] = n.get(i).get(j).asLong();
            }
        }
        return v;
    }

    public static void main(String[] args) throws Exception {
        JsonNode peft = new ObjectMapper().readTree(new File(args[0]));
        long[][] ids = ids(peft.get("input_ids"));
        long[][] mask = ids(peft.get("attention_mask"));
        long[][] types = new long[ids.length][ids[0].length];
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession s = env.createSession(args[1], new OrtSession.SessionOptions());
                OnnxTensor a = OnnxTensor.createTensor(env, ids); OnnxTensor b = OnnxTensor.createTensor(env, mask);
                OnnxTensor c = OnnxTensor.createTensor(env, types)) {
            Map<String, OnnxTensor> in = new HashMap<>();
            in.put("input_ids", a);
            in.put("attention_mask", b);
            if (s.getInputNames().contains("token_type_ids")) {
                in.put("token_type_ids", c);
            }
            try (OrtSession.Result r = s.run(in)) {
                float[][] ours = (float[][]) r.get("logits").orElseThrow().getValue();
                double live = 0, merged = 0, range = 0;
                for (int i = 0; i < ours.length; i++) {
                    for (int j = 0; j < ours[i].length; j++) {
                        live = Math.max(live, Math.abs(ours[i][j] - peft.get("logits").get(i).get(j).asDouble()));
                        merged = Math.max(merged, Math.abs(ours[i][j] - peft.get("merged_logits").get(i).get(j).asDouble()));
                        range = Math.max(range, Math.abs(ours[i][j]));
                    }
                }
                System.out.printf("%d rows: max |linforge - PEFT live| %.3g, |linforge - PEFT merge_and_unload| %.3g, largest logit %.3f%n",
                        ours.length, live, merged, range);
                System.exit(live <= 1e-4 && merged <= 1e-4 ? 0 : 1);
            }
        }
    }
}
