package io.linforge.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.linforge.core.LinforgeException;
import io.linforge.core.text.Tokenizer;
import io.linforge.runtime.InferenceSession;
import io.linforge.runtime.ModelFiles;
import io.linforge.runtime.Provider;
import io.linforge.runtime.SessionConfig;
import io.linforge.runtime.Sessions;
import io.linforge.runtime.validate.GateResult;
import io.linforge.runtime.validate.Gates;
import io.linforge.runtime.validate.JUnitXml;
import io.linforge.runtime.validate.Labels;
import io.linforge.runtime.validate.ModelKind;
import io.linforge.runtime.validate.ValidationData;
import io.linforge.runtime.validate.ValidationReport;
import io.linforge.runtime.validate.Validator;
import java.nio.file.Path;
import java.util.Map;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;

/** {@code linforge validate}: reference vs candidate on a data set, with gates that exit 3. */
public final class ValidateCommand implements Command {
    @Override
    public String name() {
        return "validate";
    }

    @Override
    public String summary() {
        return "reference vs candidate on a data set: task metric, logit agreement, gates";
    }

    @Override
    public Options options() {
        return new Options()
                .addOption(Option.builder().longOpt("reference").hasArg().required().argName("A").desc("reference ONNX file or TensorRT engine (.plan), or a folder containing model.onnx").build())
                .addOption(Option.builder().longOpt("candidate").hasArg().required().argName("B").desc("candidate ONNX file or TensorRT engine (.plan), or a folder containing model.onnx (model.plan with --provider tensorrt-plan)").build())
                .addOption(Option.builder().longOpt("data").hasArg().required().argName("FILE").desc("JSON lines with text and label (rows with split=test are used when present)").build())
                .addOption(Option.builder().longOpt("tokenizer").hasArg().argName("T").desc("tokenizer.json (found next to the reference when omitted)").build())
                .addOption(Option.builder().longOpt("max-accuracy-drop").hasArg().argName("X").desc("gate: reference accuracy - candidate accuracy <= X (fraction)").build())
                .addOption(Option.builder().longOpt("min-cosine").hasArg().argName("Y").desc("gate: mean cosine (pooled embeddings, or logits) >= Y").build())
                .addOption(Option.builder().longOpt("max-perplexity-ratio").hasArg().argName("Z").desc("gate: candidate / reference perplexity <= Z").build())
                .addOption(Option.builder().longOpt("limit").hasArg().argName("N").desc("use the first N rows").build())
                .addOption(Option.builder().longOpt("max-length").hasArg().argName("N").desc("tokens per text (default 128)").build())
                .addOption(Option.builder().longOpt("batch").hasArg().argName("N").desc("batch size (default 16)").build())
                .addOption(Option.builder().longOpt("provider").hasArg().argName("P").desc("cpu, cuda or tensorrt (default cpu); tensorrt-plan for a TensorRT engine, which a .plan model selects by itself").build())
                .addOption(Option.builder().longOpt("reference-provider").hasArg().argName("P")
                        .desc("provider of the reference when it differs (e.g. cpu while --provider cuda: EP parity)").build())
                .addOption(Option.builder().longOpt("threads").hasArg().argName("N").desc("intra-op threads").build())
                .addOption(CliSupport.jsonOption())
                .addOption(Option.builder().longOpt("junit").hasArg().argName("FILE").desc("write the gates as JUnit XML").build());
    }

    private static Double gate(CommandLine cmd, String name) {
        return cmd.hasOption(name) ? CliSupport.doubleOption(cmd, name, 0) : null;
    }

