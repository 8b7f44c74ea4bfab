import Foundation
import Testing
@testable import HistLog

/// Run also under ThreadSanitizer: `swift test --sanitize=thread --filter ConcurrencyTests`.
@Suite struct ConcurrencyTests {
    static let threads = 8
    static let recordsPerThread = 500

    /// The summary, doctor and report read a run's keys on several threads: every record comes
    /// back, in order, and of two broken files the first in key order is the one reported.
    @Test func filesReadOnSeveralThreadsKeepEveryRecordAndTheFirstError() throws {
        let run = makeTemporaryDirectory()
        defer { removeDirectory(run) }
        let sink = try JSONHistogramSink(runDirectory: run)
        let keys = (0..<24).map { "layer\($0)/weight" }
        for step in 0..<30 {
            for (index, key) in keys.enumerated() {
                try sink.write(HistogramRecord(key: key, step: Int64(step), timestamp: Double(index), summary: sampleSummary(seed: Double(step))))
            }
        }
        try sink.close()
        let reader = try RunReader(path: run)
        #expect(reader.keys == keys.sorted())
        for (index, key) in keys.enumerated() {
            let history = try reader.history(key: key)
            #expect(history.map(\.step) == (0..<30).map(Int64.init))
            #expect(history.allSatisfy { $0.key == key && $0.timestamp == Double(index) })
        }
        #expect(concurrentMap(1000) { $0 * 3 } == (0..<1000).map { $0 * 3 })

        let files = jsonFiles(in: run).sorted()
        for path in [files[17], files[5]] {
            var bytes = fileBytes(path)
            bytes[bytes.count / 2] = UInt8(ascii: "#")  // inside a complete line
            try Data(bytes).write(to: URL(fileURLWithPath: path))
        }
        let brokenReader = try RunReader(path: run)
        let broken = try keys.sorted().filter { key in
            let path = try #require(files.first { $0.hasSuffix(try HistogramFileName.forKey(key)) })
            return path == files[5] || path == files[17]
        }
        #expect(broken.count == 2)
        #expect(throws: HistlogError.self) { try brokenReader.history(key: broken[1]) }
        let first = try #require(try? HistogramFileName.forKey(broken[0]))
        for _ in 0..<3 {
            #expect {
                try RunInspection(path: run).summaryText()
            } throws: { error in
                let message = (error as? HistlogError)?.message ?? ""
                return message.contains(first + " line ")
            }
        }
    }

    @Test func manyThreadsIntoOneRunLoseNothing() throws {
        let run = makeTemporaryDirectory()
        defer { removeDirectory(run) }
        let memory = MemorySink()
        let logger = try HistogramLogger(runDirectory: run, options: LoggerOptions(queueCapacity: 64, additionalSinks: [memory]))
        let summary = sampleSummary()
        DispatchQueue.concurrentPerform(iterations: Self.threads) { thread in
            for index in 0..<Self.recordsPerThread {
                // Half the threads share one key, the others have their own.
                let key = thread % 2 == 0 ? "shared/key" : "thread/\(thread)"
                try! logger.log(key: key, step: Int64(thread * 100_000 + index), summary: summary, timestamp: 1)
                if index % 97 == 0 { try! logger.flush() }
            }
        }
        try logger.close()
        let total = Self.threads * Self.recordsPerThread
        #expect(memory.records.count == total)
        let reader = try RunReader(path: run)
        var steps: [Int64] = []
        for key in reader.keys { steps += try reader.steps(key: key) }
        #expect(steps.count == total)
        #expect(Set(steps).count == total)
        // Each thread's records appear in the order that thread logged them.
        for thread in 0..<Self.threads {
            let key = thread % 2 == 0 ? "shared/key" : "thread/\(thread)"
            let mine = try reader.steps(key: key).filter { $0 / 100_000 == thread }
            #expect(mine == (0..<Self.recordsPerThread).map { Int64(thread * 100_000 + $0) })
        }
        for path in jsonFiles(in: run) { #expect((try? JSONSerialization.jsonObject(with: Data(fileBytes(path)))) != nil) }
    }

    @Test func closeWhileLoggingNeverLosesAcceptedRecords() throws {
        let run = makeTemporaryDirectory()
        defer { removeDirectory(run) }
        let memory = MemorySink()
        let logger = try HistogramLogger(runDirectory: run, options: LoggerOptions(json: false, tensorBoard: false, queueCapacity: 4, additionalSinks: [memory]))
        let accepted = Counter()
        DispatchQueue.concurrentPerform(iterations: 4) { thread in
            if thread == 0 {
                usleep(2000)
                try? logger.close()
                return
            }
            for step in 0..<2000 {
                do {
                    try logger.log(key: "k", step: Int64(step), summary: sampleSummary(), timestamp: 1)
                    accepted.increment()
                } catch {
                    #expect(error as? HistlogError == .closed("the logger is closed"))
                    return
                }
            }
        }
        #expect(memory.records.count == accepted.value)
    }
}
