package io.linforge.trainer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Progress of a long loop. On a terminal (a console, not CI) a bar with step, message and ETA is
 * redrawn in place on stderr; otherwise there is no bar, and a plain line goes to the log every
 * 5 s and at the end. Either way only while the log shows info lines (not with {@code --quiet}).
 */
public final class Progress {
    private static final Logger LOG = LoggerFactory.getLogger(Progress.class);

    private final String label;
    private final int total;
    private final long start = System.nanoTime();
    private final boolean bar;
    private boolean drawn;
    private long lastPrint;

    public Progress(String label, int total) {
        this(label, total, System.console() != null && System.getenv("CI") == null);
    }

    /** With {@code terminal} false, whatever stderr is, progress goes to the log as lines. */
    Progress(String label, int total, boolean terminal) {
        this.label = label;
        this.total = total;
        this.bar = terminal;
    }

    public void update(int done, String message) {
        if (!LOG.isInfoEnabled()) {
            return;
        }
        long now = System.nanoTime();
        if (done < total && now - lastPrint < (bar ? 200_000_000L : 5_000_000_000L)) {
            return;
        }
        lastPrint = now;
        double el = (now - start) / 1e9;
        double eta = done == 0 ? 0 : el / done * (total - done);
        String counts = String.format("%d/%d %s  %.0fs elapsed, ETA %.0fs", done, total, message, el, eta);
        if (bar) {
            int w = 24;
            int f = (int) ((long) w * done / total);
            System.err.print("\r" + label + " [" + "#".repeat(f) + "-".repeat(w - f) + "] " + counts);
            drawn = true;
        } else {
            LOG.info("{} {}", label, counts);
        }
    }

    public void done() {
        if (drawn) {
            System.err.println();
        }
    }
}
