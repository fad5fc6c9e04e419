package io.linforge.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.linforge.cli.Main;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code report.html} of a small recipe run, as headless Chromium draws it: its plots are there. */
class ReportBrowserTest {
    static final Path DATA = MiniLm.ROOT.resolve("recipes/data/spam-quick.jsonl");
    static final Pattern SVG = Pattern.compile("<svg class=\"plot\"[^>]*width=\"(\\d+)\" height=\"(\\d+)\"[^>]*>(.*?)</svg>",
            Pattern.DOTALL);
    static final Pattern POLYLINE = Pattern.compile("<polyline [^>]*data-name=\"([^\"]*)\"[^>]*points=\"([^\"]*)\"");

    @TempDir
    Path tmp;

    @Test
    void plotsAreDrawn() throws Exception {
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

        // The DOM Chromium built: three inline SVG plots (loss, accuracy, linearity profile), every
        // polyline with one point per step or layer, inside its plot.
        String dom = chromium.dumpDom(report);
        List<String> names = new ArrayList<>();
        Matcher svg = SVG.matcher(dom);
        int plots = 0;
        while (svg.find()) {
            plots++;
            double w = Double.parseDouble(svg.group(1));
            double h = Double.parseDouble(svg.group(2));
            Matcher pl = POLYLINE.matcher(svg.group(3));
            while (pl.find()) {
                String[] pts = pl.group(2).trim().split("\\s+");
                names.add(pl.group(1) + ":" + pts.length);
                for (String pt : pts) {
                    String[] xy = pt.split(",");
                    double x = Double.parseDouble(xy[0]);
                    double y = Double.parseDouble(xy[1]);
                    assertTrue(x >= 0 && x <= w && y >= 0 && y <= h, pl.group(1) + " point " + pt + " outside " + w + "x" + h);
                }
            }
        }
        assertEquals(3, plots, "inline SVG plots in the rendered DOM");
        // loss at 4 steps; accuracy at steps 2 and the end; 6 layers for each profile series.
        assertEquals(List.of("loss:4", "accuracy:2", "linearity:6", "block influence:6"), names);

        // The pixels: the screenshot has the series colours where the polylines are. The same page
        // without its polylines shows how many of those pixels the lettering alone accounts for.
        Path shot = chromium.screenshot(report, 1000, 2200, tmp.resolve("report.png"));
        Path bare = tmp.resolve("bare.html");
        Files.writeString(bare, Files.readString(report).replaceAll("<polyline [^>]*/>", ""));
        Path bareShot = chromium.screenshot(bare, 1000, 2200, tmp.resolve("bare.png"));
        BufferedImage withLines = ImageIO.read(shot.toFile());
        BufferedImage withoutLines = ImageIO.read(bareShot.toFile());
        assertEquals(1000, withLines.getWidth());
        int nonWhite = 0;
        for (int y = 0; y < withLines.getHeight(); y++) {
            for (int x = 0; x < withLines.getWidth(); x++) {
                nonWhite += (withLines.getRGB(x, y) & 0xffffff) != 0xffffff ? 1 : 0;
            }
        }
        assertTrue(nonWhite > 5000, "the page is drawn: " + nonWhite + " non-white pixels");
        int blue = 0x1f77b4;
        int red = 0xd62728;
        int blueLines = count(withLines, blue) - count(withoutLines, blue);
        int redLines = count(withLines, red) - count(withoutLines, red);
        System.out.printf("report screenshot: %d non-white pixels, polylines %d blue and %d red pixels%n", nonWhite,
                blueLines, redLines);
        // Three blue polylines and one red, each crossing a 490-pixel-wide plot 2 px thick; at least
        // half a pixel per column keeps its colour through anti-aliasing.
        assertTrue(blueLines > 3 * 245, "pixels of the blue polylines: " + blueLines);
        assertTrue(redLines > 245, "pixels of the red polyline: " + redLines);
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
