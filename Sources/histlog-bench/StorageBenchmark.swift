// `histlog-bench --storage`: what logging costs. For 128-value and 1M-value float32 inputs,
// interleaved rounds of three contenders over the same arrays:
//   summary only          HistogramSummary(values:) — the work log() must do on the caller's thread
//   log JSON + flush      a logger with the JSON sink only; a batch of log() calls, then flush()
//   log JSON+TB + flush   both sinks (the default)
// Reported: records per second (batch / (batch of logs + flush)), and the time of each log()
// call as the caller sees it (median and 99th percentile over every call), next to the summary.
// Then flush latency with and without `durable` (`runFlushBenchmark`).
import HistLog

#if canImport(Glibc)
import Glibc
#endif

private func monotonicSeconds() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}

private func percentile(_ values: [Double], _ p: Double) -> Double {
    let sorted = values.sorted()
    return sorted[Swift.min(sorted.count - 1, Int((Double(sorted.count - 1) * p).rounded()))]
}

/// `x` with `digits` decimals (no Foundation formatting in the benchmarks).
func fixed(_ x: Double, _ digits: Int) -> String {
    let scale = pow(10, Double(digits))
    let whole = Int((x * scale).rounded())
    let text = String(whole / Int(scale))
    guard digits > 0 else { return text }
    let fraction = String(abs(whole) % Int(scale))
    return text + "." + String(repeating: "0", count: digits - fraction.count) + fraction
}

/// `s` padded with spaces to `width`.
func column(_ s: String, _ width: Int) -> String { s + String(repeating: " ", count: Swift.max(0, width - s.count)) }

func runStorageBenchmark() throws {
    var template = Array("/tmp/histlog-bench-storage-XXXXXX".utf8CString)
    let root = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
    defer { _ = system("rm -rf '\(root)'") }

    print("histlog-bench --storage: float32 normal values, 30 bins, 16 keys cycling; interleaved rounds (median / min per round)")
    print(column("input", 10) + column("contender", 22) + column("records/s", 12) + column("per record µs", 22)
        + column("log() median µs", 17) + column("log() p99 µs", 14) + "x summary")
    for (valueCount, batch, rounds) in [(128, 2000, 15), (1_000_000, 8, 15)] {
        let arrays = (0..<4).map { normals(valueCount, seed: UInt64($0) + 11) }
        let keys = (0..<16).map { "layer\($0)/weight" }

        struct Result { var perRecord: [Double] = []; var calls: [Double] = [] }
        let names = ["summary only", "log JSON + flush", "log JSON+TB + flush"]
        var results = Array(repeating: Result(), count: names.count)
        let loggers = [
            try HistogramLogger(runDirectory: "\(root)/\(valueCount)-json", options: LoggerOptions(tensorBoard: false)),
            try HistogramLogger(runDirectory: "\(root)/\(valueCount)-all"),
        ]
        var checksum = 0.0
        var logged = [0, 0]

        func runRound(_ contender: Int, _ values: [Float], record: Bool) throws {
            var calls: [Double] = []
            calls.reserveCapacity(batch)
            let start = monotonicSeconds()
            try values.withUnsafeBufferPointer { buffer in
                for index in 0..<batch {
                    let callStart = monotonicSeconds()
                    if contender == 0 {
                        let summary = try HistogramSummary(values: buffer)
                        checksum += summary.statistics.median
                    } else {
                        try loggers[contender - 1].log(key: keys[index % keys.count], step: Int64(index), values: buffer)
                    }
                    calls.append(monotonicSeconds() - callStart)
                }
            }
            if contender > 0 {
                try loggers[contender - 1].flush()
                logged[contender - 1] += batch
            }
            let elapsed = monotonicSeconds() - start
            if record {
                results[contender].perRecord.append(elapsed / Double(batch))
                results[contender].calls += calls
            }
        }

        for contender in names.indices { try runRound(contender, arrays[0], record: false) }  // warm-up
        for round in 0..<rounds {
            for k in names.indices { try runRound((k + round) % names.count, arrays[round % arrays.count], record: true) }
        }
        for logger in loggers { try logger.close() }

        // Check the answer: every logged record is on disk, with all its values counted.
        for (index, suffix) in ["json", "all"].enumerated() {
            let reader = try RunReader(path: "\(root)/\(valueCount)-\(suffix)")
            var records = 0
            for key in reader.keys {
                for record in try reader.history(key: key) {
                    guard record.summary.statistics.totalCount == valueCount else { fatalError("wrong total count on disk") }
                    records += 1
                }
            }
            guard records == logged[index] else { fatalError("\(suffix): \(records) records on disk, \(logged[index]) logged") }
        }

        let summaryMedian = percentile(results[0].perRecord, 0.5)
        let label = valueCount >= 1_000_000 ? "\(valueCount / 1_000_000)M" : "\(valueCount)"
        for (index, name) in names.enumerated() {
            let perRecord = percentile(results[index].perRecord, 0.5)
            print(column(label, 10) + column(name, 22) + column(fixed(1 / perRecord, 0), 12)
                + column(fixed(perRecord * 1e6, 1) + " / " + fixed(results[index].perRecord.min()! * 1e6, 1), 22)
                + column(fixed(percentile(results[index].calls, 0.5) * 1e6, 1), 17)
                + column(fixed(percentile(results[index].calls, 0.99) * 1e6, 1), 14)
                + fixed(perRecord / summaryMedian, 2))
        }
        if checksum.isNaN { print("") }
    }
    print("records on disk checked after each input size: counts and totals as logged")
    try runFlushBenchmark()
}

