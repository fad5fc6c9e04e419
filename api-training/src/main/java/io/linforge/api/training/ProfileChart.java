package io.linforge.api.training;

import java.awt.Color;
import java.awt.Font;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import org.jfree.svg.SVGGraphics2D;
import org.jfree.svg.ViewBox;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.AxesChartStyler;
import org.knowm.xchart.style.CategoryStyler;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.XYStyler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Charts drawn with XChart, written as PNG (XChart's bitmap encoder) and as SVG (the same drawing
 * on JFreeSVG's Graphics2D): the per-layer profile of {@code analyze}, and the line and bar charts
 * of a run's report, all in one style (axes with ticks and titles, a grid, a legend below). Runs
 * headless.
 */
public final class ProfileChart {
    /** Series colours, in series order. */
    public static final List<Color> COLORS = List.of(new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c),
            new Color(0x9467bd), new Color(0xff7f0e), new Color(0x8c564b));
    /** Background of the area inside the axes. */
    public static final Color PLOT_BACKGROUND = Color.WHITE;
    /** Background around the plot area, legend included. */
    public static final Color CHART_BACKGROUND = new Color(0xf2f2f2);
    /** Colour of the axes' tick labels (the titles are black). */
    public static final Color TICK_LABELS = new Color(0x333333);

    static {
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    private final Chart<?, ?> chart;

    private ProfileChart(Chart<?, ?> chart) {
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
        boolean unit = true;
        List<double[][]> points = new java.util.ArrayList<>();
        for (double[] y : ys) {
            if (y.length != xs.length) {
                throw new IllegalArgumentException("a series has " + y.length + " values for " + xs.length + " x");
            }
            double[][] p = new double[xs.length][];
            for (int k = 0; k < xs.length; k++) {
                unit &= y[k] >= -1e-9 && y[k] <= 1 + 1e-9;
                p[k] = new double[] {xs[k], y[k]};
            }
            points.add(p);
        }
        ProfileChart chart = lines(title, xLabel, yLabel, names, points, width, height);
        XYStyler s = ((XYChart) chart.chart).getStyler();
        s.setYAxisDecimalPattern("0.0#");
        if (unit) {
            s.setYAxisMin(0.0);
            s.setYAxisMax(1.0);
        }
        return chart;
    }

    /** The look every chart shares: colours, fonts, the legend below the plot. */
    private static void style(AxesChartStyler s, int series) {
        if (series > COLORS.size()) {
            throw new IllegalArgumentException(series + " series (at most " + COLORS.size() + ")");
        }
        s.setChartBackgroundColor(CHART_BACKGROUND);
        s.setPlotBackgroundColor(PLOT_BACKGROUND);
        s.setLegendBackgroundColor(CHART_BACKGROUND);
        s.setLegendBorderColor(CHART_BACKGROUND);
        s.setPlotBorderColor(new Color(0x666666));
        s.setLegendPosition(Styler.LegendPosition.OutsideS);
        s.setLegendLayout(Styler.LegendLayout.Horizontal);
        s.setSeriesColors(COLORS.subList(0, series).toArray(Color[]::new));
        s.setChartTitleFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
        s.setAxisTitleFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        s.setAxisTickLabelsFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        s.setAxisTickLabelsColor(TICK_LABELS);
        s.setLegendFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        s.setAntiAlias(true);
    }

    /**
     * A line chart of series of (x, y) points, each with its own x values (whole numbers, such as
     * steps or layers), every point marked.
     */
    public static ProfileChart lines(String title, String xLabel, String yLabel, List<String> names, List<double[][]> points,
            int width, int height) {
        if (names.size() != points.size()) {
            throw new IllegalArgumentException(names.size() + " names for " + points.size() + " series");
        }
        XYChart c = new XYChartBuilder().width(width).height(height).title(title).xAxisTitle(xLabel).yAxisTitle(yLabel)
                .build();
        var s = c.getStyler();
        style(s, names.size());
        s.setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
        s.setMarkerSize(7);
        s.setXAxisDecimalPattern("0");
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (double[][] p : points) {
            for (double[] xy : p) {
                lo = Math.min(lo, xy[1]);
                hi = Math.max(hi, xy[1]);
            }
        }
        if (lo == hi) {
            // flat: XChart would give the axis no span and a single tick; centre the value instead
            double pad = lo == 0 ? 1 : Math.abs(lo) * 0.1;
            s.setYAxisMin(lo - pad);
            s.setYAxisMax(hi + pad);
        }
        for (int i = 0; i < names.size(); i++) {
            double[][] p = points.get(i);
            double[] xs = new double[p.length];
            double[] ys = new double[p.length];
            for (int k = 0; k < p.length; k++) {
                xs[k] = p[k][0];
                ys[k] = p[k][1];
            }
            XYSeries series = c.addSeries(names.get(i), xs, ys);
            series.setMarker(SeriesMarkers.CIRCLE);
            series.setLineColor(COLORS.get(i));
            series.setMarkerColor(COLORS.get(i));
            series.setLineWidth(2.5f);
        }
        return new ProfileChart(c);
    }

    /**
     * A bar chart: {@code values.get(i)[k]} is series i's bar at category k, side by side per
     * category, each labelled with its value.
     */
    public static ProfileChart bars(String title, String xLabel, String yLabel, List<String> categories, List<String> names,
            List<double[]> values, int width, int height) {
        if (names.size() != values.size()) {
            throw new IllegalArgumentException(names.size() + " names for " + values.size() + " series");
        }
        CategoryChart c = new CategoryChartBuilder().width(width).height(height).title(title).xAxisTitle(xLabel)
                .yAxisTitle(yLabel).build();
        CategoryStyler s = c.getStyler();
        style(s, names.size());
        s.setLabelsVisible(true);
        s.setLabelsFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        s.setLabelsFontColorAutomaticEnabled(true); // light on dark bars
        s.setLabelsPosition(0.9);
        s.setYAxisMin(0.0);
        s.setYAxisDecimalPattern("0.##");
        for (int i = 0; i < names.size(); i++) {
            double[] v = values.get(i);
            if (v.length != categories.size()) {
                throw new IllegalArgumentException("series '" + names.get(i) + "' has " + v.length + " values for "
                        + categories.size() + " categories");
            }
            List<Double> ys = new java.util.ArrayList<>();
            for (double d : v) {
                ys.add(d);
            }
            c.addSeries(names.get(i), categories, ys).setFillColor(COLORS.get(i));
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
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + svgElement("linforge-", null) + "\n";
    }

    /**
     * The chart as an {@code <svg>} element to put inside a page: {@code id} is its id and the
     * prefix of the ids it defines (clip paths), so that several charts on one page do not share them.
     */
    public String inlineSvg(String id) {
        return svgElement(id + "-", id);
    }

    private String svgElement(String defsPrefix, String id) {
        SVGGraphics2D g = new SVGGraphics2D(chart.getWidth(), chart.getHeight());
        g.setDefsKeyPrefix(defsPrefix); // fixed ids: the same numbers give the same file
        chart.paint(g, chart.getWidth(), chart.getHeight());
        return g.getSVGElement(id, true, new ViewBox(0, 0, chart.getWidth(), chart.getHeight()), null, null);
    }
}
