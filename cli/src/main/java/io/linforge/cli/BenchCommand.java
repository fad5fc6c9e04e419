package io.linforge.cli;

import io.linforge.api.BenchOptions;
import io.linforge.api.BenchResult;
import io.linforge.api.Linforge;
import io.linforge.runtime.bench.Benchmark;
import io.linforge.runtime.bench.Comparison;
import io.linforge.runtime.bench.MachineInfo;
import io.linforge.runtime.bench.OpProfile;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;

/** {@code linforge bench}: latency percentiles and throughput over batch/sequence sweeps. */
public final class BenchCommand implements Command {
    @Override
    public String name() {
        return "bench";
    }

    @Override
    public String summary() {
        return "latency percentiles and throughput over batch/sequence sweeps";
    }

    @Override
    public Options options() {
        return new Options()
                .addOption(Option.builder().longOpt("model").hasArg().required().argName("M").type(Path.class).desc("ONNX file, TensorRT engine (.plan), or a folder containing model.onnx (model.plan with --provider tensorrt-plan)").build())
                .addOption(Option.builder().longOpt("tokenizer").hasArg().argName("T").type(Path.class).desc("tokenizer.json (for the vocabulary size; found next to the model when omitted)").build())
                .addOption(Option.builder().longOpt("vocab").hasArg().argName("N").type(Integer.class).desc("vocabulary size for the random ids when there is no tokenizer").build())
                .addOption(Option.builder().longOpt("provider").hasArg().argName("P").type(String.class).desc("cpu, cuda or tensorrt (a comma list sets the priority; default cpu); tensorrt-plan for a TensorRT engine, which a .plan model selects by itself").build())
                .addOption(Option.builder().longOpt("device").hasArg().argName("N").type(Integer.class).desc("GPU device id (default 0)").build())
                .addOption(Option.builder().longOpt("batch").hasArg().argName("LIST").type(Integer[].class).desc("batch sizes (default 1,8,32)").build())
                .addOption(Option.builder().longOpt("seq").hasArg().argName("LIST").type(Integer[].class).desc("sequence lengths (default 32,128,512)").build())
                .addOption(Option.builder().longOpt("warmup").hasArg().argName("N").type(Integer.class).desc("warm-up runs per shape (default 5)").build())
                .addOption(Option.builder().longOpt("iterations").hasArg().argName("N").type(Integer.class).desc("timed runs per shape (default 20)").build())
                .addOption(Option.builder().longOpt("threads").hasArg().argName("N").type(Integer.class).desc("intra-op threads (default: ONNX Runtime's choice)").build())
                .addOption(Option.builder().longOpt("seed").hasArg().argName("N").type(Integer.class).desc("seed of the synthetic ids (default 42)").build())
                .addOption(Option.builder().longOpt("compare").hasArg().argName("M2").type(Path.class)
                        .desc("a baseline model timed interleaved with --model on the same inputs; reports the p50 ratio").build())
                .addOption(Option.builder().longOpt("opt-level").hasArg().argName("L").type(String.class)
                        .desc("graph optimization level: none, basic, extended (default), all").build())
                .addOption(Option.builder().longOpt("profile").hasArg().argName("DIR").type(String.class)
                        .desc("write ONNX Runtime's per-node profiles (a TensorRT engine: per-layer times and TensorRT's layer "
                                + "descriptions) to DIR and print the time per operator (per layer) (one --batch and one --seq; "
                                + "profiling slows the runs themselves)").build())
                .addOption(Option.builder().longOpt("outputs").hasArg().argName("host|device").type(String.class)
                        .desc("host (default): every output is copied back to host memory; device: outputs stay on the GPU "
                                + "(TensorRT engines only)").build())
                .addOption(Option.builder().longOpt("decode-past").hasArg().argName("P").type(Integer.class)
                        .desc("decoders: each run continues a key/value cache of P positions (a decoding step with --seq 1) "
                                + "instead of an empty one").build())
                .addOption(Option.builder().longOpt("no-cuda-graphs")
                        .desc("TensorRT engines: enqueue every run kernel by kernel instead of replaying repeated runs as "
                                + "a CUDA graph").build())
                .addOption(CliSupport.jsonOption());
    }