/// The type of the file system holding `path` (`stat -f`): fsync costs nothing on a tmpfs.
private func fileSystemName(_ path: String) -> String {
    guard let pipe = popen("stat -f -c %T '\(path)'", "r") else { return "unknown" }
    defer { pclose(pipe) }
    var line = [CChar](repeating: 0, count: 64)
    guard fgets(&line, Int32(line.count), pipe) != nil else { return "unknown" }
    return String(decoding: line.prefix { $0 != 0 && $0 != 10 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// What `flush()` costs a training step that logged `keys` histograms of 1,000 float32 values,
/// with `durable` off (write system calls only) and on (fsync of every file written, plus the
/// run directory's when a file was created). Interleaved rounds, one logger each, in a directory
/// on the project's disk (under .build/, not /tmp, which may be a tmpfs).
func runFlushBenchmark() throws {
    var template = Array(".build/histlog-bench-flush-XXXXXX".utf8CString)
    guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
        throw HistlogError.io("cannot create a directory under .build/ (run from the repository root)")
    }
    let root = String(cString: made)
    defer { _ = system("rm -rf '\(root)'") }
    let rounds = 15
    print("")
    print("flush() latency after a step that logged N keys of 1,000 float32 values, durable off / on; "
        + "\(rounds) interleaved rounds, \(fileSystemName(root)) (median / min / max ms)")
    print(column("keys", 6) + column("durable=false", 28) + column("durable=true", 28) + "ratio of medians")
    let values = normals(1000, seed: 5)
    for keyCount in [1, 16, 64] {
        let keys = (0..<keyCount).map { "layer\($0)/weight" }
        let loggers = try [false, true].map { durable in
            try HistogramLogger(runDirectory: "\(root)/\(keyCount)-\(durable)", options: LoggerOptions(durable: durable))
        }
        var flushes: [[Double]] = [[], []]
        for round in 0..<(rounds + 1) {  // round 0 warms up (and creates the files)
            for k in 0..<2 {
                let contender = (k + round) % 2
                try values.withUnsafeBufferPointer { buffer in
                    for key in keys { try loggers[contender].log(key: key, step: Int64(round), values: buffer) }
                }
                let start = monotonicSeconds()
                try loggers[contender].flush()
                if round > 0 { flushes[contender].append(monotonicSeconds() - start) }
            }
        }
        for logger in loggers { try logger.close() }
        for durable in [false, true] {  // the answer: every record of every key on disk
            let reader = try RunReader(path: "\(root)/\(keyCount)-\(durable)")
            guard reader.keys.count == keyCount, try reader.keys.allSatisfy({ try reader.steps(key: $0).count == rounds + 1 }) else {
                fatalError("durable=\(durable): records missing on disk")
            }
        }
        func cell(_ times: [Double]) -> String {
            "\(fixed(percentile(times, 0.5) * 1e3, 3)) / \(fixed(times.min()! * 1e3, 3)) / \(fixed(times.max()! * 1e3, 3))"
        }
        print(column("\(keyCount)", 6) + column(cell(flushes[0]), 28) + column(cell(flushes[1]), 28)
            + fixed(percentile(flushes[1], 0.5) / percentile(flushes[0], 0.5), 1) + "x")
    }
    print("records on disk checked: every key, every round")
}
