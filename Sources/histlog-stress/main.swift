// histlog-stress: logs records into a run and prints, after each flush, how many are durable.
// Test support for the crash and multi-process tests (Tests/HistLogTests/Logging/); not API.
//
// Usage: histlog-stress <run> <key> <first step> <records> <flush every> <bins> [values]
// Step i of the run is `first step + i`; every `flush every` records it flushes and prints
// "flushed <count>" (records 0..<count are then durable). Ends with "done".
import Glibc
import HistLog

/// One line straight to standard output (unbuffered: a SIGKILL must not swallow it).
func report(_ line: String) {
    let bytes = Array((line + "\n").utf8)
    _ = bytes.withUnsafeBytes { write(1, $0.baseAddress, $0.count) }
}

let arguments = CommandLine.arguments
guard arguments.count >= 7, let firstStep = Int64(arguments[3]), let records = Int(arguments[4]),
      let flushEvery = Int(arguments[5]), let bins = Int(arguments[6]), flushEvery >= 1 else {
    report("usage: histlog-stress <run> <key> <first step> <records> <flush every> <bins> [values]")
    exit(2)
}
let run = arguments[1]
let key = arguments[2]
let valueCount = arguments.count > 7 ? Int(arguments[7]) ?? 1000 : 1000

do {
    let logger = try HistogramLogger(runDirectory: run, options: LoggerOptions(queueCapacity: 16))
    var values = [Float](repeating: 0, count: valueCount)
    for index in 0..<records {
        for position in values.indices { values[position] = Float((position * 7919 + index) % 1000) / 1000 }
        try values.withUnsafeBufferPointer { buffer in
            try logger.log(key: key, step: firstStep + Int64(index), values: buffer, bins: BinConfig(bins: bins))
        }
        if (index + 1) % flushEvery == 0 {
            try logger.flush()
            report("flushed \(index + 1)")
        }
    }
    try logger.close()
    report("flushed \(records)")
    report("done")
} catch {
    report("error: \(error)")
    exit(1)
}
