// histlog-bench: the engine's speed on 1M float32 normal values, next to one plain pass over the
// same data (the memory-bandwidth floor). Not API. Run: swift run -c release histlog-bench
// The numpy comparison is bindings/python/benchmarks/bench_engine.py (`make bench` runs both).
import HistLog

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// `--storage`: the logger's records per second and log() latency (StorageBenchmark.swift).
if CommandLine.arguments.dropFirst().first == "--storage" {
    try runStorageBenchmark()
    exit(0)
}

// `--make-run DIR KEYS STEPS`: logs the read benchmark's run (JSON only) for other benchmarks.
if CommandLine.arguments.dropFirst().first == "--make-run", CommandLine.arguments.count == 5,
   let keys = Int(CommandLine.arguments[3]), let steps = Int(CommandLine.arguments[4]) {
    try makeRun(CommandLine.arguments[2], keys: keys, steps: steps)
    exit(0)
}

// `--read`: reading a run, and the summary, doctor and report built on it (ReadBenchmark.swift).
if CommandLine.arguments.dropFirst().first == "--read" {
    try runReadBenchmark(Array(CommandLine.arguments.dropFirst(2)))
    exit(0)
}

// Arguments: [count] [profile <contender index> <calls>] (profile: run one contender in a loop).
let arguments = CommandLine.arguments
let count = arguments.count > 1 ? Int(arguments[1]) ?? 1_000_000 : 1_000_000
let rounds = 21
let distinctArrays = 4

func now() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}

func maxResidentKiB() -> Int {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Int(usage.ru_maxrss)
}

/// Normal values (Box-Muller over SplitMix64), one array per seed.
func normals(_ n: Int, seed: UInt64) -> [Float] {
    var state = seed
    func next() -> Double {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476C_E5E4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Double((z ^ (z >> 31)) >> 11) * 0x1p-53
    }
    return [Float](unsafeUninitializedCapacity: n) { buffer, initialized in
        for i in 0..<n {
            let u = Swift.max(next(), 0x1p-53), v = next()
            buffer[i] = Float((-2 * log(u)).squareRoot() * cos(2 * Double.pi * v))
        }
        initialized = n
    }
}

/// The floor: one streaming pass computing sum and max.
@inline(never) func sumAndMax(_ values: UnsafeBufferPointer<Float>) -> (Float, Float) {
    var sum = SIMD16<Float>(), high = SIMD16<Float>(repeating: -.infinity)
    let raw = UnsafeRawPointer(values.baseAddress!)
    for i in 0..<values.count / 16 {
        let v = raw.loadUnaligned(fromByteOffset: i * 64, as: SIMD16<Float>.self)
        sum += v
        high = high.replacing(with: v, where: v .> high)
    }
    var s = sum.sum(), m = high.max()
    for i in values.count / 16 * 16..<values.count {
        s += values[i]
        m = Swift.max(m, values[i])
    }
    return (s, m)
}

func median(_ x: [Double]) -> Double {
    let s = x.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}
func format(_ x: Double, _ digits: Int = 3) -> String {
    var s = String(Int((x * pow(10, Double(digits))).rounded()))
    while s.count <= digits { s = "0" + s }
    s.insert(".", at: s.index(s.endIndex, offsetBy: -digits))
    return s
}
func pad(_ s: String, _ width: Int) -> String { s + String(repeating: " ", count: Swift.max(0, width - s.count)) }

var sink = 0.0
let arrays = (0..<distinctArrays).map { normals(count, seed: UInt64($0) + 1) }

// Extra memory of one all-statistics call: the peak resident set grows by what it touches.
let residentBefore = maxResidentKiB()
let first = try arrays[0].withUnsafeBufferPointer { try HistogramSummary(values: $0) }
let residentDelta = maxResidentKiB() - residentBefore
guard first.statistics.totalCount == count else { fatalError("wrong total count") }

struct Contender {
    let name: String
    let run: (UnsafeBufferPointer<Float>) throws -> Double
    var times: [Double] = []
}