    @Override
    public int run(CommandLine cmd) throws Exception {
        Gates gates = new Gates(gate(cmd, "max-accuracy-drop"), gate(cmd, "min-cosine"), gate(cmd, "max-perplexity-ratio"));
        java.util.List<Provider> providers = Provider.parseList(cmd.getOptionValue("provider", "cpu"));
        java.util.List<Provider> refProvidersWanted = cmd.hasOption("reference-provider")
                ? Provider.parseList(cmd.getOptionValue("reference-provider")) : providers;
        Path ref = ModelFiles.model(CliSupport.requiredPath(cmd, "reference"), "--reference", refProvidersWanted);
        Path cand = ModelFiles.model(CliSupport.requiredPath(cmd, "candidate"), "--candidate", providers);
        int limit = CliSupport.intOption(cmd, "limit", 0);
        int maxLength = CliSupport.intOption(cmd, "max-length", 128);
        int batch = CliSupport.intOption(cmd, "batch", 16);
        int threads = CliSupport.intOption(cmd, "threads", 0);
        if (limit < 0 || maxLength < 2 || batch < 1 || threads < 0) {
            throw LinforgeException.badInput("--limit >= 0, --max-length >= 2, --batch >= 1 and --threads >= 0 needed");
        }
        SessionConfig config = SessionConfig.builder()
                .providers(providers)
                .intraOpThreads(threads)
                .build();
        SessionConfig refConfig = !cmd.hasOption("reference-provider") ? config : SessionConfig.builder()
                .providers(refProvidersWanted)
                .intraOpThreads(threads)
                .build();
        // a .plan that cannot run here fails before the data and the models are read
        Sessions.check(ref, refConfig);
        Sessions.check(cand, config);
        ValidationData data = ValidationData.read(CliSupport.requiredPath(cmd, "data"), limit);
        Path tokPath = ModelFiles.tokenizer(ref, cmd.getOptionValue("tokenizer"));
        ValidationReport report;
        java.util.List<String> refProviders;
        java.util.List<String> candProviders;
        String refEngine;
        String candEngine;
        try (Tokenizer tok = Tokenizer.load(tokPath);
                InferenceSession a = Sessions.open(ref, refConfig);
                InferenceSession b = Sessions.open(cand, config)) {
            Validator v = new Validator(a, b, tok, maxLength, batch, ref, cand);
            Map<String, Integer> labels = v.kind() == ModelKind.CLASSIFIER ? Labels.forModel(ref, data) : Map.of();
            report = v.validate(data, labels, gates);
            refProviders = a.providers().stream().map(Provider::id).toList();
            candProviders = b.providers().stream().map(Provider::id).toList();
            refEngine = a.engine();
            candEngine = b.engine();
        }
        ObjectNode out = CliSupport.JSON.createObjectNode();
        out.put("reference", ref.toAbsolutePath().toString());
        out.put("candidate", cand.toAbsolutePath().toString());
        out.put("data", data.file().toAbsolutePath().toString());
        out.set("reference_providers", CliSupport.JSON.valueToTree(refProviders));
        out.set("candidate_providers", CliSupport.JSON.valueToTree(candProviders));
        out.put("reference_engine", refEngine);
        out.put("candidate_engine", candEngine);
        out.put("rows", report.rows());
        out.put("test_split_only", data.testSplitOnly());
        out.put("kind", report.kind().id());
        out.set("metrics", CliSupport.JSON.valueToTree(report.metrics()));
        ArrayNode gs = out.putArray("gates");
        for (GateResult g : report.gates()) {
            ObjectNode n = gs.addObject();
            n.put("name", g.name());
            n.put("metric", g.metric());
            n.put("measured", g.measured());
            n.put("threshold", g.threshold());
            n.put("passed", g.passed());
            n.put("reason", g.reason());
        }
        out.put("passed", report.passed());

        System.out.printf("%s model, %d rows%s%n", report.kind().id(), report.rows(),
                data.testSplitOnly() ? " (split=test)" : "");
        report.metrics().forEach((k, val) -> System.out.printf("  %-24s %.6g%n", k, val));
        for (GateResult g : report.gates()) {
            System.out.printf("  gate %-22s %s%n", g.name(), g.passed() ? "passed" : "FAILED");
        }
        CliSupport.writeJson(cmd, out);
        if (cmd.hasOption("junit")) {
            JUnitXml.write(Path.of(cmd.getOptionValue("junit")), report, "linforge.validate");
        }
        double nonFinite = report.metrics().get("nonfinite_rows_reference") + report.metrics().get("nonfinite_rows_candidate");
        if (nonFinite > 0 && report.gates().isEmpty()) {
            System.err.printf("linforge validate: non-finite outputs (NaN or infinity) in %.0f reference and %.0f candidate"
                    + " rows; the metrics are not meaningful%n", report.metrics().get("nonfinite_rows_reference"),
                    report.metrics().get("nonfinite_rows_candidate"));
        }
        if (!report.passed()) {
            for (GateResult g : report.failed()) {
                System.err.println("linforge validate: gate " + g.name() + " failed: " + g.reason());
            }
            return LinforgeException.GATE_FAILED;
        }
        return 0;
    }
}
