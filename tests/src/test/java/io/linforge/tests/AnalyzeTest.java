package io.linforge.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.linforge.cli.Main;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;

/** {@code linforge analyze} on MiniLM: scores per layer and the profile plot as PNG and SVG. */
class AnalyzeTest {
    static final Path DATA = MiniLm.ROOT.resolve("recipes/data/spam-quick.jsonl");

    @TempDir
    Path tmp;

    @Test
    void scoresAndProfilePlot() throws Exception {
        Path out = tmp.resolve("an");
        assertEquals(0, Main.execute("analyze", "--model", MiniLm.checkpoint().toString(), "--data", DATA.toString(),
                "--samples", "24", "--seq", "64", "--plot-width", "720", "--plot-height", "400", "--out", out.toString()));
        JsonNode scores = new ObjectMapper().readTree(out.resolve("scores.json").toFile());
        assertEquals(6, scores.get("layers").size());
        List<String> csv = Files.readAllLines(out.resolve("scores.csv"));
        assertEquals(7, csv.size());
        for (JsonNode l : scores.get("layers")) {
            double ls = l.get("linearity").asDouble();
            assertTrue(ls > 0.3 && ls < 0.999, "linearity " + ls + " (below 1: more tokens than hidden dimensions)");
            String[] row = csv.get(l.get("layer").asInt() + 1).split(",");
            assertEquals(ls, Double.parseDouble(row[1]), 1e-6, "CSV and JSON agree");
        }
        BufferedImage png = ImageIO.read(out.resolve("profile.png").toFile());
        assertEquals(720, png.getWidth());
        assertEquals(400, png.getHeight());
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
        Document svg = f.newDocumentBuilder().parse(out.resolve("profile.svg").toFile());
        assertEquals("svg", svg.getDocumentElement().getLocalName());
        // Four series of 5 segments each, plus one legend sample per series.
        int seriesLines = 0;
        var lines = svg.getElementsByTagNameNS("http://www.w3.org/2000/svg", "line");
        for (int i = 0; i < lines.getLength(); i++) {
            String style = ((org.w3c.dom.Element) lines.item(i)).getAttribute("style");
            if (style.contains("stroke-width:2.5")) {
                seriesLines++;
            }
        }
        assertEquals(4 * 6, seriesLines);
    }
}