var contenders = [
    Contender(name: "floor: one pass (sum, max)") { values in
        let (s, m) = sumAndMax(values)
        return Double(s) + Double(m)
    },
    Contender(name: "histogram only (30 bins, auto range)") { values in
        let h = try ValueHistogram(values: values)
        guard Int(h.histogram.counts.reduce(0, +)) == values.count, h.totalCount == values.count else { fatalError("counts do not add up") }
        return h.histogram.counts[15] + h.max
    },
    Contender(name: "all statistics (exact quantiles)") { values in
        let s = try HistogramSummary(values: values)
        guard s.statistics.totalCount == values.count, Int(s.histogram.counts.reduce(0, +)) == values.count else {
            fatalError("counts do not add up")
        }
        return s.statistics.median + s.statistics.kurtosis + Double(s.statistics.outlierCount)
    },
]

if arguments.count > 4, arguments[2] == "profile", let index = Int(arguments[3]), let calls = Int(arguments[4]) {
    var times = [Double]()
    for call in 0..<calls {
        let start = now()
        sink += try arrays[call % distinctArrays].withUnsafeBufferPointer { try contenders[index].run($0) }
        times.append(now() - start)
    }
    print("\(contenders[index].name): median \(format(median(times) * 1e3)) ms, min \(format(times.min()! * 1e3)) ms")
    let sorted = times.sorted()
    print("deciles ms:", (0...10).map { format(sorted[Swift.min(sorted.count - 1, $0 * sorted.count / 10)] * 1e3) }.joined(separator: " "))
    exit(0)
}

for _ in 0..<3 {  // warm-up
    for c in contenders { for a in arrays { sink += try a.withUnsafeBufferPointer { try c.run($0) } } }
}
for round in 0..<rounds {
    let values = arrays[round % distinctArrays]
    for k in 0..<contenders.count {
        let i = (k + round) % contenders.count
        let start = now()
        sink += try values.withUnsafeBufferPointer { try contenders[i].run($0) }
        contenders[i].times.append(now() - start)
    }
}


let floorMedian = median(contenders[0].times)
print("histlog-bench: \(count) float32 normal values, \(rounds) interleaved rounds over \(distinctArrays) arrays (median / min)")
print(pad("contender", 40) + pad("median ms", 12) + pad("min ms", 12) + "x floor")
for c in contenders {
    print(pad(c.name, 40) + pad(format(median(c.times) * 1e3), 12) + pad(format(c.times.min()! * 1e3), 12) + format(median(c.times) / floorMedian, 1))
}
let inputKiB = count * MemoryLayout<Float>.size / 1024
print("passes: histogram only \(format(median(contenders[1].times) / floorMedian, 1)), all statistics \(format(median(contenders[2].times) / floorMedian, 1)) (median / the floor's median)")
print("extra memory of one all-statistics call: \(residentDelta) KiB peak resident-set growth (getrusage ru_maxrss delta), input \(inputKiB) KiB (\(format(Double(residentDelta) / Double(inputKiB), 2)) of the input)")

// Threads (`EngineThreads`): 10M values, one thread next to two, interleaved as above.
if arguments.count <= 2 {
    let large = (0..<2).map { normals(10_000_000, seed: UInt64($0) + 11) }
    let reference = try large[0].withUnsafeBufferPointer { try HistogramSummary(values: $0) }
    var threaded: [(name: String, threads: Int, statistics: Bool, times: [Double])] = [
        ("all statistics, 1 thread", 1, true, []), ("all statistics, 2 threads", 2, true, []),
        ("histogram only, 1 thread", 1, false, []), ("histogram only, 2 threads", 2, false, []),
    ]
    for round in 0..<(rounds / 2 + 2) {
        let values = large[round % large.count]
        for k in 0..<threaded.count {
            let i = (k + round) % threaded.count
            EngineThreads.setMaximum(threaded[i].threads)
            let start = now()
            sink += try values.withUnsafeBufferPointer { buffer in
                if threaded[i].statistics {
                    let s = try HistogramSummary(values: buffer)
                    if round % large.count == 0 && s != reference { fatalError("threads changed the summary") }
                    return s.statistics.median
                }
                return try ValueHistogram(values: buffer).histogram.counts[15]
            }
            if round >= 2 { threaded[i].times.append(now() - start) }
        }
    }
    EngineThreads.setMaximum(1)
    print("\n10,000,000 float32 normal values, \(rounds / 2) interleaved rounds (summaries equal whatever the threads)")
    print(pad("contender", 40) + pad("median ms", 12) + "min ms")
    for t in threaded { print(pad(t.name, 40) + pad(format(median(t.times) * 1e3), 12) + format(t.times.min()! * 1e3)) }
}
if sink.isNaN { print("") }
