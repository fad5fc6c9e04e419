package io.linforge.trainer;

/** A progress line on stderr: a bar with step, message and ETA on a terminal, plain lines otherwise. */
public final class Progress {
    private final String label;
    private final int total;
    private final long start = System.nanoTime();
    private final boolean tty = System.console() != null && System.getenv("CI") == null;
    private long lastPrint;

    public Progress(String label, int total) {
        this.label = label;
        this.total = total;
    }

    public void update(int done, String message) {
        long now = System.nanoTime();
        if (done < total && now - lastPrint < (tty ? 200_000_000L : 5_000_000_000L)) {
            return;
        }
        lastPrint = now;
        double el = (now - start) / 1e9;
        double eta = done == 0 ? 0 : el / done * (total - done);
        int w = 24;
        int f = (int) ((long) w * done / total);
        String bar = "#".repeat(f) + "-".repeat(w - f);
        String line = String.format("%s [%s] %d/%d %s  %.0fs elapsed, ETA %.0fs", label, bar, done, total, message, el, eta);
        if (tty) {
            System.err.print("\r" + line);
        } else {
            System.err.println(line);
        }
    }

    public void done() {
        if (tty) {
            System.err.println();
        }
    }
}
