package io.linforge.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.linforge.cli.Main;
import io.linforge.api.training.ProfileChart;
import io.linforge.cli.recipe.Report;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code report.html} of a run, as headless Chromium builds and draws it: the summary card,
 * the compression table, and charts that are never empty (each has marks inside its plot area and
 * tick labels on both axes).
 */
class ReportBrowserTest {
    static final Path DATA = MiniLm.ROOT.resolve("recipes/data/spam-quick.jsonl");
    static final Pattern FIGURE = Pattern.compile("<figure class=\"chart\" data-title=\"([^\"]*)\">(.*?)</figure>", Pattern.DOTALL);
    static final Pattern PLOT_AREA = Pattern.compile("<rect x=\"([\\d.]+)\" y=\"([\\d.]+)\" width=\"([\\d.]+)\" height=\"([\\d.]+)\" "
            + "style=\"fill:rgb\\(255,255,255\\)\"");
    static final Pattern ELEMENT = Pattern.compile("<(ellipse|line|g|path|rect)\\b([^>]*)>");
    static final Pattern TRANSLATE = Pattern.compile("matrix\\(1\\.0,0\\.0,0\\.0,1\\.0,([-\\d.]+),([-\\d.]+)\\)");
    static final Pattern CENTRE = Pattern.compile("cx=\"([-\\d.]+)\" cy=\"([-\\d.]+)\"");

    @TempDir
    Path tmp;

    /** What one chart shows: marks (clipped to the plot area) per series colour, tick labels left of and below the plot. */
    record Chart(String title, Map<Integer, Integer> marks, int yTicks, int xTicks) {
    }

    static String rgb(Color c) {
        return "rgb(" + c.getRed() + "," + c.getGreen() + "," + c.getBlue() + ")";
    }

    /** Every chart of the page; fails when one has no plot area, no mark in it, or fewer than two tick labels on an axis. */
    static List<Chart> charts(String dom) {
        List<Chart> out = new ArrayList<>();
        Matcher f = FIGURE.matcher(dom);
        while (f.find()) {
            String title = f.group(1);
            String svg = f.group(2);
            assertTrue(svg.startsWith("<svg "), title + ": an inline SVG");
            Matcher area = PLOT_AREA.matcher(svg);
            assertTrue(area.find(), title + ": no plot area");
            double x0 = Double.parseDouble(area.group(1));
            double y0 = Double.parseDouble(area.group(2));
            double x1 = x0 + Double.parseDouble(area.group(3));
            double y1 = y0 + Double.parseDouble(area.group(4));
            Map<Integer, Integer> marks = new LinkedHashMap<>();
            int yTicks = 0;
            int xTicks = 0;
            Matcher e = ELEMENT.matcher(svg);
            while (e.find()) {
                String attrs = e.group(2).replace(" ", "");
                boolean clipped = attrs.contains("clip-path=");
                for (int s = 0; s < ProfileChart.COLORS.size(); s++) {
                    String c = rgb(ProfileChart.COLORS.get(s));
                    if (clipped && (attrs.contains("fill:" + c) || attrs.contains("stroke:" + c))) {
                        marks.merge(s, 1, Integer::sum);
                        Matcher centre = CENTRE.matcher(e.group(2));
                        if (centre.find()) {
                            double cx = Double.parseDouble(centre.group(1));
                            double cy = Double.parseDouble(centre.group(2));
                            assertTrue(cx >= x0 - 1e-6 && cx <= x1 + 1e-6 && cy >= y0 - 1e-6 && cy <= y1 + 1e-6,
                                    title + ": a marker at " + cx + "," + cy + " outside the plot area");
                        }
                    }
                }
                if (!clipped && attrs.contains("fill:" + rgb(ProfileChart.TICK_LABELS))) {
                    Matcher t = TRANSLATE.matcher(attrs);
                    if (t.find()) {
                        double tx = Double.parseDouble(t.group(1));
                        double ty = Double.parseDouble(t.group(2));
                        yTicks += tx < x0 && ty >= y0 - 10 && ty <= y1 + 10 ? 1 : 0;
                        xTicks += ty > y1 && tx >= x0 - 10 && tx <= x1 + 10 ? 1 : 0;
                    }
                }
            }
            assertFalse(marks.isEmpty(), title + ": nothing plotted");
            assertTrue(yTicks >= 2, title + ": " + yTicks + " y tick labels");
            assertTrue(xTicks >= 2, title + ": " + xTicks + " x tick labels");
            out.add(new Chart(title, marks, yTicks, xTicks));
        }
        return out;
    }

