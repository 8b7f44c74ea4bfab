// `histlog-bench --read [--keys 500] [--steps 1000] [--rounds 5] [--run DIR]`: what reading a run
// costs. Logs KEYS keys x STEPS steps (128 float32 values a record, 30 bins, JSON only) into DIR
// unless it already holds a run of that shape, then times in interleaved rounds (order rotated;
// `--only read` times one contender):
//   read        every key's records (RunReader.history(key:)), keys read on two threads
//   one key     RunReader(path:) and the history of one key (what `get` and `history` read)
//   summary     RunInspection(path:).summaryText()          (`histlog summary`)
//   doctor      RunInspection(path:).findings()             (`histlog doctor`)
//   report      RunInspection(path:).writeHTMLReport(to:)   (`histlog report`)
// Reported: median and min seconds, and for `read` MB/s of JSON and records/s.
// Python's json.load and orjson on the same files: bindings/python/benchmarks/bench_read.py.
import Dispatch
import HistLog

#if canImport(Glibc)
import Glibc
#endif

private func seconds() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}

/// Total size of the regular files directly in `directory`.
private func directoryBytes(_ directory: String) -> Int {
    guard let handle = opendir(directory) else { return 0 }
    defer { closedir(handle) }
    var total = 0
    while let entry = readdir(handle) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
        var info = stat()
        if stat(directory + "/" + name, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG { total += Int(info.st_size) }
    }
    return total
}

func makeRun(_ path: String, keys: Int, steps: Int) throws {
    let pool = (0..<16).map { normals(128, seed: UInt64($0) + 101) }
    let roles = ["Parameters", "Gradients", "Activations"]
    let names = (0..<keys).map { "\(roles[$0 % 3])/block\($0 / 30)/layer\($0 % 30).weight" }
    let logger = try HistogramLogger(runDirectory: path, options: LoggerOptions(tensorBoard: false))
    var values = [Float](repeating: 0, count: 128)
    for step in 0..<steps {
        let drift = Float(1 + Double(step) / Double(steps))
        for (k, name) in names.enumerated() {
            let source = pool[(k + step) % pool.count]
            for i in 0..<128 { values[i] = name.hasPrefix("Activations") ? Swift.max(source[i] * drift, 0) : source[i] * drift }
            try values.withUnsafeBufferPointer { try logger.log(key: name, step: Int64(step), values: $0) }
        }
    }
    try logger.close()
}

func runReadBenchmark(_ arguments: [String]) throws {
    func option(_ name: String, _ fallback: Int) -> Int {
        guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count, let value = Int(arguments[index + 1]) else { return fallback }
        return value
    }
    let keys = option("--keys", 500), steps = option("--steps", 1000), rounds = option("--rounds", 5)
    let run = arguments.firstIndex(of: "--run").flatMap { $0 + 1 < arguments.count ? arguments[$0 + 1] : nil }
        ?? "/tmp/histlog-bench-read-\(keys)x\(steps)"

    let existing = try? RunReader(path: run)
    if existing?.keys.count != keys || (try? existing?.steps(key: existing!.keys[0]).count) != steps {
        _ = system("rm -rf '\(run)'")
        let started = seconds()
        try makeRun(run, keys: keys, steps: steps)
        print("logged \(keys) keys x \(steps) steps into \(run) in \(fixed(seconds() - started, 1)) s")
    }
    let bytes = Double(directoryBytes(run + "/histograms"))
    let records = Double(keys * steps)
    let html = run + ".html"
    print("histlog-bench --read: \(keys) keys x \(steps) steps, \(fixed(bytes / 1e6, 1)) MB of JSON in \(run)/histograms; "
        + "\(rounds) interleaved rounds (median / min)")

    var checksum = 0
    let allContenders: [(name: String, body: () throws -> Void)] = [
        ("read (RunReader)", {
            let reader = try RunReader(path: run)
            let keys = reader.keys
            nonisolated(unsafe) let counts = UnsafeMutableBufferPointer<Int>.allocate(capacity: keys.count)
            defer { counts.deallocate() }
            DispatchQueue.concurrentPerform(iterations: 2) { thread in
                for index in stride(from: thread, to: keys.count, by: 2) { counts[index] = (try? reader.history(key: keys[index]).count) ?? -1 }
            }
            guard counts.reduce(0, +) == keys.count * steps else { throw HistlogError.format("read \(counts.reduce(0, +)) records") }
            checksum &+= counts.reduce(0, +)
        }),
        ("one key", {
            let reader = try RunReader(path: run)
            checksum &+= try reader.history(key: reader.keys[reader.keys.count / 2]).count
        }),
        ("summary", { checksum &+= try RunInspection(path: run).summaryText().utf8.count }),
        ("doctor", { checksum &+= try RunInspection(path: run).findings().count }),
        ("report", { checksum &+= try RunInspection(path: run).writeHTMLReport(to: html).count }),
    ]
    // `--only read`: one contender (for profiling).
    let only = arguments.firstIndex(of: "--only").flatMap { $0 + 1 < arguments.count ? arguments[$0 + 1] : nil }
    let contenders = only.map { name in allContenders.filter { $0.name.hasPrefix(name) } } ?? allContenders
    var times = Array(repeating: [Double](), count: contenders.count)
    for round in 0..<rounds {
        for offset in 0..<contenders.count {
            let index = (round + offset) % contenders.count
            let started = seconds()
            try contenders[index].body()
            times[index].append(seconds() - started)
        }
    }
    print(column("contender", 20) + column("median s", 11) + column("min s", 11) + column("MB/s", 10) + "records/s")
    for (index, contender) in contenders.enumerated() {
        let sorted = times[index].sorted()
        let median = sorted[sorted.count / 2]
        let rate = contender.name.hasPrefix("read") ? column(fixed(bytes / 1e6 / median, 1), 10) + fixed(records / median, 0) : ""
        print(column(contender.name, 20) + column(fixed(median, 3), 11) + column(fixed(sorted[0], 3), 11) + rate)
    }
    if checksum == 0 { print("(checksum \(checksum))") }
}
