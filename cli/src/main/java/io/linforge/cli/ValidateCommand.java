package io.linforge.cli;

import io.linforge.api.Linforge;
import io.linforge.api.ValidateOptions;
import io.linforge.api.ValidateResult;
import io.linforge.core.LinforgeException;
import io.linforge.runtime.validate.GateResult;
import io.linforge.runtime.validate.ValidationReport;
import java.nio.file.Path;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;

/** {@code linforge validate}: reference vs candidate on a data set, with gates that exit 3. */
public final class ValidateCommand implements Command {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ValidateCommand.class);

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
                .addOption(Option.builder().longOpt("reference").hasArg().required().argName("A").type(Path.class).desc("reference ONNX file or TensorRT engine (.plan), or a folder containing model.onnx").build())
                .addOption(Option.builder().longOpt("candidate").hasArg().required().argName("B").type(Path.class).desc("candidate ONNX file or TensorRT engine (.plan), or a folder containing model.onnx (model.plan with --provider tensorrt-plan)").build())
                .addOption(Option.builder().longOpt("data").hasArg().required().argName("FILE").type(Path.class).desc("JSON lines with text and label (rows with split=test are used when present)").build())
                .addOption(Option.builder().longOpt("tokenizer").hasArg().argName("T").type(Path.class).desc("tokenizer.json (found next to the reference when omitted)").build())
                .addOption(Option.builder().longOpt("max-accuracy-drop").hasArg().argName("X").type(Double.class).desc("gate: reference accuracy - candidate accuracy <= X (fraction)").build())
                .addOption(Option.builder().longOpt("min-cosine").hasArg().argName("Y").type(Double.class).desc("gate: mean cosine (pooled embeddings, or logits) >= Y").build())
                .addOption(Option.builder().longOpt("max-perplexity-ratio").hasArg().argName("Z").type(Double.class).desc("gate: candidate / reference perplexity <= Z").build())
                .addOption(Option.builder().longOpt("limit").hasArg().argName("N").type(Integer.class).desc("use the first N rows").build())
                .addOption(Option.builder().longOpt("max-length").hasArg().argName("N").type(Integer.class).desc("tokens per text (default 128)").build())
                .addOption(Option.builder().longOpt("batch").hasArg().argName("N").type(Integer.class).desc("batch size (default 16)").build())
                .addOption(Option.builder().longOpt("provider").hasArg().argName("P").type(String.class).desc("cpu, cuda or tensorrt (default cpu); tensorrt-plan for a TensorRT engine, which a .plan model selects by itself").build())
                .addOption(Option.builder().longOpt("reference-provider").hasArg().argName("P").type(String.class)
                        .desc("provider of the reference when it differs (e.g. cpu while --provider cuda: EP parity)").build())
                .addOption(Option.builder().longOpt("threads").hasArg().argName("N").type(Integer.class).desc("intra-op threads").build())
                .addOption(CliSupport.jsonOption())
                .addOption(Option.builder().longOpt("junit").hasArg().argName("FILE").type(String.class).desc("write the gates as JUnit XML").build());
    }

    private static Double gate(CommandLine cmd, String name) {
        return cmd.hasOption(name) ? CliSupport.doubleOption(cmd, name, 0) : null;
    }

    @Override
    public int run(CommandLine cmd) throws Exception {
        ValidateResult r = Linforge.validate(ValidateOptions.builder(CliSupport.requiredPath(cmd, "reference"),
                        CliSupport.requiredPath(cmd, "candidate"), cmd.hasOption("data") ? Path.of(cmd.getOptionValue("data")) : null)
                .tokenizer(cmd.hasOption("tokenizer") ? Path.of(cmd.getOptionValue("tokenizer")) : null)
                .maxAccuracyDrop(gate(cmd, "max-accuracy-drop"))
                .minCosine(gate(cmd, "min-cosine"))
                .maxPerplexityRatio(gate(cmd, "max-perplexity-ratio"))
                .limit(CliSupport.intOption(cmd, "limit", 0))
                .maxLength(CliSupport.intOption(cmd, "max-length", 128))
                .batch(CliSupport.intOption(cmd, "batch", 16))
                .provider(cmd.getOptionValue("provider", "cpu"))
                .referenceProvider(cmd.getOptionValue("reference-provider"))
                .threads(CliSupport.intOption(cmd, "threads", 0))
                .junit(cmd.hasOption("junit") ? Path.of(cmd.getOptionValue("junit")) : null)
                .build());
        ValidationReport report = r.report();
        System.out.printf("%s model, %d rows%s%n", report.kind().id(), report.rows(), r.testSplitOnly() ? " (split=test)" : "");
        report.metrics().forEach((k, val) -> System.out.printf("  %-24s %.6g%n", k, val));
        for (GateResult g : report.gates()) {
            System.out.printf("  gate %-22s %s%n", g.name(), g.passed() ? "passed" : "FAILED");
        }
        CliSupport.writeJson(cmd, r.toJson());
        double nonFinite = report.metrics().get("nonfinite_rows_reference") + report.metrics().get("nonfinite_rows_candidate");
        if (nonFinite > 0 && report.gates().isEmpty()) {
            LOG.warn(String.format(java.util.Locale.ROOT, "linforge validate: non-finite outputs (NaN or infinity) in %.0f "
                    + "reference and %.0f candidate rows; the metrics are not meaningful",
                    report.metrics().get("nonfinite_rows_reference"), report.metrics().get("nonfinite_rows_candidate")));
        }
        if (!r.passed()) {
            for (String f : r.failures()) {
                LOG.error("linforge validate: {}", f);
            }
            return LinforgeException.GATE_FAILED;
        }
        return 0;
    }
}