    @Test
    void chartsOfARealRunAreDrawnWithMarksAndTicks() throws Exception {
        Chromium chromium = Chromium.require(tmp);
        Path recipe = tmp.resolve("small.yaml");
        Files.writeString(recipe, """
                name: small-report
                stages:
                  - stage: train
                    with: {model: "%s", data: "%s", method: lora, steps: 4, batch: 2, seq: 16, eval-every: 2,
                           limit-train: 32, limit-test: 4, seed: 5}
                  - stage: analyze
                    with: {model: "%s", adapter: "${train}", data: "%s", samples: 8, seq: 32}
                """.formatted(MiniLm.checkpoint(), DATA, MiniLm.checkpoint(), DATA));
        Path run = tmp.resolve("run");
        assertEquals(0, Main.execute("run", recipe.toString(), "--out", run.toString()));
        Path report = run.resolve("report.html");

        String dom = chromium.dumpDom(report);
        List<Chart> charts = charts(dom);
        assertEquals(List.of("training loss", "evaluation accuracy"), charts.subList(0, 2).stream().map(Chart::title).toList());
        assertTrue(charts.get(2).title().startsWith("per-layer scores ("), charts.get(2).title());
        assertEquals(3, charts.size());
        // A marker per point: the loss at 4 steps (plus the 3 segments between them), the accuracy at
        // steps 2 and 4 (1 segment), and 6 layers for each of the 4 profile series (5 segments each).
        assertEquals(Map.of(0, 4 + 3), charts.get(0).marks());
        assertEquals(Map.of(0, 2 + 1), charts.get(1).marks());
        assertEquals(Map.of(0, 11, 1, 11, 2, 11, 3, 11), charts.get(2).marks());
        // every artifact is linked
        for (String f : List.of("manifest.json", "train.result.json", "train/adapter_config.json", "analyze/scores.csv",
                "analyze/profile.svg")) {
            assertTrue(dom.contains("href=\"" + f + "\""), "no link to " + f);
        }

        // The pixels: Chromium draws the charts (the series colours show in a screenshot).
        Path shot = chromium.screenshot(report, 1000, 2600, tmp.resolve("report.png"));
        BufferedImage img = ImageIO.read(shot.toFile());
        assertEquals(1000, img.getWidth());
        int blue = count(img, ProfileChart.COLORS.get(0).getRGB());
        int red = count(img, ProfileChart.COLORS.get(1).getRGB());
        System.out.printf("report screenshot: %d blue and %d red pixels%n", blue, red);
        assertTrue(blue > 3 * 300, "pixels of the blue series: " + blue);
        assertTrue(red > 300, "pixels of the red series: " + red);
    }

