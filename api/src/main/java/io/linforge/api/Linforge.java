package io.linforge.api;

import io.linforge.core.LinforgeException;
import io.linforge.core.checkpoint.Checkpoint;
import io.linforge.core.checkpoint.ModelInit;
import io.linforge.core.config.ModelConfig;
import io.linforge.core.io.AtomicFiles;
import io.linforge.core.io.Outputs;
import io.linforge.core.onnx.OnnxImporter;
import io.linforge.core.onnx.Pooling;
import io.linforge.core.onnx.TensorNames;
import io.linforge.core.tensor.DType;
import io.linforge.core.text.ByteLevelTokenizer;
import io.linforge.core.text.Tokenizer;
import io.linforge.exporter.OnnxExporter;
import io.linforge.exporter.TensorRtBuilder;
import io.linforge.exporter.triton.TritonRepository;
import io.linforge.model.text.HfTokenizer;
import io.linforge.runtime.Generator;
import io.linforge.runtime.InferenceSession;
import io.linforge.runtime.IoInfo;
import io.linforge.runtime.ModelFiles;
import io.linforge.runtime.OrtInferenceSession;
import io.linforge.runtime.Provider;
import io.linforge.runtime.SessionConfig;
import io.linforge.runtime.Sessions;
import io.linforge.runtime.bench.Benchmark;
import io.linforge.runtime.bench.Comparison;
import io.linforge.runtime.bench.MachineInfo;
import io.linforge.runtime.bench.OpProfile;
import io.linforge.runtime.validate.Gates;
import io.linforge.runtime.validate.JUnitXml;
import io.linforge.runtime.validate.Labels;
import io.linforge.runtime.validate.ModelKind;
import io.linforge.runtime.validate.ValidationData;
import io.linforge.runtime.validate.ValidationReport;
import io.linforge.runtime.validate.Validator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * linforge's Java API: one entry point per step of the pipeline, each taking typed options (whose
 * defaults are the command line's) and returning a typed result whose {@code toJson()} is the document
 * the command's {@code --json} writes. The {@code linforge} command and the Maven plugin are layers over
 * these methods.
 *
 * <p>Bad input (a missing file, a malformed option value, an output folder that may not be written)
 * throws {@link LinforgeException} with {@link LinforgeException#BAD_INPUT} and a one-line message
 * naming the file or option; other failures throw it with {@link LinforgeException#FAILURE}. A failed
 * validation gate is part of {@link ValidateResult}; {@link ValidateResult#requirePassed()} throws it
 * with {@link LinforgeException#GATE_FAILED}.
 *
 * <p>Training, analysis and compression live in {@code io.linforge.api.training.Training} (module
 * {@code linforge-api-training}, which adds the trainer and the compressor); the steps here need neither.
 */
public final class Linforge {
    private Linforge() {
    }

    /**
     * Imports a BERT-family ONNX model (or a jar holding one and its tokenizer) into a Hugging Face
     * checkpoint folder, as {@code linforge import} does.
     *
     * @throws LinforgeException exit 2 for an unreadable or unsupported model, or an output folder that may not be written
     */
    public static ImportResult importModel(ImportOptions o) {
        Outputs.checkFolder(o.out(), "--out", o.overwrite(), false);
        OnnxImporter.Result r = OnnxImporter.importTo(o.onnx(), o.out(), o.heads());
        long params = r.tensors().values().stream().mapToLong(t -> t.numel()).sum();
        return new ImportResult(o.onnx(), r.onnxName(), o.out(), params, r.tensors().size(), r.tokenizer(), r.config());
    }

    /**
     * Writes a freshly initialised LLaMA-family checkpoint for pre-training (N(0, 0.02²) linears and
     * embeddings, unit norms) with the byte-level tokenizer or the given {@code tokenizer.json}, as
     * {@code linforge init} does.
     *
     * @throws LinforgeException exit 2 for a missing or unsupported config, a tokenizer whose ids the
     *     config's {@code vocab_size} does not cover, or an output folder that may not be written
     */
    public static InitResult init(InitOptions o) {
        if (o.config() == null || !Files.isRegularFile(o.config())) {
            throw o.config() == null ? LinforgeException.badInput("--config is required")
                    : LinforgeException.badInput(o.config(), "file", "missing");
        }
        if (o.out() == null) {
            throw LinforgeException.badInput("--out is required");
        }
        ModelConfig c = ModelConfig.read(o.config());
        DType dtype = switch (o.dtype()) {
            case "fp32" -> DType.F32;
            case "bf16" -> DType.BF16;
            case "fp16" -> DType.F16;
            default -> throw LinforgeException.badInput("--dtype: expected fp32, bf16 or fp16, got '" + o.dtype() + "'");
        };
        if (dtype != DType.F32) {
            c = c.toBuilder().set("torch_dtype", dtype == DType.BF16 ? "bfloat16" : "float16").build();
        }
        if (o.shardBytes() != null && o.shardBytes() < 1) {
            throw LinforgeException.badInput("--shard-size: must be at least 1 byte, got " + o.shardBytes());
        }
        long shardBytes = o.shardBytes() == null ? Checkpoint.DEFAULT_SHARD_BYTES : o.shardBytes();
        Outputs.checkFolder(o.out(), "--out", o.overwrite(), false);
        try {
            Path scratch = Files.createTempDirectory("linforge-init");
            try {
                Path tok = scratch.resolve(Checkpoint.TOKENIZER);
                if (o.tokenizer().equals(InitOptions.BYTES)) {
                    if (c.vocabSize() < ByteLevelTokenizer.VOCAB) {
                        throw LinforgeException.badInput(o.config(), "vocab_size", c.vocabSize()
                                + " is below the byte-level tokenizer's " + ByteLevelTokenizer.VOCAB + " tokens");
                    }
                    ByteLevelTokenizer.write(tok);
                } else {
                    tok = Path.of(o.tokenizer());
                    if (!Files.isRegularFile(tok)) {
                        throw LinforgeException.badInput(tok, "file", "missing (--tokenizer)");
                    }
                    int vocab = HfTokenizer.vocabSize(tok);
                    if (vocab > c.vocabSize()) {
                        throw LinforgeException.badInput(o.config(), "vocab_size", c.vocabSize() + " is below the " + vocab
                                + " token ids of " + tok + " (--tokenizer); set vocab_size to at least " + vocab);
                    }
                }
                Checkpoint.save(o.out(), c, ModelInit.llama(c, o.seed(), dtype), tok, shardBytes);
            } finally {
                AtomicFiles.deleteRecursively(scratch);
            }
        } catch (IOException e) {
            throw new LinforgeException(LinforgeException.FAILURE, e.toString(), e);
        }
        try (Checkpoint ck = Checkpoint.open(o.out())) {
            long n = ck.tensorNames().stream().mapToLong(k -> ck.tensor(k).numel()).sum();
            return new InitResult(o.out(), ck.config(), n, o.tokenizer(), o.dtype(), ck.fileCount());
        }
    }

    /**
     * Generates text from a decoder export with its key/value cache, on ONNX Runtime or its TensorRT
     * engine, greedily or by nucleus sampling under the seed, as {@code linforge generate} does.
     *
     * @throws LinforgeException exit 2 for a missing model or tokenizer, an empty prompt or options out of range
     */
    public static GenerateResult generate(GenerateOptions o) {
        List<Provider> providers = Provider.parseList(o.provider());
        Path onnx = ModelFiles.model(o.model(), "--model", providers);
        Path tokFile = ModelFiles.tokenizer(onnx, o.tokenizer() == null ? null : o.tokenizer().toString());
        if (o.prompt() == null || o.prompt().isEmpty()) {
            throw LinforgeException.badInput("--prompt: missing or empty");
        }
        if (!(o.topP() >= 0 && o.topP() <= 1) || !(o.temperature() > 0) || Double.isInfinite(o.temperature())
                || o.maxNewTokens() < 1) {
            throw LinforgeException.badInput("--top-p in [0, 1], --temperature > 0 and --max-new-tokens >= 1 needed");
        }
        SessionConfig.Builder b = SessionConfig.builder().providers(providers);
        if (o.threads() != null) {
            b.intraOpThreads(o.threads());
        }
        try (Tokenizer tok = HfTokenizer.load(tokFile); InferenceSession s = Sessions.open(onnx, b.build())) {
            long[] ids = tok.modelIds(o.prompt());
            long t0 = System.nanoTime();
            long[] all = new Generator(s).generate(ids, o.maxNewTokens(), o.topP(), o.temperature(), o.seed(),
                    o.eos() == null ? -1 : o.eos());
            double sec = (System.nanoTime() - t0) / 1e9;
            long[] fresh = java.util.Arrays.copyOfRange(all, ids.length, all.length);
            return new GenerateResult(o.prompt(), tok.completion(ids, all), ids, fresh, s.engine(), fresh.length / sec,
                    o.topP() > 0 ? "top-p" : "greedy");
        }
    }

    /**
     * Merges the adapters into the checkpoint and writes {@code model.onnx} (and optionally a TensorRT
     * engine and Triton entries), as {@code linforge export} does.
     *
     * @throws LinforgeException exit 2 for bad input; a failed TensorRT build throws
     *     {@link TensorRtBuilder.BuildFailed} after the ONNX model is written
     */
    public static ExportResult export(ExportOptions o) {
        return export(o, r -> { });
    }

    /** {@code --gelu-approximation}: tanh, or none (null) for the checkpoint's own form. */
    static boolean tanhGelu(String approximation) {
        if (approximation == null || approximation.equals("none")) {
            return false;
        }
        if (approximation.equals("tanh")) {
            return true;
        }
        throw LinforgeException.badInput("--gelu-approximation: '" + approximation + "' is not one of none, tanh");
    }

    /**
     * {@link #export(ExportOptions)}; when the TensorRT build fails, {@code beforeFailure} gets the
     * result so far (the ONNX model, TensorRT's parse and its error) before the failure is thrown.
     */
    public static ExportResult export(ExportOptions o, Consumer<ExportResult> beforeFailure) {
        TensorRtBuilder.Options trtOptions = trtOptions(o);
        if (o.tensorrt()) {
            // fail before any work when no engine can be built here
            TensorRtBuilder.requireAvailable();
        }
        Pooling pooling = Pooling.parse(o.pooling());
        pooling.check(o.normalize(), false);
        OnnxExporter.Options eo = new OnnxExporter.Options(o.fp16(), o.opset(), o.kvCache(), o.externalData(), pooling,
                o.normalize(), o.tensorrt(), o.fp16Softmax(), tanhGelu(o.geluApproximation()));
        Outputs.checkFolder(o.out(), "--out", o.overwrite(), false);
        if (o.triton() != null) {
            Outputs.checkFolder(tritonEntry(o), "--triton", o.overwrite(), false);
            if (o.tensorrt()) {
                Outputs.checkFolder(tritonPlanEntry(o), "--triton", o.overwrite(), false);
            }
        }
        long t0 = System.nanoTime();
        OnnxExporter.Result r = OnnxExporter.export(o.model(), o.adapters(), o.out(), eo);
        double seconds = (System.nanoTime() - t0) / 1e9;
        ExportResult result = new ExportResult(o.model(), o.adapters(), r.onnx(), eo.fp16() ? "fp16" : "fp32", eo.opset(),
                r.parameters(), r.bytes(), r.decoder(), eo.pooling().id(), eo.normalize(), seconds, null, null, null, null,
                null);
        try {
            if (o.triton() != null) {
                result = result.withTriton(TritonRepository.write(o.triton(), tritonEntry(o).getFileName().toString(),
                        r.onnx(), 32));
            }
            if (!o.tensorrt()) {
                return result;
            }
            try {
                TensorRtBuilder.Result plan = TensorRtBuilder.build(r.onnx(), o.out().resolve(ModelFiles.MODEL_PLAN), trtOptions);
                Outputs.record(o.out(), ModelFiles.MODEL_PLAN);
                Path tritonPlan = o.triton() == null ? null : TritonRepository.writePlan(o.triton(),
                        tritonPlanEntry(o).getFileName().toString(), r.onnx(), plan.plan(),
                        (int) trtOptions.ranges().get("batch")[2]);
                return result.withTensorRt(plan.parse(), plan, tritonPlan, null);
            } catch (TensorRtBuilder.BuildFailed e) {
                beforeFailure.accept(result.withTensorRt(e.parse(), null, null, e.getMessage()));
                throw e;
            }
        } catch (IOException e) {
            throw new LinforgeException(LinforgeException.FAILURE, e.toString(), e);
        }
    }

    /** The engine's build options from {@code tf32}, {@code trtBatch} and {@code trtSeq}. */
    static TensorRtBuilder.Options trtOptions(ExportOptions o) {
        if (!o.tensorrt()) {
            String given = o.tf32() ? "tf32" : o.trtBatch() != null ? "trt-batch" : o.trtSeq() != null ? "trt-seq"
                    : o.trtLevel() != null ? "trt-level" : null;
            if (given != null) {
                throw LinforgeException.badInput("--" + given + " needs --tensorrt");
            }
        }
        Map<String, long[]> ranges = new LinkedHashMap<>();
        if (o.trtBatch() != null) {
            ranges.put("batch", triple("trt-batch", o.trtBatch()));
        }
        if (o.trtSeq() != null) {
            long[] s = triple("trt-seq", o.trtSeq());
            ranges.put("sequence", s);
            ranges.put("past_sequence", new long[] {0, s[1], s[2]});
            ranges.put("total_sequence", new long[] {1, 2 * s[1], 2 * s[2]});
        }
        TensorRtBuilder.Options opts = TensorRtBuilder.Options.defaults().withTf32(o.tf32()).withRanges(ranges);
        return o.trtLevel() == null ? opts : opts.withLevel(o.trtLevel());
    }

    private static long[] triple(String opt, String v) {
        String[] p = v.split(",");
        if (p.length != 3) {
            throw LinforgeException.badInput("--" + opt + ": '" + v + "' (expected MIN,OPT,MAX)");
        }
        long[] r = new long[3];
        for (int i = 0; i < 3; i++) {
            try {
                r[i] = Long.parseLong(p[i].trim());
            } catch (NumberFormatException e) {
                throw LinforgeException.badInput("--" + opt + ": '" + v + "' (expected MIN,OPT,MAX, whole numbers)");
            }
        }
        if (r[0] < 1 || r[0] > r[1] || r[1] > r[2] || r[2] > 1 << 20) {
            throw LinforgeException.badInput("--" + opt + ": '" + v + "' (needs 1 <= MIN <= OPT <= MAX <= 1048576)");
        }
        return r;
    }

    /** The Triton repository entry folder, REPO/NAME. */
    public static Path tritonEntry(ExportOptions o) {
        return o.triton().resolve(o.tritonName() != null ? o.tritonName() : o.out().toAbsolutePath().getFileName().toString());
    }

    /** The Triton repository entry of the TensorRT engine, REPO/NAME_tensorrt. */
    public static Path tritonPlanEntry(ExportOptions o) {
        Path e = tritonEntry(o);
        return e.resolveSibling(e.getFileName() + "_tensorrt");
    }


    /**
     * Runs a reference and a candidate model on a data set and compares them (task metric, logit
     * agreement, perplexity ratio), checking the gates, as {@code linforge validate} does. A failed
     * gate is in the result; the JUnit XML, when asked for, is written either way.
     *
     * @throws LinforgeException exit 2 for a missing or unreadable model, data or tokenizer
     */
    public static ValidateResult validate(ValidateOptions o) {
        Gates gates = new Gates(o.maxAccuracyDrop(), o.minCosine(), o.maxPerplexityRatio());
        List<Provider> providers = Provider.parseList(o.provider());
        List<Provider> refProvidersWanted = o.referenceProvider() != null ? Provider.parseList(o.referenceProvider())
                : providers;
        Path ref = ModelFiles.model(o.reference(), "--reference", refProvidersWanted);
        Path cand = ModelFiles.model(o.candidate(), "--candidate", providers);
        if (o.limit() < 0 || o.maxLength() < 2 || o.batch() < 1 || o.threads() < 0) {
            throw LinforgeException.badInput("--limit >= 0, --max-length >= 2, --batch >= 1 and --threads >= 0 needed");
        }
        if (o.junit() != null) {
            Outputs.checkFile(o.junit(), "--junit");
        }
        SessionConfig config = SessionConfig.builder().providers(providers).intraOpThreads(o.threads()).build();
        SessionConfig refConfig = o.referenceProvider() == null ? config
                : SessionConfig.builder().providers(refProvidersWanted).intraOpThreads(o.threads()).build();
        // a .plan that cannot run here fails before the data and the models are read
        Sessions.check(ref, refConfig);
        Sessions.check(cand, config);
        if (o.data() == null) {
            throw LinforgeException.badInput("--data is required");
        }
        ValidationData data = ValidationData.read(o.data(), o.limit());
        Path tokPath = ModelFiles.tokenizer(ref, o.tokenizer() == null ? null : o.tokenizer().toString());
        try (Tokenizer tok = HfTokenizer.load(tokPath);
                InferenceSession a = Sessions.open(ref, refConfig);
                InferenceSession b = Sessions.open(cand, config)) {
            Validator v = new Validator(a, b, tok, o.maxLength(), o.batch(), ref, cand);
            Map<String, Integer> labels = v.kind() == ModelKind.CLASSIFIER ? Labels.forModel(ref, data) : Map.of();
            ValidationReport report = v.validate(data, labels, gates);
            ValidateResult result = new ValidateResult(ref, cand, data.file(),
                    a.providers().stream().map(Provider::id).toList(), b.providers().stream().map(Provider::id).toList(),
                    a.engine(), b.engine(), data.testSplitOnly(), report);
            if (o.junit() != null) {
                JUnitXml.write(o.junit(), report, "linforge.validate");
            }
            return result;
        } catch (IOException e) {
            throw new LinforgeException(LinforgeException.FAILURE, e.toString(), e);
        }
    }

    /**
     * Times a model (or a candidate against a baseline, interleaved) on synthetic batches, as
     * {@code linforge bench} does.
     *
     * @throws LinforgeException exit 2 for a missing model, bad options or shapes the model cannot take
     */
    public static BenchResult bench(BenchOptions o) {
        return bench(o, new BenchResult.Listener() { });
    }

    /** {@link #bench(BenchOptions)}, telling {@code listener} about each shape as it is measured. */
    public static BenchResult bench(BenchOptions o, BenchResult.Listener listener) {
        List<Provider> providers = Provider.parseList(o.provider());
        Path onnx = ModelFiles.model(o.model(), "--model", providers);
        if (o.warmup() < 0 || o.iterations() < 1 || o.threads() < 0) {
            throw LinforgeException.badInput("--warmup >= 0, --iterations >= 1 and --threads >= 0 needed");
        }
        SessionConfig config = SessionConfig.builder()
                .providers(providers)
                .deviceId(o.device())
                .intraOpThreads(o.threads())
                .optLevel(optLevel(o.optLevel()))
                .cudaGraphs(o.cudaGraphs())
                .build();
        // a .plan that cannot run here fails before anything else is read
        Sessions.check(onnx, config);
        int vocab;
        String vocabFrom;
        if (o.vocab() != null) {
            vocab = o.vocab();
            if (vocab < 1) {
                throw LinforgeException.badInput("--vocab: must be >= 1");
            }
            vocabFrom = "--vocab";
        } else {
            Path tok = ModelFiles.tokenizer(onnx, o.tokenizer() == null ? null : o.tokenizer().toString());
            vocab = HfTokenizer.vocabSize(tok);
            vocabFrom = tok.toString();
        }
        if (!o.outputs().equals("host") && !o.outputs().equals("device")) {
            throw LinforgeException.badInput("--outputs: expected host or device, got '" + o.outputs() + "'");
        }
        if ((!o.outputs().equals("host") || o.decodePast() != 0) && o.compare() != null) {
            throw LinforgeException.badInput("--outputs and --decode-past time one model; they do not go with --compare");
        }
        Path profile = o.profile();
        try {
            if (profile != null) {
                if (o.batch().size() != 1 || o.seq().size() != 1) {
                    throw LinforgeException.badInput("--profile: needs one --batch and one --seq value (the profile mixes all runs)");
                }
                Files.createDirectories(profile);
            }
            // with the cache on the GPU (--outputs device) every warm-up and timed step adds a position
            int loop = o.decodePast() > 0 && o.outputs().equals("device") ? o.warmup() + o.iterations() : 0;
            checkTables(onnx, o.seq(), o.decodePast() + loop, vocab, vocabFrom);
            if (o.compare() != null) {
                Path base = ModelFiles.model(o.compare(), "--compare", providers);
                Sessions.check(base, config);
                checkTables(base, o.seq(), o.decodePast(), vocab, vocabFrom);
                return compare(o, onnx, base, config, vocab, listener);
            }
            return single(o, onnx, config, vocab, vocabFrom, listener);
        } catch (IOException e) {
            throw new LinforgeException(LinforgeException.FAILURE, e.toString(), e);
        }
    }

    private static BenchResult.Single single(BenchOptions o, Path onnx, SessionConfig config, int vocab, String vocabFrom,
            BenchResult.Listener listener) throws IOException {
        try (InferenceSession session = Sessions.open(onnx, profiled(config, o.profile(), "model"))) {
            if (o.profile() != null) {
                requireProfiles(new String[] {"model"}, session);
            }
            List<String> providerIds = session.providers().stream().map(Provider::id).toList();
            String date = OffsetDateTime.now(ZoneOffset.UTC).withNano(0).toString();
            Map<String, Object> machine = MachineInfo.describe();
            listener.opened(Map.of("model", onnx), Map.of("model", session.engine()), Map.of("model", providerIds));
            Benchmark bench = new Benchmark(session, vocab, o.seed(), o.outputs().equals("device"), o.decodePast());
            List<Benchmark.ShapeResult> rows = new ArrayList<>();
            for (int b : o.batch()) {
                for (int s : o.seq()) {
                    Benchmark.ShapeResult r = bench.measure(b, s, o.warmup(), o.iterations());
                    rows.add(r);
                    listener.measured(r);
                }
            }
            Map<String, BenchResult.Profile> prof = o.profile() == null ? Map.of()
                    : endProfiling(new String[] {"model"}, session);
            return new BenchResult.Single(onnx, providerIds, session.engine(),
                    session instanceof OrtInferenceSession ? OrtInferenceSession.ortVersion() : null, o.threads(), vocab,
                    vocabFrom, o.seed(), o.warmup(), o.iterations(), date, machine,
                    session.inputs().stream().map(IoInfo::toString).toList(),
                    session.outputs().stream().map(IoInfo::toString).toList(), o.outputs(), o.decodePast(), rows, prof);
        }
    }

    /** Candidate vs baseline, interleaved: {@code iterations} rounds of 5 runs each per shape. */
    private static BenchResult.Compared compare(BenchOptions o, Path cand, Path base, SessionConfig config, int vocab,
            BenchResult.Listener listener) throws IOException {
        String date = OffsetDateTime.now(ZoneOffset.UTC).withNano(0).toString();
        Map<String, Object> machine = MachineInfo.describe();
        try (InferenceSession a = Sessions.open(cand, profiled(config, o.profile(), "candidate"));
                InferenceSession b = Sessions.open(base, profiled(config, o.profile(), "baseline"))) {
            String[] names = {"candidate", "baseline"};
            if (o.profile() != null) {
                requireProfiles(names, a, b);
            }
            Map<String, Path> models = new LinkedHashMap<>();
            models.put("candidate", cand);
            models.put("baseline", base);
            Map<String, String> engines = new LinkedHashMap<>();
            engines.put("candidate", a.engine());
            engines.put("baseline", b.engine());
            Map<String, List<String>> providers = new LinkedHashMap<>();
            providers.put("candidate", a.providers().stream().map(Provider::id).toList());
            providers.put("baseline", b.providers().stream().map(Provider::id).toList());
            listener.opened(models, engines, providers);
            Benchmark gen = new Benchmark(a, vocab, o.seed());
            List<Comparison.Result> rows = new ArrayList<>();
            for (int bs : o.batch()) {
                for (int s : o.seq()) {
                    Map<String, long[][]> in = new HashMap<>(gen.inputs(bs, s));
                    in.putIfAbsent(TensorNames.TOKEN_TYPE_IDS, new long[bs][s]);
                    in.putIfAbsent(TensorNames.ATTENTION_MASK, ones(bs, s));
                    Comparison.Result r = Comparison.run(a, b, in, bs, s, o.warmup(), o.iterations(), 5);
                    rows.add(r);
                    listener.compared(r);
                }
            }
            Map<String, BenchResult.Profile> prof = o.profile() == null ? Map.of() : endProfiling(names, a, b);
            return new BenchResult.Compared(cand, base, config.intraOpThreads(),
                    config.optLevel().name().toLowerCase(Locale.ROOT), date, machine, rows, a.engine(), b.engine(),
                    a instanceof OrtInferenceSession || b instanceof OrtInferenceSession ? OrtInferenceSession.ortVersion()
                            : null, prof);
        }
    }

    /**
     * Exit 2 before any run when the export's {@code config.json} (next to the model, when there is
     * one) says the synthetic batches do not fit the model: a sequence ({@code decodePast} cached
     * positions included) longer than its position table, or random ids beyond its embedding table.
     */
    static void checkTables(Path model, List<Integer> seqs, int decodePast, int vocab, String vocabFrom) {
        Path cfg = model.toAbsolutePath().resolveSibling(Checkpoint.CONFIG);
        if (!Files.isRegularFile(cfg)) {
            return;
        }
        com.fasterxml.jackson.databind.JsonNode n;
        try {
            n = Json.MAPPER.readTree(cfg.toFile());
        } catch (IOException e) {
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

    private static SessionConfig.OptLevel optLevel(String v) {
        try {
            return SessionConfig.OptLevel.valueOf(v.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw LinforgeException.badInput("--opt-level: expected none, basic, extended or all, got '" + v + "'");
        }
    }

    private static SessionConfig profiled(SessionConfig config, Path dir, String name) {
        return dir == null ? config : config.toBuilder().profile(dir.resolve(name)).build();
    }

    /** Exit 2 before any timing unless every session records a profile (ONNX Runtime per node, TensorRT per layer). */
    private static void requireProfiles(String[] names, InferenceSession... all) {
        for (int i = 0; i < all.length; i++) {
            if (!(all[i] instanceof OrtInferenceSession) && !(all[i] instanceof io.linforge.runtime.TensorRtSession)) {
                throw LinforgeException.badInput("--profile: profiles come from ONNX Runtime (per node) or TensorRT "
                        + "(per layer); " + names[i] + " runs on " + all[i].engine());
            }
        }
    }

    /** Ends profiling of each session and reads the milliseconds per operator (per layer for a TensorRT engine). */
    private static Map<String, BenchResult.Profile> endProfiling(String[] names, InferenceSession... all) {
        Map<String, BenchResult.Profile> out = new LinkedHashMap<>();
        for (int i = 0; i < all.length; i++) {
            Path file = all[i].endProfiling();
            out.put(names[i], new BenchResult.Profile(file, OpProfile.read(file),
                    all[i] instanceof io.linforge.runtime.TensorRtSession));
        }
        return out;
    }

    private static long[][] ones(int b, int s) {
        long[][] m = new long[b][s];
        for (long[] row : m) {
            java.util.Arrays.fill(row, 1);
        }
        return m;
    }
}
