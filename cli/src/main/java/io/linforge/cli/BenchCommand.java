package io.linforge.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.linforge.core.LinforgeException;
import io.linforge.runtime.InferenceSession;
import io.linforge.runtime.IoInfo;
import io.linforge.runtime.ModelFiles;
import io.linforge.runtime.OrtInferenceSession;
import io.linforge.runtime.Provider;
import io.linforge.runtime.SessionConfig;
import io.linforge.runtime.Sessions;
import io.linforge.runtime.bench.Benchmark;
import io.linforge.runtime.bench.MachineInfo;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
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
                .addOption(Option.builder().longOpt("model").hasArg().required().argName("M").desc("ONNX file, TensorRT engine (.plan), or a folder containing model.onnx (model.plan with --provider tensorrt-plan)").build())
                .addOption(Option.builder().longOpt("tokenizer").hasArg().argName("T").desc("tokenizer.json (for the vocabulary size; found next to the model when omitted)").build())
                .addOption(Option.builder().longOpt("vocab").hasArg().argName("N").desc("vocabulary size for the random ids when there is no tokenizer").build())
                .addOption(Option.builder().longOpt("provider").hasArg().argName("P").desc("cpu, cuda or tensorrt (a comma list sets the priority; default cpu); tensorrt-plan for a TensorRT engine, which a .plan model selects by itself").build())
                .addOption(Option.builder().longOpt("device").hasArg().argName("N").desc("GPU device id (default 0)").build())
                .addOption(Option.builder().longOpt("batch").hasArg().argName("LIST").desc("batch sizes (default 1,8,32)").build())
                .addOption(Option.builder().longOpt("seq").hasArg().argName("LIST").desc("sequence lengths (default 32,128,512)").build())
                .addOption(Option.builder().longOpt("warmup").hasArg().argName("N").desc("warm-up runs per shape (default 5)").build())
                .addOption(Option.builder().longOpt("iterations").hasArg().argName("N").desc("timed runs per shape (default 20)").build())
                .addOption(Option.builder().longOpt("threads").hasArg().argName("N").desc("intra-op threads (default: ONNX Runtime's choice)").build())
                .addOption(Option.builder().longOpt("seed").hasArg().argName("N").desc("seed of the synthetic ids (default 42)").build())
                .addOption(Option.builder().longOpt("compare").hasArg().argName("M2")
                        .desc("a baseline model timed interleaved with --model on the same inputs; reports the p50 ratio").build())
                .addOption(Option.builder().longOpt("opt-level").hasArg().argName("L")
                        .desc("graph optimization level: none, basic, extended (default), all").build())
                .addOption(Option.builder().longOpt("profile").hasArg().argName("DIR")
                        .desc("write ONNX Runtime's per-node profiles to DIR and print the time per operator "
                                + "(one --batch and one --seq; profiling slows the runs themselves)").build())
                .addOption(Option.builder().longOpt("outputs").hasArg().argName("host|device")
                        .desc("host (default): every output is copied back to host memory; device: outputs stay on the GPU "
                                + "(TensorRT engines only)").build())
                .addOption(Option.builder().longOpt("decode-past").hasArg().argName("P")
                        .desc("decoders: each run continues a key/value cache of P positions (a decoding step with --seq 1) "
                                + "instead of an empty one").build())
                .addOption(CliSupport.jsonOption());
    }

    /**
     * Exit 2 before any run when the export's {@code config.json} (next to the model, when there is
     * one) says the synthetic batches do not fit the model: a sequence ({@code decodePast} cached
     * positions included) longer than its position table, or random ids beyond its embedding table.
     */
    static void checkTables(Path model, List<Integer> seqs, int decodePast, int vocab, String vocabFrom) {
        Path cfg = model.toAbsolutePath().resolveSibling(io.linforge.core.checkpoint.Checkpoint.CONFIG);
        if (!java.nio.file.Files.isRegularFile(cfg)) {
            return;
        }
        com.fasterxml.jackson.databind.JsonNode n;
        try {
            n = CliSupport.JSON.readTree(cfg.toFile());
        } catch (java.io.IOException e) {
            return; // not a linforge export's config: the model itself is the only limit
        }
        int longest = seqs.stream().mapToInt(Integer::intValue).max().orElse(0);
        io.linforge.core.config.ModelConfig.checkSequence(n, "--seq", decodePast, longest, cfg);
        int rows = n.path("vocab_size").asInt(0);
        if (rows > 0 && vocab > rows) {
            throw LinforgeException.badInput((vocabFrom.equals("--vocab") ? "--vocab: " : vocabFrom + ": vocabulary: ")
                    + vocab + " token ids exceed the model's embedding table (" + cfg + " vocab_size " + rows + ")");
        }
    }

    static List<Integer> intList(CommandLine cmd, String name, String dflt) {
        String v = cmd.getOptionValue(name, dflt);
        List<Integer> out = new ArrayList<>();
        for (String s : v.split(",")) {
            if (s.isBlank()) {
                continue;
            }
            try {
                int n = Integer.parseInt(s.trim());
                if (n < 1) {
                    throw new NumberFormatException();
                }
                out.add(n);
            } catch (NumberFormatException e) {
                throw LinforgeException.badInput("--" + name + ": expected positive integers separated by commas, got '" + v + "'");
            }
        }
        if (out.isEmpty()) {
            throw LinforgeException.badInput("--" + name + ": empty list");
        }
        return out;
    }

    static SessionConfig.OptLevel optLevel(String v) {
        try {
            return SessionConfig.OptLevel.valueOf(v.trim().toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw LinforgeException.badInput("--opt-level: expected none, basic, extended or all, got '" + v + "'");
        }
    }

    /** Candidate vs baseline, interleaved: {@code iterations} rounds of 5 runs each per shape. */
    static int compare(CommandLine cmd, Path cand, Path base, SessionConfig config, Path profile, int vocab, long seed,
            List<Integer> batches, List<Integer> seqs, int warmup, int rounds) throws Exception {
        ObjectNode out = CliSupport.JSON.createObjectNode();
        out.put("candidate", cand.toAbsolutePath().toString());
        out.put("baseline", base.toAbsolutePath().toString());
        out.put("intra_op_threads", config.intraOpThreads());
        out.put("opt_level", config.optLevel().name().toLowerCase(java.util.Locale.ROOT));
        out.put("date", OffsetDateTime.now(ZoneOffset.UTC).withNano(0).toString());
        out.set("machine", CliSupport.JSON.valueToTree(MachineInfo.describe()));
        ArrayNode rows = out.putArray("results");
        try (InferenceSession a = Sessions.open(cand, profiled(config, profile, "candidate"));
                InferenceSession b = Sessions.open(base, profiled(config, profile, "baseline"))) {
            if (profile != null) {
                ortSessions(new String[] {"candidate", "baseline"}, a, b);
            }
            out.put("candidate_engine", a.engine());
            out.put("baseline_engine", b.engine());
            if (a instanceof OrtInferenceSession || b instanceof OrtInferenceSession) {
                out.put("onnxruntime", OrtInferenceSession.ortVersion());
            }
            System.out.printf("candidate %s%nbaseline  %s%n", cand, base);
            System.out.printf("%6s %6s %14s %14s %8s%n", "batch", "seq", "cand p50 ms", "base p50 ms", "ratio");
            Benchmark gen = new Benchmark(a, vocab, seed);
            for (int bs : batches) {
                for (int s : seqs) {
                    java.util.Map<String, long[][]> in = new java.util.HashMap<>(gen.inputs(bs, s));
                    in.putIfAbsent("token_type_ids", new long[bs][s]);
                    in.putIfAbsent("attention_mask", ones(bs, s));
                    io.linforge.runtime.bench.Comparison.Result r = io.linforge.runtime.bench.Comparison.run(a, b, in, bs,
                            s, warmup, rounds, 5);
                    System.out.printf("%6d %6d %14.2f %14.2f %8.3f%n", bs, s, r.candidateP50Ms(), r.baselineP50Ms(),
                            r.ratio());
                    System.out.flush();
                    ObjectNode row = rows.addObject();
                    row.put("batch", bs);
                    row.put("seq", s);
                    row.put("samples", r.samples());
                    row.put("candidate_p50_ms", r.candidateP50Ms());
                    row.put("baseline_p50_ms", r.baselineP50Ms());
                    row.put("candidate_p90_ms", r.candidateP90Ms());
                    row.put("baseline_p90_ms", r.baselineP90Ms());
                    row.put("ratio_p50", r.ratio());
                }
            }
            if (profile != null) {
                ObjectNode p = out.putObject("profile");
                printProfiles(p, new String[] {"candidate", "baseline"}, a, b);
            }
        }
        CliSupport.writeJson(cmd, out);
        return 0;
    }

    static SessionConfig profiled(SessionConfig config, Path dir, String name) {
        return dir == null ? config : config.toBuilder().profile(dir.resolve(name)).build();
    }

    /** The sessions as ONNX Runtime sessions, or exit 2: per-operator profiles come from ONNX Runtime. */
    static OrtInferenceSession[] ortSessions(String[] names, InferenceSession... all) {
        OrtInferenceSession[] sessions = new OrtInferenceSession[all.length];
        for (int i = 0; i < all.length; i++) {
            if (!(all[i] instanceof OrtInferenceSession ort)) {
                throw LinforgeException.badInput("--profile: per-operator profiles come from ONNX Runtime; "
                        + names[i] + " runs on " + all[i].engine());
            }
            sessions[i] = ort;
        }
        return sessions;
    }

    /** Ends profiling of each session and prints milliseconds per operator side by side. */
    static void printProfiles(ObjectNode json, String[] names, InferenceSession... all) {
        OrtInferenceSession[] sessions = ortSessions(names, all);
        io.linforge.runtime.bench.OpProfile.Result[] r = new io.linforge.runtime.bench.OpProfile.Result[sessions.length];
        java.util.LinkedHashSet<String> ops = new java.util.LinkedHashSet<>();
        for (int i = 0; i < sessions.length; i++) {
            Path file = sessions[i].endProfiling();
            r[i] = io.linforge.runtime.bench.OpProfile.read(file);
            ops.addAll(r[i].opMs().keySet());
            ObjectNode o = json.putObject(names[i]);
            o.put("file", file.toAbsolutePath().toString());
            o.put("runs", r[i].runs());
            o.put("nodes", r[i].nodes());
            o.put("total_ms", r[i].totalMs());
            o.set("op_ms", CliSupport.JSON.valueToTree(r[i].opMs()));
        }
        System.out.printf("%nper-operator time (sum over nodes of the median kernel time per run, ms)%n%-28s", "operator");
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

    static long[][] ones(int b, int s) {
        long[][] m = new long[b][s];
        for (long[] row : m) {
            java.util.Arrays.fill(row, 1);
        }
        return m;
    }

    @Override
    public int run(CommandLine cmd) throws Exception {
        List<Provider> providers = Provider.parseList(cmd.getOptionValue("provider", "cpu"));
        Path onnx = ModelFiles.model(CliSupport.requiredPath(cmd, "model"), "--model", providers);
        List<Integer> batches = intList(cmd, "batch", "1,8,32");
        List<Integer> seqs = intList(cmd, "seq", "32,128,512");
        int warmup = CliSupport.intOption(cmd, "warmup", 5);
        int iterations = CliSupport.intOption(cmd, "iterations", 20);
        int threads = CliSupport.intOption(cmd, "threads", 0);
        long seed = CliSupport.intOption(cmd, "seed", 42);
        if (warmup < 0 || iterations < 1 || threads < 0) {
            throw LinforgeException.badInput("--warmup >= 0, --iterations >= 1 and --threads >= 0 needed");
        }
        SessionConfig config = SessionConfig.builder()
                .providers(providers)
                .deviceId(CliSupport.intOption(cmd, "device", 0))
                .intraOpThreads(threads)
                .optLevel(optLevel(cmd.getOptionValue("opt-level", "extended")))
                .build();
        // a .plan that cannot run here fails before anything else is read
        Sessions.check(onnx, config);
        int vocab;
        String vocabFrom;
        if (cmd.hasOption("vocab")) {
            vocab = CliSupport.intOption(cmd, "vocab", 0);
            if (vocab < 1) {
                throw LinforgeException.badInput("--vocab: must be >= 1");
            }
            vocabFrom = "--vocab";
        } else {
            Path tok = ModelFiles.tokenizer(onnx, cmd.getOptionValue("tokenizer"));
            vocab = io.linforge.core.text.Tokenizer.vocabSize(tok);
            vocabFrom = tok.toString();
        }
        String outputs = cmd.getOptionValue("outputs", "host");
        if (!outputs.equals("host") && !outputs.equals("device")) {
            throw LinforgeException.badInput("--outputs: expected host or device, got '" + outputs + "'");
        }
        int decodePast = CliSupport.intOption(cmd, "decode-past", 0);
        if ((cmd.hasOption("outputs") || decodePast != 0) && cmd.hasOption("compare")) {
            throw LinforgeException.badInput("--outputs and --decode-past time one model; they do not go with --compare");
        }
        Path profile = cmd.hasOption("profile") ? Path.of(cmd.getOptionValue("profile")) : null;
        if (profile != null) {
            if (batches.size() != 1 || seqs.size() != 1) {
                throw LinforgeException.badInput("--profile: needs one --batch and one --seq value (the profile mixes all runs)");
            }
            java.nio.file.Files.createDirectories(profile);
        }
        checkTables(onnx, seqs, decodePast, vocab, vocabFrom);
        if (cmd.hasOption("compare")) {
            Path base = ModelFiles.model(Path.of(cmd.getOptionValue("compare")), "--compare", providers);
            Sessions.check(base, config);
            checkTables(base, seqs, decodePast, vocab, vocabFrom);
            return compare(cmd, onnx, base, config, profile, vocab, seed, batches, seqs, warmup, iterations);
        }

        ObjectNode out = CliSupport.JSON.createObjectNode();
        try (InferenceSession session = Sessions.open(onnx, profiled(config, profile, "model"))) {
            if (profile != null) {
                ortSessions(new String[] {"model"}, session);
            }
            out.put("model", onnx.toAbsolutePath().toString());
            out.set("providers", CliSupport.JSON.valueToTree(session.providers().stream().map(Provider::id).toList()));
            out.put("engine", session.engine());
            if (session instanceof OrtInferenceSession) {
                out.put("onnxruntime", OrtInferenceSession.ortVersion());
            }
            out.put("intra_op_threads", threads);
            out.put("vocab", vocab);
            out.put("vocab_from", vocabFrom);
            out.put("seed", seed);
            out.put("warmup", warmup);
            out.put("iterations", iterations);
            out.put("date", OffsetDateTime.now(ZoneOffset.UTC).withNano(0).toString());
            out.set("machine", CliSupport.JSON.valueToTree(MachineInfo.describe()));
            out.set("inputs", CliSupport.JSON.valueToTree(session.inputs().stream().map(IoInfo::toString).toList()));
            out.set("outputs", CliSupport.JSON.valueToTree(session.outputs().stream().map(IoInfo::toString).toList()));
            System.out.printf("model     %s%n", onnx);
            System.out.printf("providers %s (%s), intra-op threads %s%n",
                    session.providers().stream().map(Provider::id).collect(Collectors.joining(",")), session.engine(),
                    threads == 0 ? "default" : threads);
            System.out.printf("machine   %s, %d cores, %s, Java %s%n", MachineInfo.cpuModel(),
                    Runtime.getRuntime().availableProcessors(), System.getProperty("os.name"),
                    System.getProperty("java.version"));
            System.out.printf("%6s %6s %10s %10s %10s %12s %12s%n", "batch", "seq", "p50 ms", "p90 ms", "p99 ms",
                    "seq/s", "tokens/s");
            Benchmark bench = new Benchmark(session, vocab, seed, outputs.equals("device"), decodePast);
            out.put("outputs_to", outputs);
            out.put("decode_past", decodePast);
            ArrayNode rows = out.putArray("results");
            for (int b : batches) {
                for (int s : seqs) {
                    Benchmark.ShapeResult r = bench.measure(b, s, warmup, iterations);
                    System.out.printf("%6d %6d %10.2f %10.2f %10.2f %12.1f %12.0f%n", b, s, r.p50Ms(), r.p90Ms(),
                            r.p99Ms(), r.sequencesPerSec(), r.tokensPerSec());
                    System.out.flush();
                    ObjectNode row = rows.addObject();
                    row.put("batch", b);
                    row.put("seq", s);
                    row.put("iterations", r.iterations());
                    row.put("mean_ms", r.meanMs());
                    row.put("p50_ms", r.p50Ms());
                    row.put("p90_ms", r.p90Ms());
                    row.put("p99_ms", r.p99Ms());
                    row.put("min_ms", r.minMs());
                    row.put("max_ms", r.maxMs());
                    row.put("sequences_per_s", r.sequencesPerSec());
                    row.put("tokens_per_s", r.tokensPerSec());
                }
            }
            if (profile != null) {
                printProfiles(out.putObject("profile"), new String[] {"model"}, session);
            }
        }
        CliSupport.writeJson(cmd, out);
        return 0;
    }
}
