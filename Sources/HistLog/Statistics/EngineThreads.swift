import Synchronization

/// How many threads one summary may use: 1 (the default) keeps every pass on the calling thread.
///
/// Above 1, each streaming pass over more than `chunkValues` values is split into chunks of
/// `chunkValues` (1 MiB of `Float`s) spread over up to `maximum` threads (never more than the
/// processors online). Chunks are fixed by the input's size alone and their partial results are
/// combined in chunk order, so a summary is the same, bit for bit, whatever the thread count.
///
/// Off by default: a logger runs on the training job's own thread while the job's other threads
/// (torch's intra-op pool, data loaders, other ranks) own the remaining cores; `make bench-engine`
/// measures what a second thread gains on 10M values (`hl_set_max_threads` in C,
/// `histlog.set_max_threads` in Python).
public enum EngineThreads {
    private static let limit = Atomic<Int>(1)

    /// The number of threads a summary may use (>= 1).
    public static var maximum: Int { limit.load(ordering: .relaxed) }

    /// Sets `maximum`; values below 1 are taken as 1. Returns the previous value.
    @discardableResult
    public static func setMaximum(_ threads: Int) -> Int {
        limit.exchange(Swift.max(1, threads), ordering: .relaxed)
    }

    /// Values per chunk: 2^18.
    static let chunkValues = 1 << 18

    /// The chunks of stream vectors of `values`: consecutive ranges of `chunkValues` values, the last shorter.
    static func chunks<T: EngineFloat>(_ values: ValueStream<T>) -> [Range<Int>] {
        let total = values.vectorCount
        let size = chunkValues / T.Vector.scalarCount
        return stride(from: 0, to: Swift.max(total, 1), by: size).map { $0..<Swift.min($0 + size, total) }
    }

    /// `body(chunk)` for every chunk of `values`, on up to `maximum` threads; the results in chunk order.
    static func map<T: EngineFloat, R>(_ values: ValueStream<T>, _ body: @escaping (Range<Int>) -> R) -> [R] {
        let chunks = chunks(values)
        let threads = maximum
        if threads == 1 || chunks.count == 1 { return chunks.map(body) }
        return concurrentMap(chunks.count, maximumThreads: threads) { body(chunks[$0]) }
    }
}
