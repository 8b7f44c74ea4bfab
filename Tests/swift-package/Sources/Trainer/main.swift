// The Swift example of the README, run by `make test`: log, read back, check.
import Glibc
import HistLog

let runDirectory = CommandLine.arguments.count > 1 ? CommandLine.arguments[1] : "histlog-runs/swift-example"

// README: begin
let logger = try HistogramLogger(runDirectory: runDirectory)
var weights = (0..<10_000).map { i in Float(i % 200) / 100 - 1 }   // -1 ..< 1
for step in 0..<3 {
    try weights.withUnsafeBufferPointer { try logger.log(key: "weights/layer1", step: Int64(step), values: $0) }
    weights = weights.map { $0 * 0.9 }
}
try logger.close()   // flushes

let record = try RunReader(path: runDirectory).record(key: "weights/layer1", step: 2)
let stats = record.summary.statistics
print("step \(record.step): mean \(stats.mean), std \(stats.standardDeviation), median \(stats.median)")
// README: end

// The values logged at step 2 are `weights` before the last scaling.
let logged = weights.map { Double($0 / 0.9) }
let expectedMean = logged.reduce(0, +) / Double(logged.count)
guard stats.totalCount == 10_000, abs(stats.mean - expectedMean) < 1e-6,
      abs(stats.min - logged.min()!) < 1e-6, abs(stats.max - logged.max()!) < 1e-6 else {
    print("unexpected statistics: \(stats)")
    exit(1)
}
