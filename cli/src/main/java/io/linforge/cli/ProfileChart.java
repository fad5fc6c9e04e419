package io.linforge.cli;

import java.awt.Color;
import java.awt.Font;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import org.jfree.svg.SVGGraphics2D;
import org.jfree.svg.ViewBox;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * A line chart of per-layer scores drawn with XChart, written as PNG (XChart's bitmap encoder)
 * and as SVG (the same drawing on JFreeSVG's Graphics2D). Runs headless.
 */
public final class ProfileChart {
    /** Series colours, in series order. */
    public static final List<Color> COLORS = List.of(new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c),
            new Color(0x9467bd), new Color(0xff7f0e), new Color(0x8c564b));
    /** Background of the area inside the axes. */
    public static final Color PLOT_BACKGROUND = Color.WHITE;
    /** Background around the plot area, legend included. */
    public static final Color CHART_BACKGROUND = new Color(0xf2f2f2);

    static {
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    private final XYChart chart;

    private ProfileChart(XYChart chart) {
        this.chart = chart;
    }

    /**
     * A chart of series {@code ys[i]} (one value per x) against {@code xs}; the y axis spans [0, 1]
     * when every value lies there, so profiles of different models compare at a glance.
     */
    public static ProfileChart of(String title, String xLabel, String yLabel, double[] xs, List<String> names,
            List<double[]> ys, int width, int height) {
        if (names.size() != ys.size() || names.size() > COLORS.size()) {
            throw new IllegalArgumentException(names.size() + " names for " + ys.size() + " series (at most "
                    + COLORS.size() + ")");
        }
        XYChart c = new XYChartBuilder().width(width).height(height).title(title).xAxisTitle(xLabel).yAxisTitle(yLabel)
                .build();
        boolean unit = true;
        for (double[] y : ys) {
            if (y.length != xs.length) {
                throw new IllegalArgumentException("a series has " + y.length + " values for " + xs.length + " x");
            }
            for (double v : y) {
                unit &= v >= -1e-9 && v <= 1 + 1e-9;
            }
        }
        var s = c.getStyler();
        s.setChartBackgroundColor(CHART_BACKGROUND);
        s.setPlotBackgroundColor(PLOT_BACKGROUND);
        s.setLegendBackgroundColor(CHART_BACKGROUND);
        s.setLegendBorderColor(CHART_BACKGROUND);
        s.setPlotBorderColor(new Color(0x666666));
        s.setLegendPosition(Styler.LegendPosition.OutsideS);
        s.setLegendLayout(Styler.LegendLayout.Horizontal);
        s.setSeriesColors(COLORS.subList(0, names.size()).toArray(Color[]::new));
        s.setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
        s.setMarkerSize(7);
        s.setChartTitleFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
        s.setAxisTitleFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        s.setAxisTickLabelsFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        s.setLegendFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        s.setXAxisDecimalPattern("0");
        s.setYAxisDecimalPattern("0.0#");
        s.setAntiAlias(true);
        if (unit) {
            s.setYAxisMin(0.0);
            s.setYAxisMax(1.0);
        }
        for (int i = 0; i < names.size(); i++) {
            XYSeries series = c.addSeries(names.get(i), xs, ys.get(i));
            series.setMarker(SeriesMarkers.CIRCLE);
            series.setLineColor(COLORS.get(i));
            series.setMarkerColor(COLORS.get(i));
            series.setLineWidth(2.5f);
        }
        return new ProfileChart(c);
    }

    public int width() {
        return chart.getWidth();
    }

    public int height() {
        return chart.getHeight();
    }

    /** The chart as a PNG file's bytes. */
    public byte[] png() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG);
        return out.toByteArray();
    }

    /** The chart as a standalone SVG document (with a view box, so it scales). */
    public String svg() {
        SVGGraphics2D g = new SVGGraphics2D(chart.getWidth(), chart.getHeight());
        g.setDefsKeyPrefix("linforge-"); // fixed ids: the same scores give the same file
        chart.paint(g, chart.getWidth(), chart.getHeight());
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                + g.getSVGElement(null, true, new ViewBox(0, 0, chart.getWidth(), chart.getHeight()), null, null) + "\n";
    }
}
