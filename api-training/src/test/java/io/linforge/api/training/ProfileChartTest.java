package io.linforge.api.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.linforge.core.LinforgeException;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.StringReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;

class ProfileChartTest {
    static final double[] XS = {0, 1, 2, 3, 4, 5};

    /** Series at known heights: 0.9 flat, 0.1 flat, rising 0 → 1, 0.5 flat. */
    static ProfileChart chart(int w, int h) {
        return ProfileChart.of("test profile", "layer", "score", XS, List.of("high", "low", "rising", "middle"),
                List.of(new double[] {.9, .9, .9, .9, .9, .9}, new double[] {.1, .1, .1, .1, .1, .1},
                        new double[] {0, .2, .4, .6, .8, 1}, new double[] {.5, .5, .5, .5, .5, .5}),
                w, h);
    }

    static boolean near(int rgb, Color c) {
        int r = (rgb >> 16) & 0xff;
        int g = (rgb >> 8) & 0xff;
        int b = rgb & 0xff;
        return Math.abs(r - c.getRed()) + Math.abs(g - c.getGreen()) + Math.abs(b - c.getBlue()) <= 24;
    }

    @Test
    void pngHasTheRequestedSizeAndEachSeriesDrawnAtItsHeight() throws Exception {
        ProfileChart c = chart(640, 400);
        BufferedImage img = ImageIO.read(new ByteArrayInputStream(c.png()));
        assertEquals(640, img.getWidth());
        assertEquals(400, img.getHeight());
        // The plot area is the only part painted in the plot background colour.
        int x0 = Integer.MAX_VALUE;
        int y0 = Integer.MAX_VALUE;
        int x1 = -1;
        int y1 = -1;
        int plotRgb = ProfileChart.PLOT_BACKGROUND.getRGB() & 0xffffff;
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                if ((img.getRGB(x, y) & 0xffffff) == plotRgb) {
                    x0 = Math.min(x0, x);
                    y0 = Math.min(y0, y);
                    x1 = Math.max(x1, x);
                    y1 = Math.max(y1, y);
                }
            }
        }
        assertTrue(x1 - x0 > 640 / 2 && y1 - y0 > 400 / 3, "plot area " + x0 + "," + y0 + ".." + x1 + "," + y1);
        int nonBackground = 0;
        double[] meanY = new double[4];
        double[] leftY = new double[2];
        double[] rightY = new double[2];
        int[] count = new int[4];
        int mid = (x0 + x1) / 2;
        for (int y = y0; y <= y1; y++) {
            for (int x = x0; x <= x1; x++) {
                int rgb = img.getRGB(x, y);
                if ((rgb & 0xffffff) != plotRgb) {
                    nonBackground++;
                }
                for (int s = 0; s < 4; s++) {
                    if (near(rgb, ProfileChart.COLORS.get(s))) {
                        count[s]++;
                        meanY[s] += y;
                        if (s == 2) {
                            if (x < mid) {
                                leftY[0] += y;
                                leftY[1]++;
                            } else {
                                rightY[0] += y;
                                rightY[1]++;
                            }
                        }
                    }
                }
            }
        }
        assertTrue(nonBackground > 2000, "only " + nonBackground + " drawn pixels in the plot area");
        for (int s = 0; s < 4; s++) {
            assertTrue(count[s] > 200, "series " + s + " has " + count[s] + " pixels of its colour in the plot area");
            meanY[s] /= count[s];
        }
        // y grows downwards: 0.9 above 0.5 above 0.1, each at its fraction of the [0, 1] axis.
        assertTrue(meanY[0] < meanY[3] && meanY[3] < meanY[1], java.util.Arrays.toString(meanY));
        double span = meanY[1] - meanY[0];
        assertEquals(0.5, (meanY[3] - meanY[0]) / span, 0.03, "0.5 lies halfway between 0.9 and 0.1");
        assertTrue(leftY[0] / leftY[1] > rightY[0] / rightY[1] + 0.2 * span, "the rising series rises");
    }

    @Test
    void svgIsXmlWithEachSeriesStrokedInItsColourAtItsHeight() throws Exception {
        String svg = chart(700, 420).svg();
        assertEquals(svg, chart(700, 420).svg(), "the same scores give the same file");
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
        f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        Document d = f.newDocumentBuilder().parse(new InputSource(new StringReader(svg)));
        Element root = d.getDocumentElement();
        assertEquals("svg", root.getLocalName());
        assertEquals("http://www.w3.org/2000/svg", root.getNamespaceURI());
        assertEquals(700.0, Double.parseDouble(root.getAttribute("width")));
        assertEquals(420.0, Double.parseDouble(root.getAttribute("height")));
        String ns = "http://www.w3.org/2000/svg";
        NodeList paths = d.getElementsByTagNameNS(ns, "path");
        assertTrue(paths.getLength() > 10, "path elements (axes, grid, lettering): " + paths.getLength());
        // XChart strokes each series as segments between consecutive points: <line> elements in the
        // series colour, 5 per series here, at the height of the series' values.
        NodeList lines = d.getElementsByTagNameNS(ns, "line");
        double[] meanY = new double[4];
        for (int s = 0; s < 4; s++) {
            Color c = ProfileChart.COLORS.get(s);
            String rgb = "stroke:rgb(" + c.getRed() + "," + c.getGreen() + "," + c.getBlue() + ")";
            List<double[]> segs = new ArrayList<>();
            for (int i = 0; i < lines.getLength(); i++) {
                Element l = (Element) lines.item(i);
                if (l.getAttribute("style").replace(" ", "").contains(rgb)) {
                    segs.add(new double[] {Double.parseDouble(l.getAttribute("x1")), Double.parseDouble(l.getAttribute("y1")),
                        Double.parseDouble(l.getAttribute("x2")), Double.parseDouble(l.getAttribute("y2"))});
                }
            }
            // Five segments in the plot, plus the legend's sample line below it.
            assertEquals(6, segs.size(), "segments of series " + s + " (" + rgb + ")");
            segs.sort((p, q) -> Double.compare(q[1], p[1]));
            double[] legend = segs.remove(0);
            assertEquals(legend[1], legend[3], 1e-9, "the legend sample is horizontal");
            segs.sort((p, q) -> Double.compare(p[0], q[0]));
            for (int k = 0; k < 4; k++) {
                assertEquals(segs.get(k)[2], segs.get(k + 1)[0], 1e-9, "segments join");
            }
            for (int k = 0; k < 5; k++) {
                meanY[s] += (segs.get(k)[1] + segs.get(k)[3]) / 10;
            }
            if (s == 2) {
                assertTrue(segs.get(0)[1] > segs.get(4)[3], "the rising series rises (y grows downwards)");
            } else {
                assertEquals(segs.get(0)[1], segs.get(4)[3], 1e-9, "a flat series is flat");
            }
        }
        assertTrue(meanY[0] < meanY[3] && meanY[3] < meanY[1], java.util.Arrays.toString(meanY));
        assertEquals(0.5, (meanY[3] - meanY[0]) / (meanY[1] - meanY[0]), 1e-6, "0.5 lies halfway between 0.9 and 0.1");
    }

    @Test
    void plotSizeOutOfRangeIsBadInput() {
        LinforgeException e = assertThrows(LinforgeException.class, () -> Training.analyze(AnalyzeOptions.builder(
                Path.of("m"), Path.of("d.jsonl"), Path.of("target/no-such-analysis")).plotWidth(10).build()));
        assertEquals(LinforgeException.BAD_INPUT, e.exitCode());
        assertEquals("--plot-width: expected 200..8000 pixels, got 10", e.getMessage());
    }
}
