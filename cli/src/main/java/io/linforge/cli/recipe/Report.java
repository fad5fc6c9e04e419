package io.linforge.cli.recipe;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.linforge.api.training.ProfileChart;
import io.linforge.core.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * {@code report.html} of a run folder, a page to attach to a pull request: a summary card (the
 * gate's verdict, the accuracy change, the size and latency ratios of the candidate), the stages,
 * the compression (layers tried and replaced, accuracy, parameters and size before and after),
 * training curves, validation metrics and gates, latency, the linearity profile, and links to
 * every file the run wrote. Charts are drawn by {@link ProfileChart} (XChart) and inlined as SVG,
 * so the file stands alone; a series of one point is shown as its value, never as a chart.
 */
public final class Report {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final int CHART_WIDTH = 720;
    static final int CHART_HEIGHT = 360;

    private final Path runDir;
    private final JsonNode manifest;
    private final List<JsonNode> stages = new ArrayList<>();
    private final StringBuilder html = new StringBuilder();
    private int charts;

    private Report(Path runDir) {
        this.runDir = runDir.toAbsolutePath().normalize();
        this.manifest = read(this.runDir.resolve("manifest.json"));
        manifest.path("stages").forEach(stages::add);
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    static JsonNode read(Path p) {
        try {
            return Files.isRegularFile(p) ? JSON.readTree(p.toFile()) : JSON.createObjectNode();
        } catch (IOException e) {
            return JSON.createObjectNode();
        }
    }

    /** The report's name in a run folder. */
    public static final String FILE = "report.html";

    /** Writes {@code runDir/report.html} from the manifest and the stage results; returns its path. */
    public static Path write(Path runDir) throws IOException {
        Report r = new Report(runDir);
        String page = r.page();
        Path out = r.runDir.resolve(FILE);
        AtomicFiles.writeString(out, page);
        return out;
    }

    private String page() throws IOException {
        String name = esc(manifest.path("recipe_name").asText());
        html.append("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>linforge run ").append(name)
                .append("</title><style>")
                .append("body{font-family:sans-serif;margin:2em;max-width:1100px;color:#222}")
                .append("table{border-collapse:collapse;margin:.5em 0 1em}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}")
                .append("th{background:#f4f4f4}td.l,th.l{text-align:left}")
                .append(".card{border:2px solid #888;border-radius:8px;padding:1em 1.5em;margin:1em 0 2em;background:#fafafa}")
                .append(".card.passed{border-color:#2ca02c}.card.failed{border-color:#d62728}")
                .append(".card dl{display:grid;grid-template-columns:max-content auto;gap:.3em 1.5em;margin:0}")
                .append(".card dt{font-weight:bold}.card dd{margin:0}")
                .append(".verdict{font-size:1.3em;font-weight:bold}.passed .verdict{color:#2ca02c}.failed .verdict{color:#d62728}")
                .append("figure.chart{margin:1em 0}figure.chart svg{max-width:100%;height:auto}")
                .append(".note{color:#555;font-style:italic}")
                .append("</style></head><body>");
        html.append("<h1>linforge run: ").append(name).append("</h1>");
        if (manifest.path("recipe").has("path")) {
            html.append("<p>recipe <code>").append(esc(manifest.path("recipe").path("path").asText())).append("</code>, linforge ")
                    .append(esc(manifest.path("versions").path("linforge").asText("unknown"))).append("</p>");
        }
        summary();
        stageTable();
        compression();
        training();
        validation();
        latency();
        models();
        profile();
        artifacts();
        return html.append("</body></html>\n").toString();
    }

    // ---- the summary card ----

    private void summary() {
        JsonNode validate = first("validate");
        JsonNode failedStage = stages.stream().filter(s -> s.path("status").asText().equals("failed")).findFirst().orElse(null);
        boolean gatesFailed = validate != null && !validate.path("metrics").path("passed").asBoolean(true);
        boolean failed = failedStage != null || gatesFailed;
        String verdict;
        if (validate != null && validate.path("metrics").has("passed")) {
            verdict = "gate " + (validate.path("metrics").path("passed").asBoolean() ? "passed" : "FAILED");
        } else if (failedStage != null) {
            verdict = "FAILED at stage " + failedStage.path("name").asText();
        } else {
            verdict = stages.isEmpty() ? "no stages" : "all " + stages.size() + " stages done";
        }
        html.append("<section class=\"card ").append(failed ? "failed" : "passed").append("\" id=\"summary\">");
        html.append("<div class=\"verdict\" id=\"verdict\">").append(esc(verdict)).append("</div><dl>");
        if (validate != null) {
            JsonNode m = validate.path("metrics");
            for (JsonNode g : m.path("gates")) {
                item("gate-" + g.path("name").asText(), "gate " + g.path("name").asText(), String.format(Locale.ROOT,
                        "%s: %s %s (threshold %s)", g.path("passed").asBoolean() ? "passed" : "FAILED",
                        g.path("metric").asText(), num(g.path("measured").asDouble()), num(g.path("threshold").asDouble())));
            }
            JsonNode vm = m.path("metrics");
            if (vm.has("reference_accuracy") && vm.has("candidate_accuracy")) {
                double ref = vm.path("reference_accuracy").asDouble();
                double cand = vm.path("candidate_accuracy").asDouble();
                item("accuracy", "accuracy", String.format(Locale.ROOT, "%.4f → %.4f (%+.2f points)", ref, cand, 100 * (cand - ref)));
            }
            if (vm.has("perplexity_ratio")) {
                item("perplexity", "perplexity ratio", String.format(Locale.ROOT, "%.4f", vm.path("perplexity_ratio").asDouble()));
            }
            JsonNode refExport = producer(arg(validate, "--reference"), "export");
            JsonNode candExport = producer(arg(validate, "--candidate"), "export");
            if (refExport != null && candExport != null) {
                long rb = refExport.path("metrics").path("bytes").asLong();
                long cb = candExport.path("metrics").path("bytes").asLong();
                long rp = refExport.path("metrics").path("parameters").asLong();
                long cp = candExport.path("metrics").path("parameters").asLong();
                if (rb > 0) {
                    item("size", "size", String.format(Locale.ROOT, "%.2f× (%s → %s)", (double) cb / rb, mb(rb), mb(cb)));
                }
                if (rp > 0) {
                    item("parameters", "parameters", String.format(Locale.ROOT, "%.2f× (%,d → %,d)", (double) cp / rp, rp, cp));
                }
            }
        }
        for (JsonNode b : of("bench")) {
            JsonNode rows = b.path("metrics").path("results");
            if (rows.path(0).has("ratio_p50")) {
                List<String> parts = new ArrayList<>();
                for (JsonNode r : rows) {
                    parts.add(String.format(Locale.ROOT, "%.2f× at %d × %d", r.path("ratio_p50").asDouble(), r.path("batch").asInt(),
                            r.path("seq").asInt()));
                }
                item("latency-" + b.path("name").asText(), "latency (p50, " + b.path("name").asText() + ")",
                        String.join(", ", parts) + " (candidate / baseline)");
            }
        }
        double seconds = stages.stream().mapToDouble(s -> s.path("seconds").asDouble()).sum();
        item("stages", "stages", String.format(Locale.ROOT, "%d (%d failed), %.1f s", stages.size(),
                stages.stream().filter(s -> s.path("status").asText().equals("failed")).count(), seconds));
        html.append("</dl></section>");
    }

    private void item(String id, String label, String value) {
        html.append("<dt>").append(esc(label)).append("</dt><dd id=\"summary-").append(esc(id)).append("\">").append(esc(value))
                .append("</dd>");
    }

    // ---- sections ----

    private void stageTable() {
        html.append("<h2>Stages</h2><table><tr><th class=\"l\">stage</th><th class=\"l\">type</th><th class=\"l\">status</th>"
                + "<th>seconds</th><th class=\"l\">output</th></tr>");
        for (JsonNode s : stages) {
            String n = s.path("name").asText();
            html.append(String.format(Locale.ROOT, "<tr><td class=\"l\">%s</td><td class=\"l\">%s</td><td class=\"l\">%s</td>"
                    + "<td>%.1f</td><td class=\"l\">%s</td></tr>", esc(n), esc(s.path("type").asText()),
                    esc(s.path("status").asText() + (s.path("skipped").asBoolean() ? " (unchanged, skipped)" : "")
                            + (s.has("exit_code") && s.path("exit_code").asInt() != 0 ? ", exit " + s.path("exit_code").asInt() : "")),
                    s.path("seconds").asDouble(), links(n)));
        }
        html.append("</table>");
    }

    private String links(String stage) {
        List<String> out = new ArrayList<>();
        Path dir = runDir.resolve(stage);
        if (Files.isDirectory(dir)) {
            out.add(link(dir, stage + "/"));
        }
        Path result = runDir.resolve(stage + ".result.json");
        if (Files.isRegularFile(result)) {
            out.add(link(result, "result"));
        }
        return String.join(" · ", out);
    }

    private String link(Path target, String text) {
        String href = runDir.toUri().relativize(target.toAbsolutePath().normalize().toUri()).toString();
        return "<a href=\"" + esc(href) + "\">" + esc(text) + "</a>";
    }

    private void compression() {
        for (JsonNode s : of("compress")) {
            JsonNode m = s.path("metrics");
            String name = s.path("name").asText();
            boolean lm = m.has("test_perplexity_before");
            String metric = lm ? "perplexity" : "accuracy";
            html.append("<h2 id=\"compression-").append(esc(name)).append("\">Compression: ").append(esc(name)).append("</h2>");
            html.append(String.format(Locale.ROOT, "<p>%d of %d layers replaced by fitted linear maps: %s (budget: %s).</p>",
                    m.path("replaced_layers").size(), m.path("layers").asInt(), esc(m.path("replaced_layers").toString()),
                    lm ? "validation perplexity at most " + num(m.path("max_perplexity_ratio").asDouble()) + " × the original's"
                            : "validation accuracy may fall by at most " + num(m.path("max_accuracy_drop").asDouble())));
            html.append("<table class=\"layers\"><tr><th>layer</th><th>linearity score</th><th>validation ").append(metric)
                    .append("</th><th class=\"l\">result</th></tr>");
            for (JsonNode t : m.path("tried")) {
                html.append(String.format(Locale.ROOT, "<tr><td>%d</td><td>%.4f</td><td>%.4f</td><td class=\"l\">%s</td></tr>",
                        t.path("layer").asInt(), t.path("linearity").asDouble(), t.path("validation_" + metric).asDouble(),
                        t.path("kept").asBoolean() ? "replaced" : "kept (over budget)"));
            }
            html.append("</table>");
            // before / after
            JsonNode heal = healStage(s);
            html.append("<table class=\"before-after\"><tr><th class=\"l\"></th><th>before</th><th>after replacing</th>"
                    + "<th>after healing</th></tr>");
            String healed = "";
            if (m.has("test_" + metric + "_after_healing")) {
                healed = fmt(m.path("test_" + metric + "_after_healing").asDouble()) + " (" + m.path("heal").asText() + ", "
                        + m.path("heal_steps").asInt() + " steps)";
            } else if (heal != null && heal.path("metrics").has("eval_" + metric)) {
                healed = fmt(heal.path("metrics").path("eval_" + metric).asDouble()) + " (stage " + heal.path("name").asText()
                        + ", " + heal.path("metrics").path("steps").asInt() + " steps)";
            }
            row("test " + metric, fmt(m.path("test_" + metric + "_before").asDouble()),
                    fmt(m.path("test_" + metric + "_after").asDouble()), healed);
            row("validation " + metric, fmt(m.path("validation_" + metric + "_before").asDouble()),
                    fmt(m.path("validation_" + metric + "_after").asDouble()), "");
            row("KL to the original (test)", "0", String.format(Locale.ROOT, "%.4g", m.path("test_kl_to_original").asDouble()),
                    m.has("test_kl_to_original_after_healing")
                            ? String.format(Locale.ROOT, "%.4g", m.path("test_kl_to_original_after_healing").asDouble()) : "");
            long pb = m.path("parameters_before").asLong();
            long pa = m.path("parameters_after").asLong();
            row("parameters", String.format(Locale.ROOT, "%,d", pb), String.format(Locale.ROOT, "%,d (%.2f×)", pa,
                    pb > 0 ? (double) pa / pb : Double.NaN), "");
            long sb = weightBytes(path(arg(s, "--model")));
            long sa = weightBytes(runDir.resolve(name));
            if (sb > 0 && sa > 0) {
                row("checkpoint size (safetensors)", mb(sb), String.format(Locale.ROOT, "%s (%.2f×)", mb(sa), (double) sa / sb), "");
            }
            html.append("</table>");
        }
    }

    private void row(String label, String before, String after, String healed) {
        html.append("<tr><th class=\"l\">").append(esc(label)).append("</th><td>").append(esc(before)).append("</td><td>")
                .append(esc(after)).append("</td><td>").append(esc(healed)).append("</td></tr>");
    }

    /** A train stage that fine-tunes the output of {@code compress} (its healing), or null. */
    private JsonNode healStage(JsonNode compress) {
        Path out = runDir.resolve(compress.path("name").asText());
        for (JsonNode s : of("train")) {
            String model = arg(s, "--model");
            if (model != null && path(model).equals(out)) {
                return s;
            }
        }
        return null;
    }

    private void training() {
        for (JsonNode s : of("train")) {
            JsonNode m = s.path("metrics");
            if (!m.has("curve")) {
                continue;
            }
            String metric = m.has("eval_perplexity") ? "eval_perplexity" : "eval_accuracy";
            List<double[]> loss = new ArrayList<>();
            List<double[]> eval = new ArrayList<>();
            for (JsonNode p : m.path("curve")) {
                loss.add(new double[] {p.path("step").asDouble(), p.path("loss").asDouble()});
                if (p.has(metric)) {
                    eval.add(new double[] {p.path("step").asDouble(), p.path(metric).asDouble()});
                }
            }
            if (m.has(metric) && (eval.isEmpty() || eval.get(eval.size() - 1)[0] != m.path("steps").asDouble())) {
                eval.add(new double[] {m.path("steps").asDouble(), m.path(metric).asDouble()});
            }
            String what = metric.equals("eval_perplexity") ? "perplexity" : "accuracy";
            html.append("<h2>Training: ").append(esc(s.path("name").asText())).append(" (").append(esc(m.path("method").asText()))
                    .append(")</h2>");
            chart("training loss", "step", "loss (cross-entropy, nats)", List.of("training loss"), List.of(loss));
            chart("evaluation " + what, "step", what.equals("accuracy") ? "accuracy (fraction of test rows)"
                    : "perplexity (held-out blocks)", List.of("evaluation " + what), List.of(eval));
            html.append(String.format(Locale.ROOT, "<p>evaluation %s %s, %,d trainable of %,d parameters, peak RSS %.0f MB, "
                    + "%.0f tokens/s</p>", what, fmt(m.path(metric).asDouble()), m.path("trainable_parameters").asLong(),
                    m.path("total_parameters").asLong(), m.path("peak_rss_bytes").asDouble() / 1e6,
                    m.path("tokens_per_s").asDouble()));
        }
    }

    private void validation() {
        for (JsonNode s : of("validate")) {
            JsonNode m = s.path("metrics");
            html.append("<h2>Validation: ").append(esc(s.path("name").asText())).append("</h2>");
            JsonNode ref = producer(arg(s, "--reference"), null);
            JsonNode cand = producer(arg(s, "--candidate"), null);
            html.append("<p>candidate ").append(esc(cand == null ? String.valueOf(arg(s, "--candidate")) : cand.path("name").asText()))
                    .append(" against reference ")
                    .append(esc(ref == null ? String.valueOf(arg(s, "--reference")) : ref.path("name").asText()))
                    .append(String.format(Locale.ROOT, " on %d rows.</p>", m.path("rows").asInt()));
            html.append("<table><tr><th class=\"l\">metric</th><th>value</th></tr>");
            m.path("metrics").fields().forEachRemaining(e -> html.append("<tr><td class=\"l\">").append(esc(e.getKey()))
                    .append("</td><td>").append(num(e.getValue().asDouble(), 6)).append("</td></tr>"));
            html.append("</table>");
            if (m.path("gates").size() > 0) {
                html.append("<table class=\"gates\"><tr><th class=\"l\">gate</th><th>measured</th><th>threshold</th>"
                        + "<th class=\"l\">result</th></tr>");
                for (JsonNode g : m.path("gates")) {
                    html.append(String.format(Locale.ROOT, "<tr><td class=\"l\">%s</td><td>%s</td><td>%s</td><td class=\"l\">%s</td></tr>",
                            esc(g.path("name").asText()), num(g.path("measured").asDouble(), 6), num(g.path("threshold").asDouble(), 6),
                            esc(g.path("passed").asBoolean() ? "passed" : "FAILED: " + g.path("reason").asText())));
                }
                html.append("</table>");
            }
        }
    }

    private void latency() {
        for (JsonNode s : of("bench")) {
            JsonNode rows = s.path("metrics").path("results");
            String name = s.path("name").asText();
            html.append("<h2>Latency: ").append(esc(name)).append("</h2>");
            List<String> shapes = new ArrayList<>();
            for (JsonNode r : rows) {
                shapes.add(r.path("batch").asInt() + " × " + r.path("seq").asInt());
            }
            if (rows.path(0).has("ratio_p50")) {
                JsonNode cand = producer(arg(s, "--model"), null);
                JsonNode base = producer(arg(s, "--compare"), null);
                String cn = "candidate" + (cand == null ? "" : " (" + cand.path("name").asText() + ")");
                String bn = "baseline" + (base == null ? "" : " (" + base.path("name").asText() + ")");
                barChart("p50 latency per shape", shapes, List.of(cn, bn),
                        List.of(values(rows, "candidate_p50_ms"), values(rows, "baseline_p50_ms")));
                html.append("<table><tr><th>batch</th><th>seq</th><th>candidate p50 ms</th><th>baseline p50 ms</th>"
                        + "<th>candidate p90 ms</th><th>baseline p90 ms</th><th>ratio (p50)</th></tr>");
                for (JsonNode r : rows) {
                    html.append(String.format(Locale.ROOT, "<tr><td>%d</td><td>%d</td><td>%.2f</td><td>%.2f</td><td>%.2f</td>"
                            + "<td>%.2f</td><td>%.3f</td></tr>", r.path("batch").asInt(), r.path("seq").asInt(),
                            r.path("candidate_p50_ms").asDouble(), r.path("baseline_p50_ms").asDouble(),
                            r.path("candidate_p90_ms").asDouble(), r.path("baseline_p90_ms").asDouble(), r.path("ratio_p50").asDouble()));
                }
            } else {
                barChart("latency per shape", shapes, List.of("p50", "p90"), List.of(values(rows, "p50_ms"), values(rows, "p90_ms")));
                html.append("<table><tr><th>batch</th><th>seq</th><th>p50 ms</th><th>p90 ms</th><th>p99 ms</th><th>tokens/s</th></tr>");
                for (JsonNode r : rows) {
                    html.append(String.format(Locale.ROOT, "<tr><td>%d</td><td>%d</td><td>%.2f</td><td>%.2f</td><td>%.2f</td>"
                            + "<td>%.0f</td></tr>", r.path("batch").asInt(), r.path("seq").asInt(), r.path("p50_ms").asDouble(),
                            r.path("p90_ms").asDouble(), r.path("p99_ms").asDouble(), r.path("tokens_per_s").asDouble()));
                }
            }
            html.append("</table>");
            JsonNode machine = s.path("metrics").path("machine");
            if (machine.isObject()) {
                html.append("<p class=\"note\">").append(esc(String.format(Locale.ROOT, "%s, %d cores, %s, Java %s; %s threads",
                        machine.path("cpu").asText(), machine.path("cores").asInt(), machine.path("os").asText(),
                        machine.path("java").asText(), s.path("metrics").path("intra_op_threads").asInt() == 0 ? "default"
                                : s.path("metrics").path("intra_op_threads").asText()))).append("</p>");
            }
        }
    }

    private static double[] values(JsonNode rows, String key) {
        double[] v = new double[rows.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = rows.get(i).path(key).asDouble();
        }
        return v;
    }

    private void models() {
        List<JsonNode> exports = of("export");
        if (exports.isEmpty()) {
            return;
        }
        html.append("<h2>Models</h2><table><tr><th class=\"l\">stage</th><th class=\"l\">precision</th><th>opset</th>"
                + "<th>parameters</th><th>size</th><th class=\"l\">file</th></tr>");
        for (JsonNode s : exports) {
            JsonNode m = s.path("metrics");
            // the file in this run folder (the recorded path may be where the run was first written)
            Path onnx = m.has("onnx") ? runDir.resolve(s.path("name").asText()).resolve(Path.of(m.path("onnx").asText()).getFileName())
                    : null;
            html.append(String.format(Locale.ROOT, "<tr><td class=\"l\">%s</td><td class=\"l\">%s</td><td>%d</td><td>%,d</td>"
                    + "<td>%s</td><td class=\"l\">%s</td></tr>", esc(s.path("name").asText()), esc(m.path("precision").asText()),
                    m.path("opset").asInt(), m.path("parameters").asLong(), mb(m.path("bytes").asLong()),
                    onnx != null && Files.isRegularFile(onnx) ? link(onnx, runDir.relativize(onnx.toAbsolutePath().normalize())
                            .toString()) : ""));
        }
        html.append("</table>");
    }

    private void profile() {
        for (JsonNode s : of("analyze")) {
            JsonNode layers = s.path("metrics").path("layers");
            if (layers.size() == 0) {
                continue;
            }
            List<String> names = new ArrayList<>();
            List<List<double[]>> series = new ArrayList<>();
            for (String[] k : new String[][] {{"linearity", "linearity"}, {"linearity_residual_removed", "linearity (residual removed)"},
                    {"block_influence", "block influence"}, {"angular_distance", "angular distance"}}) {
                if (!layers.path(0).has(k[0])) {
                    continue;
                }
                List<double[]> pts = new ArrayList<>();
                for (JsonNode l : layers) {
                    pts.add(new double[] {l.path("layer").asDouble(), l.path(k[0]).asDouble()});
                }
                names.add(k[1]);
                series.add(pts);
            }
            html.append("<h2>Linearity profile: ").append(esc(s.path("name").asText())).append("</h2>");
            chart(String.format(Locale.ROOT, "per-layer scores (%,d tokens)", s.path("metrics").path("tokens").asLong()), "layer",
                    "score (0 to 1)", names, series);
        }
    }

    private void artifacts() throws IOException {
        html.append("<h2>Artifacts</h2><ul class=\"artifacts\">");
        Path manifestFile = runDir.resolve("manifest.json");
        if (Files.isRegularFile(manifestFile)) {
            html.append("<li>").append(link(manifestFile, "manifest.json")).append(" (inputs with sha256, recipe, versions, metrics)</li>");
        }
        for (JsonNode s : stages) {
            String n = s.path("name").asText();
            List<Path> files = new ArrayList<>();
            Path result = runDir.resolve(n + ".result.json");
            if (Files.isRegularFile(result)) {
                files.add(result);
            }
            Path dir = runDir.resolve(n);
            if (Files.isDirectory(dir)) {
                try (Stream<Path> walk = Files.walk(dir)) {
                    walk.filter(Files::isRegularFile).filter(p -> !p.getFileName().toString().startsWith("."))
                            .sorted().forEach(files::add);
                }
            }
            if (files.isEmpty()) {
                continue;
            }
            html.append("<li>").append(esc(n)).append("<ul>");
            for (Path f : files) {
                html.append("<li>").append(link(f, runDir.relativize(f).toString())).append(" (").append(mb(Files.size(f)))
                        .append(")</li>");
            }
            html.append("</ul></li>");
        }
        html.append("</ul>");
    }

    // ---- charts ----

    /** A line chart of the series that have two or more points; a lone point is shown as its value. */
    private void chart(String title, String xLabel, String yLabel, List<String> names, List<List<double[]>> series) {
        List<String> drawn = new ArrayList<>();
        List<double[][]> points = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            List<double[]> p = series.get(i);
            if (p.size() >= 2) {
                drawn.add(names.get(i));
                points.add(p.toArray(new double[0][]));
            } else if (p.size() == 1) {
                html.append(String.format(Locale.ROOT, "<p class=\"note single\">%s: %s at %s %s (one value, so no chart)</p>",
                        esc(names.get(i)), fmt(p.get(0)[1]), esc(xLabel), fmt(p.get(0)[0])));
            }
        }
        if (!drawn.isEmpty()) {
            figure(title, ProfileChart.lines(title, xLabel, yLabel, drawn, points, CHART_WIDTH, CHART_HEIGHT));
        }
    }

    private void barChart(String title, List<String> categories, List<String> names, List<double[]> values) {
        if (!categories.isEmpty()) {
            figure(title, ProfileChart.bars(title, "batch × sequence length", "milliseconds", categories, names, values,
                    CHART_WIDTH, CHART_HEIGHT));
        }
    }

    private void figure(String title, ProfileChart chart) {
        String id = "chart-" + ++charts;
        html.append("<figure class=\"chart\" data-title=\"").append(esc(title)).append("\">").append(chart.inlineSvg(id))
                .append("</figure>");
    }

    // ---- helpers ----

    private List<JsonNode> of(String type) {
        return stages.stream().filter(s -> s.path("type").asText().equals(type)).toList();
    }

    private JsonNode first(String type) {
        List<JsonNode> l = of(type);
        return l.isEmpty() ? null : l.get(0);
    }

    /** The value after {@code flag} on the stage's command line, or null. */
    static String arg(JsonNode stage, String flag) {
        JsonNode args = stage.path("args");
        for (int i = 0; i + 1 < args.size(); i++) {
            if (args.get(i).asText().equals(flag)) {
                return args.get(i + 1).asText();
            }
        }
        return null;
    }

    private Path path(String p) {
        return p == null ? null : runDir.resolve(p).toAbsolutePath().normalize();
    }

    /** The stage (of {@code type}, or any when null) whose output folder holds {@code file}, or null. */
    private JsonNode producer(String file, String type) {
        Path p = path(file);
        if (p == null) {
            return null;
        }
        for (JsonNode s : stages) {
            if ((type == null || s.path("type").asText().equals(type)) && p.startsWith(runDir.resolve(s.path("name").asText()))) {
                return s;
            }
        }
        return null;
    }

    /** Bytes of the safetensors files in a checkpoint folder (0 when there are none). */
    static long weightBytes(Path dir) {
        if (dir == null || !Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> s = Files.list(dir)) {
            long n = 0;
            for (Path p : (Iterable<Path>) s::iterator) {
                if (p.getFileName().toString().endsWith(".safetensors")) {
                    n += Files.size(p);
                }
            }
            return n;
        } catch (IOException e) {
            return 0;
        }
    }

    static String mb(long bytes) {
        return bytes >= 1_000_000 ? String.format(Locale.ROOT, "%.1f MB", bytes / 1e6)
                : bytes >= 1000 ? String.format(Locale.ROOT, "%.1f kB", bytes / 1e3) : bytes + " B";
    }

    /** Four significant digits, without trailing zeros. */
    static String num(double v) {
        return num(v, 4);
    }

    static String num(double v, int digits) {
        return Double.isFinite(v) ? new java.math.BigDecimal(v).round(new java.math.MathContext(digits)).stripTrailingZeros()
                .toPlainString() : String.valueOf(v);
    }

    static String fmt(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e9 ? String.valueOf((long) v) : String.format(Locale.ROOT, "%.4f", v);
    }
}
