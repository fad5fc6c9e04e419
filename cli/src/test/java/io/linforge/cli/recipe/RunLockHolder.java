package io.linforge.cli.recipe;

import java.nio.file.Path;

/** A second process for {@code RunCommandTest}: holds the run lock of a folder until its stdin closes. */
public final class RunLockHolder {
    private RunLockHolder() {
    }

    public static void main(String[] args) throws Exception {
        try (RunLock lock = RunLock.acquire(Path.of(args[0]))) {
            System.out.println("locked");
            System.out.flush();
            while (System.in.read() >= 0) {
                // held until the test closes our stdin
            }
        }
    }
}
