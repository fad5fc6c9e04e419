package io.linforge.cli.recipe;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.linforge.core.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code report.html} of a run folder: the stages with their status and time, the training curve,
 * and the accuracy, size and latency of the exported models; plots are inline SVG so the file
 * stands alone.
 */
public final class Report {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Report() {
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    /** A line chart of (x, y) series as SVG; {@code ids} name the polylines for tests. */
    public static String lineChart(String title, String xLabel, List<String> names, List<double[][]> series) {
        double minX = Double.MAX_VALUE;
        double maxX = -Double.MAX_VALUE;
        double minY = Double.MAX_VALUE;
        double maxY = -Double.MAX_VALUE;
        for (double[][] s : series) {
            for (double[] p : s) {
                minX = Math.min(minX, p[0]);
                maxX = Math.max(maxX, p[0]);
                minY = Math.min(minY, p[1]);
                maxY = Math.max(maxY, p[1]);
            }
        }
        if (minX == Double.MAX_VALUE) {
            return "<p>no data for " + esc(title) + "</p>";
        }
        if (maxX == minX) {
            maxX = minX + 1;
        }
        if (maxY == minY) {
            maxY = minY + 1;
        }
        int w = 560;
        int h = 260;
        int l = 50;
        int r = 20;
        int t = 30;
        int b = 40;
        String[] colors = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd"};
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "<svg class=\"plot\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\">", w, h));
        sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"18\" font-size=\"14\">%s</text>", l, esc(title)));
        sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>", l, h - b, w - r, h - b));
        sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>", l, t, l, h - b));
        sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"11\">%.3g</text>", 4, t + 4, maxY));
        sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"11\">%.3g</text>", 4, h - b, minY));
        sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"11\">%s %.0f..%.0f</text>", l, h - 12,
                esc(xLabel), minX, maxX));
        for (int i = 0; i < series.size(); i++) {
            StringBuilder pts = new StringBuilder();
            for (double[] p : series.get(i)) {
                double x = l + (p[0] - minX) / (maxX - minX) * (w - l - r);
                double y = h - b - (p[1] - minY) / (maxY - minY) * (h - t - b);
                pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
            }
            String c = colors[i % colors.length];
            sb.append(String.format(Locale.ROOT, "<polyline class=\"series\" data-name=\"%s\" fill=\"none\" stroke=\"%s\" "
                    + "stroke-width=\"2\" points=\"%s\"/>", esc(names.get(i)), c, pts.toString().trim()));
            sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"11\" fill=\"%s\">%s</text>",
                    w - r - 140, t + 14 * (i + 1), c, esc(names.get(i))));
        }
        return sb.append("</svg>").toString();
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
        JsonNode manifest = read(runDir.resolve("manifest.json"));
        StringBuilder html = new StringBuilder("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>linforge run "
                + esc(manifest.path("recipe_name").asText()) + "</title><style>body{font-family:sans-serif;margin:2em}"
                + "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}"
                + "th{background:#f4f4f4}</style></head><body>");
        html.append("<h1>linforge run: ").append(esc(manifest.path("recipe_name").asText())).append("</h1>");
        html.append("<h2>Stages</h2><table><tr><th>stage</th><th>type</th><th>status</th><th>seconds</th></tr>");
        for (JsonNode s : manifest.path("stages")) {
            html.append(String.format(Locale.ROOT, "<tr><td>%s</td><td>%s</td><td>%s</td><td>%.1f</td></tr>",
                    esc(s.path("name").asText()), esc(s.path("type").asText()),
                    esc(s.path("status").asText() + (s.path("skipped").asBoolean() ? " (skipped)" : "")),
                    s.path("seconds").asDouble()));
        }
        html.append("</table>");
        for (JsonNode s : manifest.path("stages")) {
            JsonNode m = s.path("metrics");
            if (s.path("type").asText().equals("train") && m.has("curve")) {
                List<double[]> loss = new ArrayList<>();
                List<double[]> acc = new ArrayList<>();
                for (JsonNode p : m.path("curve")) {
                    loss.add(new double[] {p.path("step").asDouble(), p.path("loss").asDouble()});
                    if (p.has("eval_accuracy")) {
                        acc.add(new double[] {p.path("step").asDouble(), p.path("eval_accuracy").asDouble()});
                    }
                }
                if (m.has("eval_accuracy")) {
                    acc.add(new double[] {m.path("steps").asDouble(), m.path("eval_accuracy").asDouble()});
                }
                html.append("<h2>Training: ").append(esc(s.path("name").asText())).append(" (")
                        .append(esc(m.path("method").asText())).append(")</h2>");
                html.append(lineChart("training loss", "step", List.of("loss"), List.<double[][]>of(loss.toArray(new double[0][]))));
                html.append(lineChart("evaluation accuracy", "step", List.of("accuracy"),
                        List.<double[][]>of(acc.toArray(new double[0][]))));
                html.append(String.format(Locale.ROOT, "<p>eval accuracy %.4f, %,d trainable of %,d parameters, "
                        + "peak RSS %.0f MB, %.0f tokens/s</p>", m.path("eval_accuracy").asDouble(),
                        m.path("trainable_parameters").asLong(), m.path("total_parameters").asLong(),
                        m.path("peak_rss_bytes").asDouble() / 1e6, m.path("tokens_per_s").asDouble()));
            }
        }
        html.append("<h2>Models</h2><table><tr><th>stage</th><th>precision</th><th>bytes</th></tr>");
        for (JsonNode s : manifest.path("stages")) {
            JsonNode m = s.path("metrics");
            if (s.path("type").asText().equals("export")) {
                html.append(String.format(Locale.ROOT, "<tr><td>%s</td><td>%s</td><td>%,d</td></tr>",
                        esc(s.path("name").asText()), esc(m.path("precision").asText()), m.path("bytes").asLong()));
            }
        }
        html.append("</table>");
        for (JsonNode s : manifest.path("stages")) {
            JsonNode m = s.path("metrics");
            if (s.path("type").asText().equals("validate")) {
                html.append("<h2>Validation: ").append(esc(s.path("name").asText())).append("</h2><table>"
                        + "<tr><th>metric</th><th>value</th></tr>");
                m.path("metrics").fields().forEachRemaining(e -> html.append(String.format(Locale.ROOT,
                        "<tr><td>%s</td><td>%.6g</td></tr>", esc(e.getKey()), e.getValue().asDouble())));
                html.append("</table><p>gates: ").append(m.path("passed").asBoolean() ? "passed" : "FAILED").append("</p>");
            }
            if (s.path("type").asText().equals("bench") && m.path("results").path(0).has("ratio_p50")) {
                html.append("<h2>Latency: ").append(esc(s.path("name").asText())).append("</h2><table><tr><th>batch</th>"
                        + "<th>seq</th><th>candidate p50 ms</th><th>baseline p50 ms</th><th>ratio</th></tr>");
                for (JsonNode r : m.path("results")) {
                    html.append(String.format(Locale.ROOT, "<tr><td>%d</td><td>%d</td><td>%.2f</td><td>%.2f</td>"
                            + "<td>%.3f</td></tr>", r.path("batch").asInt(), r.path("seq").asInt(),
                            r.path("candidate_p50_ms").asDouble(), r.path("baseline_p50_ms").asDouble(),
                            r.path("ratio_p50").asDouble()));
                }
                html.append("</table>");
            } else if (s.path("type").asText().equals("bench")) {
                html.append("<h2>Latency: ").append(esc(s.path("name").asText())).append("</h2><table><tr><th>batch</th>"
                        + "<th>seq</th><th>p50 ms</th><th>p90 ms</th><th>tokens/s</th></tr>");
                for (JsonNode r : m.path("results")) {
                    html.append(String.format(Locale.ROOT, "<tr><td>%d</td><td>%d</td><td>%.2f</td><td>%.2f</td>"
                            + "<td>%.0f</td></tr>", r.path("batch").asInt(), r.path("seq").asInt(), r.path("p50_ms").asDouble(),
                            r.path("p90_ms").asDouble(), r.path("tokens_per_s").asDouble()));
                }
                html.append("</table>");
            }
        }
        for (JsonNode s : manifest.path("stages")) {
            JsonNode m = s.path("metrics");
            if (s.path("type").asText().equals("analyze") && m.has("layers")) {
                List<double[]> ls = new ArrayList<>();
                List<double[]> bi = new ArrayList<>();
                for (JsonNode l : m.path("layers")) {
                    ls.add(new double[] {l.path("layer").asDouble(), l.path("linearity").asDouble()});
                    bi.add(new double[] {l.path("layer").asDouble(), l.path("block_influence").asDouble()});
                }
                html.append("<h2>Linearity profile</h2>").append(lineChart("per-layer scores", "layer",
                        List.of("linearity", "block influence"),
                        List.<double[][]>of(ls.toArray(new double[0][]), bi.toArray(new double[0][]))));
            }
        }
        html.append("</body></html>\n");
        Path out = runDir.resolve(FILE);
        AtomicFiles.writeString(out, html.toString());
        return out;
    }
}
