/// Where a logger delivers records: the run's JSON files, its TensorBoard event file, or a
/// sink of your own (`LoggerOptions.additionalSinks`), for example one forwarding to a
/// metrics system.
///
/// A logger calls its sinks from its single writer thread, in logging order: `write` for each
/// record, `flush` when `HistogramLogger.flush()` is called (make everything written so far
/// reach the operating system, or your destination), and `close` once when the logger closes.
/// A thrown error is reported by the logger's next `log`, `flush()` or `close()`; later records
/// are still offered to the sink.
public protocol HistogramSink: AnyObject, Sendable {
    func write(_ record: HistogramRecord) throws
    func flush() throws
    func close() throws
}

/// Which sinks a logger writes to, and how many records may wait for its writer thread.
public struct LoggerOptions: Sendable {
    /// `<run>/histograms/<sanitized key>.json` (seed 000's MLflow format).
    public var json = true
    /// `<run>/events.out.tfevents.<seconds>.<host>.<pid>.<counter>`, one file per logger.
    public var tensorBoard = true
    /// Records queued for the writer before `log` waits (back-pressure). At least 1.
    public var queueCapacity = 1024
    /// Sinks that receive every record after the built-in ones.
    public var additionalSinks: [any HistogramSink] = []
    /// Survive a power cut: `flush()` returns only after `fsync` of every file written since the
    /// last flush and of the directories the logger created (at open). Off by default: a flush
    /// then costs a write system call, and records survive the process being killed, not the
    /// machine losing power.
    public var durable = false

    public init(
        json: Bool = true, tensorBoard: Bool = true, queueCapacity: Int = 1024,
        additionalSinks: [any HistogramSink] = [], durable: Bool = false
    ) {
        self.json = json
        self.tensorBoard = tensorBoard
        self.queueCapacity = queueCapacity
        self.additionalSinks = additionalSinks
        self.durable = durable
    }
}
