package io.linforge.runtime.validate;

import io.linforge.core.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;

/** Writes a validation's gates as a JUnit XML report (one testcase per gate). */
public final class JUnitXml {
    private JUnitXml() {
    }

    public static String render(ValidationReport r, String suiteName) {
        StringBuilder sb = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        sb.append(String.format(Locale.ROOT, "<testsuite name=\"%s\" tests=\"%d\" failures=\"%d\" errors=\"0\" skipped=\"0\">%n",
                esc(suiteName), r.gates().size(), r.failed().size()));
        sb.append("  <properties>\n");
        sb.append(String.format("    <property name=\"kind\" value=\"%s\"/>%n", r.kind().id()));
        sb.append(String.format("    <property name=\"rows\" value=\"%d\"/>%n", r.rows()));
        r.metrics().forEach((k, v) -> sb.append(String.format(Locale.ROOT, "    <property name=\"%s\" value=\"%s\"/>%n",
                esc(k), v)));
        sb.append("  </properties>\n");
        for (GateResult g : r.gates()) {
            sb.append(String.format("  <testcase classname=\"%s\" name=\"%s\"", esc(suiteName), esc(g.name())));
            if (g.passed()) {
                sb.append("/>\n");
            } else {
                sb.append(">\n");
                sb.append(String.format(Locale.ROOT, "    <failure message=\"%s\" type=\"GateFailed\">%s: measured %s, threshold %s</failure>%n",
                        esc(g.reason()), esc(g.metric()), g.measured(), g.threshold()));
                sb.append("  </testcase>\n");
            }
        }
        sb.append("</testsuite>\n");
        return sb.toString();
    }

    public static void write(Path file, ValidationReport r, String suiteName) throws IOException {
        AtomicFiles.writeString(file, render(r, suiteName));
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
