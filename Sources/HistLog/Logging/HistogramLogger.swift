import Glibc

/// Logs histograms into a run directory (`<run>/histograms/*.json`, `<run>/events.out.tfevents.*`).
///
/// `log` summarises the values on the calling thread — the caller may reuse its buffer as soon
/// as it returns — and hands the summary to one background writer thread through a bounded
/// queue (`LoggerOptions.queueCapacity`); when the queue is full, `log` waits. `flush()`
/// returns once every record logged before it went to the operating system (write system calls
/// done), so it survives the process being killed — and, with `LoggerOptions.durable`, once it
/// is on the storage device (`fsync`), so it survives a power cut. Safe to use from many
/// threads at once.
///
/// A write that fails (a full disk, a deleted run directory) is undone in the file and reported,
/// as an `io` error carrying the system's `errno` and naming the file, by the next `log`,
/// `flush()` or `close()`; a `log` that throws it queued nothing. Later records are written
/// as usual once the cause is gone.
///
///     let logger = try HistogramLogger(runDirectory: "runs/exp1")
///     try weights.withUnsafeBufferPointer { try logger.log(key: "weights/layer1", step: 0, values: $0) }
///     try logger.close()
///
/// Several loggers, in this process or others, may write into one run: each JSON append holds
/// an exclusive `flock` on its file, and each logger has its own TensorBoard event file.
/// A forked child process (a data-loader worker, say) cannot use its parent's logger — every
/// call there throws `closed` — and opens its own.
public final class HistogramLogger: Sendable {
    public let runDirectory: String
    private let writer: RecordWriter
    private let writesTensorBoard: Bool
    private let recordObserver = Locked<(@Sendable (HistogramRecord) -> Void)?>(nil)

    /// Opens `runDirectory`, creating it (and `histograms/`) if missing; an existing run is
    /// appended to. Throws `io` if it is a file or not writable, `invalidArgument` for bad options.
    /// With `options.durable`, the directories it creates are fsynced before it returns.
    public init(runDirectory: String, options: LoggerOptions = LoggerOptions()) throws {
        guard !runDirectory.isEmpty, !runDirectory.utf8.contains(0) else {
            throw HistlogError.invalidArgument("run directory must be a non-empty path without NUL, got \"\(runDirectory)\"")
        }
        guard options.queueCapacity >= 1 else {
            throw HistlogError.invalidArgument("\(argument: "queueCapacity") must be >= 1, got \(options.queueCapacity)")
        }
        guard options.json || options.tensorBoard || !options.additionalSinks.isEmpty else {
            throw HistlogError.invalidArgument("options must enable at least one sink (json, tensorBoard or additionalSinks)")
        }
        var created = try makeDirectories(runDirectory)
        guard access(runDirectory, W_OK | X_OK) == 0 else {
            throw POSIXFile.error("run directory is not writable:", runDirectory)
        }
        if options.json { created += try makeDirectories(runDirectory + "/histograms") }
        if options.durable {
            // Each created directory, and the parent that holds its name.
            var synced = Set<String>()
            for directory in created.flatMap({ [parentDirectory($0) ?? $0, $0] }) where synced.insert(directory).inserted {
                try POSIXFile.syncDirectory(directory)
            }
        }
        var sinks: [any HistogramSink] = []
        if options.json { sinks.append(try JSONHistogramSink(runDirectory: runDirectory, durable: options.durable)) }
        if options.tensorBoard { sinks.append(try TensorBoardEventSink(runDirectory: runDirectory, durable: options.durable)) }
        sinks += options.additionalSinks
        self.runDirectory = runDirectory
        writesTensorBoard = options.tensorBoard
        writer = try RecordWriter(sinks: sinks, capacity: options.queueCapacity)
    }

    deinit {
        if writer.isOpen { try? writer.close() }
    }

    /// Logs the histogram and statistics of `values` (NaN and ±Inf are counted, not binned).
    public func log(key: String, step: Int64, values: UnsafeBufferPointer<Float>, bins: BinConfig = BinConfig(), options: StatisticsOptions = StatisticsOptions(), timestamp: Double? = nil) throws {
        try checkOpen(key: key, timestamp: timestamp)
        try submit(key: key, step: step, summary: HistogramSummary(values: values, bins: bins, options: options), timestamp: timestamp)
    }

    public func log(key: String, step: Int64, values: UnsafeBufferPointer<Double>, bins: BinConfig = BinConfig(), options: StatisticsOptions = StatisticsOptions(), timestamp: Double? = nil) throws {
        try checkOpen(key: key, timestamp: timestamp)
        try submit(key: key, step: step, summary: HistogramSummary(values: values, bins: bins, options: options), timestamp: timestamp)
    }