    @Override
    public int run(CommandLine cmd) throws Exception {
        BenchOptions o = BenchOptions.builder(CliSupport.requiredPath(cmd, "model"))
                .tokenizer(cmd.hasOption("tokenizer") ? Path.of(cmd.getOptionValue("tokenizer")) : null)
                .vocab(cmd.hasOption("vocab") ? CliSupport.intOption(cmd, "vocab", 0) : null)
                .provider(cmd.getOptionValue("provider", "cpu"))
                .device(CliSupport.intOption(cmd, "device", 0))
                .batch(BenchOptions.parseList("--batch", cmd.getOptionValue("batch", "1,8,32")))
                .seq(BenchOptions.parseList("--seq", cmd.getOptionValue("seq", "32,128,512")))
                .warmup(CliSupport.intOption(cmd, "warmup", 5))
                .iterations(CliSupport.intOption(cmd, "iterations", 20))
                .threads(CliSupport.intOption(cmd, "threads", 0))
                .seed(CliSupport.intOption(cmd, "seed", 42))
                .compare(cmd.hasOption("compare") ? Path.of(cmd.getOptionValue("compare")) : null)
                .optLevel(cmd.getOptionValue("opt-level", "extended"))
                .profile(cmd.hasOption("profile") ? Path.of(cmd.getOptionValue("profile")) : null)
                .outputs(cmd.getOptionValue("outputs", "host"))
                .decodePast(CliSupport.intOption(cmd, "decode-past", 0))
                .cudaGraphs(!cmd.hasOption("no-cuda-graphs"))
                .build();
        BenchResult r = Linforge.bench(o, new BenchResult.Listener() {
            @Override
            public void opened(Map<String, Path> models, Map<String, String> engines, Map<String, List<String>> providers) {
                if (models.containsKey("model")) {
                    System.out.printf("model     %s%n", models.get("model"));
                    System.out.printf("providers %s (%s), intra-op threads %s%n", String.join(",", providers.get("model")),
                            engines.get("model"), o.threads() == 0 ? "default" : o.threads());
                    System.out.printf("machine   %s, %d cores, %s, Java %s%n", MachineInfo.cpuModel(),
                            Runtime.getRuntime().availableProcessors(), System.getProperty("os.name"),
                            System.getProperty("java.version"));
                    System.out.printf("%6s %6s %10s %10s %10s %12s %12s%n", "batch", "seq", "p50 ms", "p90 ms", "p99 ms",
                            "seq/s", "tokens/s");
                } else {
                    System.out.printf("candidate %s%nbaseline  %s%n", models.get("candidate"), models.get("baseline"));
                    System.out.printf("%6s %6s %14s %14s %8s%n", "batch", "seq", "cand p50 ms", "base p50 ms", "ratio");
                }
            }

            @Override
            public void measured(Benchmark.ShapeResult s) {
                System.out.printf("%6d %6d %10.2f %10.2f %10.2f %12.1f %12.0f%n", s.batch(), s.seq(), s.p50Ms(), s.p90Ms(),
                        s.p99Ms(), s.sequencesPerSec(), s.tokensPerSec());
                System.out.flush();
            }

            @Override
            public void compared(Comparison.Result c) {
                System.out.printf("%6d %6d %14.2f %14.2f %8.3f%n", c.batch(), c.seq(), c.candidateP50Ms(), c.baselineP50Ms(),
                        c.ratio());
                System.out.flush();
            }
        });
        if (!r.profile().isEmpty()) {
            printProfiles(r.profile());
        }
        CliSupport.writeJson(cmd, r.toJson());
        return 0;
    }

    /** Milliseconds per operator of each profiled session, side by side. */
    static void printProfiles(Map<String, BenchResult.Profile> profiles) {
        List<String> names = new ArrayList<>(profiles.keySet());
        List<OpProfile.Result> r = names.stream().map(n -> profiles.get(n).result()).toList();
        LinkedHashSet<String> ops = new LinkedHashSet<>();
        r.forEach(x -> ops.addAll(x.opMs().keySet()));
        boolean layers = profiles.values().stream().allMatch(BenchResult.Profile::layers);
        System.out.printf(layers ? "%nper-layer time (median over runs, ms; each layer timed alone)%n%-28s"
                : "%nper-operator time (sum over nodes of the median kernel time per run, ms)%n%-28s", layers ? "layer" : "operator");
        for (String n : names) {
            System.out.printf("%12s", n);
        }
        System.out.printf("%n%-28s", "total");
        for (var x : r) {
            System.out.printf("%12.3f", x.totalMs());
        }
        System.out.printf("%n%-28s", "nodes");
        for (var x : r) {
            System.out.printf("%12d", x.nodes());
        }
        System.out.println();
        for (String op : ops) {
            System.out.printf("%-28s", op);
            for (var x : r) {
                System.out.printf("%12.3f", x.opMs().getOrDefault(op, 0.0));
            }
            System.out.println();
        }
    }
}
