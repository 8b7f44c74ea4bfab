import Foundation
import Testing
@testable import HistLog

/// A fresh directory under the system temporary directory.
func makeTemporaryDirectory(_ label: String = "histlog") -> String {
    var template = Array((NSTemporaryDirectory() + "\(label)-XXXXXX").utf8CString)
    let path = template.withUnsafeMutableBufferPointer { buffer in String(cString: mkdtemp(buffer.baseAddress!)!) }
    return path
}

func removeDirectory(_ path: String) {
    try? FileManager.default.removeItem(atPath: path)
}

/// A summary built field by field (no engine involved): every statistic distinct, so a
/// round trip that mixes fields up fails.
func sampleSummary(bins: Int = 4, estimated: EstimatedStatistics = [], zeroCount: Int? = 3, seed: Double = 0) -> HistogramSummary {
    let edges = (0...bins).map { -0.5 + Double($0) / Double(bins) + seed }
    let counts = (0..<bins).map { Double(10 + $0 * 7) }
    let total = Int(counts.reduce(0, +))
    let statistics = DistributionStatistics(
        totalCount: total + 3, nanCount: 2, infCount: 1, zeroCount: zeroCount, outlierCount: 4,
        outlierThreshold: 3.5, min: -0.5625 + seed, max: 0.53125 + seed, sum: 12.345678901234567, sumOfSquares: 98.76543210987654,
        mean: 0.1 + seed, standardDeviation: 0.2887, skewness: -0.0123, kurtosis: 1.2e-7,
        quantiles: [-0.4, -0.25, 0.0078125, 0.26, 0.41], estimated: estimated)
    let moments = Moments(count: total + 3, mean: 0.1 + seed, m2: 21.5, m3: -0.75, m4: 33.25, min: -0.5625 + seed, max: 0.53125 + seed)
    return HistogramSummary(
        histogram: Histogram(edges: edges, counts: counts, underflow: 1, overflow: 2), statistics: statistics, moments: moments)
}

/// NaN-aware equality of two records (HistogramSummary's `==` treats NaN moments as unequal).
func sameRecord(_ a: HistogramRecord, _ b: HistogramRecord) -> Bool {
    func same(_ x: Double, _ y: Double) -> Bool { x == y || (x.isNaN && y.isNaN) }
    func sameAll(_ x: [Double], _ y: [Double]) -> Bool { x.count == y.count && zip(x, y).allSatisfy(same) }
    let (m, n) = (a.summary.moments, b.summary.moments)
    return a.key == b.key && a.step == b.step && same(a.timestamp, b.timestamp)
        && sameAll(a.summary.histogram.edges, b.summary.histogram.edges)
        && sameAll(a.summary.histogram.counts, b.summary.histogram.counts)
        && a.summary.histogram.underflow == b.summary.histogram.underflow
        && a.summary.histogram.overflow == b.summary.histogram.overflow
        && a.summary.statistics == b.summary.statistics
        && m.count == n.count && same(m.mean, n.mean) && same(m.m2, n.m2) && same(m.m3, n.m3) && same(m.m4, n.m4)
        && same(m.min, n.min) && same(m.max, n.max)
}

/// A sink that keeps every record in memory (what a Swift user forwarding to a metrics system
/// would write).
final class MemorySink: HistogramSink, @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [HistogramRecord] = []
    private(set) var flushes = 0
    private(set) var closes = 0

    var records: [HistogramRecord] { lock.withLock { stored } }

    func write(_ record: HistogramRecord) throws { lock.withLock { stored.append(record) } }
    func flush() throws { lock.withLock { flushes += 1 } }
    func close() throws { lock.withLock { closes += 1 } }
}

/// A sink whose write of one step throws an `io` error (ENOSPC) and signals `failed`; it keeps
/// the steps of the records it wrote.
final class FailingSink: HistogramSink, @unchecked Sendable {
    let failingStep: Int64
    let failed = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var written: [Int64] = []

    init(failingStep: Int64) { self.failingStep = failingStep }

    var steps: [Int64] { lock.withLock { written } }

    func write(_ record: HistogramRecord) throws {
        guard record.step != failingStep else {
            defer { failed.signal() }
            throw HistlogError.io("disk full", errno: ENOSPC)
        }
        lock.withLock { written.append(record.step) }
    }

    func flush() throws {}
    func close() throws {}
}

func fileBytes(_ path: String) -> [UInt8] {
    (try? [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))) ?? []
}

func jsonFiles(in run: String) -> [String] {
    let directory = run + "/histograms"
    return ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted().map { directory + "/" + $0 }
}

/// The records `JSONRecordReader` reads from a file holding `bytes`, in chunks of `chunk` bytes.
/// Error messages name the file `/run/histograms/k.json`, wherever it was written.
func recordsOfFile(_ bytes: [UInt8], chunk: Int = FileWindow.chunk) throws -> [HistogramRecord] {
    let directory = makeTemporaryDirectory()
    defer { removeDirectory(directory) }
    let path = directory + "/k.json"
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    do {
        let reader = JSONRecordReader(try ReadableFile(FilePath(path)), chunk: chunk)
        var records: [HistogramRecord] = []
        while let element = try reader.next() { records.append(element.record) }
        return records
    } catch HistlogError.format(let message) {
        throw HistlogError.format(message.replacingOccurrences(of: directory, with: "/run/histograms"))
    }
}