    @Test
    void summaryCardAndCompressionTableOfAFullRun() throws Exception {
        Chromium chromium = Chromium.require(tmp);
        Path run = Files.createDirectories(tmp.resolve("full"));
        ObjectMapper json = new ObjectMapper();
        ObjectNode manifest = json.createObjectNode();
        manifest.put("recipe_name", "full");
        ArrayNode stages = manifest.putArray("stages");
        Files.createDirectories(run.resolve("import"));
        Files.write(run.resolve("import/model.safetensors"), new byte[4000]);
        stage(stages, "import", "import", json.createObjectNode(), "--onnx", "m.jar");
        ObjectNode compress = json.createObjectNode();
        ArrayNode tried = compress.putArray("tried");
        tried.addObject().put("layer", 4).put("linearity", 0.97).put("validation_accuracy", 0.95).put("kept", true);
        tried.addObject().put("layer", 3).put("linearity", 0.95).put("validation_accuracy", 0.90).put("kept", false);
        tried.addObject().put("layer", 5).put("linearity", 0.93).put("validation_accuracy", 0.945).put("kept", true);
        compress.set("replaced_layers", json.valueToTree(List.of(4, 5)));
        compress.put("layers", 6).put("max_accuracy_drop", 0.01).put("validation_accuracy_before", 0.955)
                .put("validation_accuracy_after", 0.945).put("test_accuracy_before", 0.96).put("test_accuracy_after", 0.94)
                .put("test_kl_to_original", 0.0123).put("parameters_before", 22_713_216).put("parameters_after", 21_530_880);
        Files.createDirectories(run.resolve("compress"));
        Files.write(run.resolve("compress/model.safetensors"), new byte[3000]);
        stage(stages, "compress", "compress", compress, "--model", run.resolve("import").toString());
        stage(stages, "export-finetuned", "export", json.createObjectNode().put("bytes", 90_000_000L)
                .put("parameters", 22_713_216).put("precision", "fp32").put("opset", 17), "--model", "x");
        ObjectNode heal = json.createObjectNode().put("method", "lora").put("steps", 20).put("eval_accuracy", 0.955);
        ArrayNode curve = heal.putArray("curve");
        for (int s = 1; s <= 20; s++) {
            curve.addObject().put("step", s).put("loss", 0.5 / s);
        }
        stage(stages, "heal", "train", heal, "--model", run.resolve("compress").toString());
        stage(stages, "export-compressed", "export", json.createObjectNode().put("bytes", 60_000_000L)
                .put("parameters", 21_530_880).put("precision", "fp32").put("opset", 17), "--model", "y");
        ObjectNode validate = json.createObjectNode().put("passed", true).put("rows", 100);
        validate.putObject("metrics").put("reference_accuracy", 0.96).put("candidate_accuracy", 0.95).put("accuracy_drop", 0.01);
        validate.putArray("gates").addObject().put("name", "max-accuracy-drop").put("metric", "accuracy_drop")
                .put("measured", 0.01).put("threshold", 0.02).put("passed", true).put("reason", "");
        stage(stages, "validate", "validate", validate, "--reference", run.resolve("export-finetuned").toString(),
                "--candidate", run.resolve("export-compressed").toString());
        ObjectNode bench = json.createObjectNode();
        ArrayNode rows = bench.putArray("results");
        rows.addObject().put("batch", 1).put("seq", 128).put("candidate_p50_ms", 6.0).put("baseline_p50_ms", 8.0)
                .put("ratio_p50", 0.75);
        rows.addObject().put("batch", 8).put("seq", 128).put("candidate_p50_ms", 40.0).put("baseline_p50_ms", 50.0)
                .put("ratio_p50", 0.8);
        stage(stages, "bench", "bench", bench, "--model", run.resolve("export-compressed").toString(), "--compare",
                run.resolve("export-finetuned").toString());
        Files.writeString(run.resolve("manifest.json"), json.writeValueAsString(manifest));

        String dom = chromium.dumpDom(Report.write(run));
        assertEquals("gate passed", text(dom, "verdict"));
        assertEquals("passed: accuracy_drop 0.01 (threshold 0.02)", text(dom, "summary-gate-max-accuracy-drop"));
        assertEquals("0.9600 → 0.9500 (-1.00 points)", text(dom, "summary-accuracy"));
        assertEquals("0.67× (90.0 MB → 60.0 MB)", text(dom, "summary-size"));
        assertEquals("0.95× (22,713,216 → 21,530,880)", text(dom, "summary-parameters"));
        assertEquals("0.75× at 1 × 128, 0.80× at 8 × 128 (candidate / baseline)", text(dom, "summary-latency-bench"));
        assertTrue(dom.contains("<section class=\"card passed\" id=\"summary\">"), "a passed card");

        // the layers tried, in order, and the before / after table
        assertTrue(dom.contains("2 of 6 layers replaced by fitted linear maps: [4,5]"), "replaced layers");
        for (String row : List.of("<tr><td>4</td><td>0.9700</td><td>0.9500</td><td class=\"l\">replaced</td></tr>",
                "<tr><td>3</td><td>0.9500</td><td>0.9000</td><td class=\"l\">kept (over budget)</td></tr>",
                "<tr><td>5</td><td>0.9300</td><td>0.9450</td><td class=\"l\">replaced</td></tr>",
                "<tr><th class=\"l\">test accuracy</th><td>0.9600</td><td>0.9400</td><td>0.9550 (stage heal, 20 steps)</td></tr>",
                "<tr><th class=\"l\">parameters</th><td>22,713,216</td><td>21,530,880 (0.95×)</td><td></td></tr>",
                "<tr><th class=\"l\">checkpoint size (safetensors)</th><td>4.0 kB</td><td>3.0 kB (0.75×)</td><td></td></tr>")) {
            assertTrue(dom.contains(row), "no row " + row);
        }
        assertTrue(dom.indexOf("<td>4</td><td>0.9700</td>") < dom.indexOf("<td>3</td><td>0.9500</td>"), "in the order tried");

        // the heal stage evaluated once: its accuracy is a value, not a chart; the loss and latency are charts
        assertTrue(dom.contains("evaluation accuracy: 0.9550 at step 20 (one value, so no chart)"), "single value note");
        List<Chart> charts = charts(dom);
        assertEquals(List.of("training loss", "p50 latency per shape"), charts.stream().map(Chart::title).toList());
        assertEquals(Map.of(0, 20 + 19), charts.get(0).marks());
        assertEquals(Map.of(0, 2, 1, 2), charts.get(1).marks(), "a bar per shape and model");
    }

    static void stage(ArrayNode stages, String name, String type, ObjectNode metrics, String... args) {
        ObjectNode s = stages.addObject();
        s.put("name", name).put("type", type).put("status", "ok").put("seconds", 1.5);
        ArrayNode a = s.putArray("args");
        a.add(type);
        for (String x : args) {
            a.add(x);
        }
        s.set("metrics", metrics);
    }

    /** The text of the element with {@code id} (no nested elements). */
    static String text(String dom, String id) {
        Matcher m = Pattern.compile("id=\"" + Pattern.quote(id) + "\">([^<]*)<").matcher(dom);
        assertTrue(m.find(), "no element " + id);
        return m.group(1).replace("&amp;", "&").replace("&gt;", ">").replace("&lt;", "<");
    }

    static int count(BufferedImage img, int rgb) {
        int n = 0;
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                int p = img.getRGB(x, y);
                int d = Math.abs(((p >> 16) & 0xff) - ((rgb >> 16) & 0xff)) + Math.abs(((p >> 8) & 0xff) - ((rgb >> 8) & 0xff))
                        + Math.abs((p & 0xff) - (rgb & 0xff));
                n += d <= 40 ? 1 : 0;
            }
        }
        return n;
    }
}