    /// bfloat16 values, read in place.
    public func log(key: String, step: Int64, values: UnsafeBufferPointer<BFloat16>, bins: BinConfig = BinConfig(), options: StatisticsOptions = StatisticsOptions(), timestamp: Double? = nil) throws {
        try checkOpen(key: key, timestamp: timestamp)
        try submit(key: key, step: step, summary: HistogramSummary(values: values, bins: bins, options: options), timestamp: timestamp)
    }

    /// Logs a pre-computed histogram (`edges.count == counts.count + 1`); its statistics are
    /// estimated from the bins and marked so.
    public func log(key: String, step: Int64, edges: [Double], counts: [Double], timestamp: Double? = nil) throws {
        try checkOpen(key: key, timestamp: timestamp)
        try submit(key: key, step: step, summary: HistogramSummary(edges: edges, counts: counts), timestamp: timestamp)
    }

    /// Logs a summary computed elsewhere (for example merged from several workers).
    public func log(key: String, step: Int64, summary: HistogramSummary, timestamp: Double? = nil) throws {
        try checkOpen(key: key, timestamp: timestamp)
        guard summary.histogram.edges.count == summary.histogram.counts.count + 1 else {
            throw HistlogError.invalidArgument(
                "summary.histogram.edges must have counts.count + 1 = \(summary.histogram.counts.count + 1) elements, got \(summary.histogram.edges.count)")
        }
        try submit(key: key, step: step, summary: summary, timestamp: timestamp)
    }

    /// Logs a histogram given in TensorBoard's form (`add_histogram_raw`): the event file gets
    /// `tensorBoardHistogram` exactly as given; the JSON file gets the pre-computed histogram of
    /// its buckets (`TensorBoardHistogram.bins()`), whose total is the buckets' total whatever
    /// `num` says, its statistics estimated from the bins and marked so.
    public func log(key: String, step: Int64, tensorBoardHistogram: TensorBoardHistogram, timestamp: Double? = nil) throws {
        try checkOpen(key: key, timestamp: timestamp)
        try tensorBoardHistogram.validate()
        let (edges, counts) = tensorBoardHistogram.bins()
        try submit(
            key: key, step: step, summary: HistogramSummary(edges: edges, counts: counts), timestamp: timestamp,
            tensorBoard: tensorBoardHistogram)
    }

    /// Appends one serialized TensorBoard `Event` protobuf (scalars, text, images: anything
    /// TensorBoard reads) to this logger's event file, after every record logged before it.
    /// One file holding both a program's other summaries and its histograms matters because
    /// TensorBoard, by default, follows only the newest event file of a directory for new data.
    /// Throws `invalidArgument` if `event` is not a well-formed protobuf message or the logger
    /// writes no TensorBoard file.
    public func logTensorBoardEvent(_ event: [UInt8]) throws {
        guard writesTensorBoard else {
            throw HistlogError.invalidArgument("this run writes no TensorBoard event file (its options disable it)")
        }
        guard TensorBoardEvent.isWellFormed(event[...]) else {
            throw HistlogError.invalidArgument("event is not a serialized protobuf message (\(event.count) bytes)")
        }
        guard writer.isOpen else { throw HistlogError.closed("the logger is closed") }
        try writer.enqueue(event: event)
    }

    /// Calls `observer` with every record logged from now on (nil: stop): on the logging thread,
    /// inside `log`, once the record is queued for the sinks, so records reach it in the order
    /// of the calls on each thread. It must not log into this logger.
    public func observeRecords(_ observer: (@Sendable (HistogramRecord) -> Void)?) {
        recordObserver.withLock { $0 = observer }
    }

    /// Returns when every record logged before the call has been written to the operating
    /// system by every sink (and, with `LoggerOptions.durable`, fsynced). Throws the first write
    /// failure not yet reported.
    public func flush() throws {
        try writer.flush()
    }

    /// Flushes, closes the sinks and stops the writer thread; later calls throw `closed`.
    public func close() throws {
        try writer.close()
    }

    /// Cheap checks before summarising, so a bad call costs nothing.
    private func checkOpen(key: String, timestamp: Double?) throws(HistlogError) {
        try HistogramFileName.validate(key: key)
        if let timestamp, !(timestamp.isFinite && timestamp >= 0) {
            throw .invalidArgument("timestamp must be finite Unix seconds >= 0, got \(timestamp)")
        }
        guard writer.isOpen else { throw .closed("the logger is closed") }
    }

    private func submit(
        key: String, step: Int64, summary: HistogramSummary, timestamp: Double?, tensorBoard: TensorBoardHistogram? = nil
    ) throws(HistlogError) {
        let record = HistogramRecord(key: key, step: step, timestamp: timestamp ?? Self.now(), summary: summary, tensorBoard: tensorBoard)
        try writer.enqueue(record)
        if let observer = recordObserver.withLock({ $0 }) { observer(record) }
    }

    /// `clock_gettime(CLOCK_REALTIME)` as Unix seconds with a fraction.
    static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}
