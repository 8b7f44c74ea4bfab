import Foundation
import Testing
@testable import HistLog

@Suite struct HistogramLoggerTests {
    @Test func logsFlushesAndReadsBack() throws {
        let run = makeTemporaryDirectory() + "/nested/run"
        defer { removeDirectory(run) }
        let memory = MemorySink()
        let logger = try HistogramLogger(runDirectory: run, options: LoggerOptions(additionalSinks: [memory]))
        var logged: [HistogramRecord] = []
        for step in 0..<20 {
            for key in ["weights/layer1", "loss", "Gradients/fc.bias"] {
                let record = HistogramRecord(key: key, step: Int64(step), timestamp: 1_763_900_000 + Double(step) / 8,
                                             summary: sampleSummary(bins: 3 + step % 4, seed: Double(step)))
                try logger.log(key: record.key, step: record.step, summary: record.summary, timestamp: record.timestamp)
                logged.append(record)
            }
        }
        try logger.flush()
        // The custom sink saw every record, in order, and the flush.
        #expect(memory.records.count == logged.count)
        #expect(zip(memory.records, logged).allSatisfy(sameRecord))
        #expect(memory.flushes >= 1)

        let reader = try RunReader(path: run)
        #expect(reader.keys == ["Gradients/fc.bias", "loss", "weights/layer1"])
        for key in reader.keys {
            let expected = logged.filter { $0.key == key }
            let history = try reader.history(key: key)
            #expect(history.count == expected.count && zip(history, expected).allSatisfy(sameRecord))
            #expect(try reader.steps(key: key) == (0..<20).map(Int64.init))
            #expect(sameRecord(try reader.record(key: key, step: 7), expected[7]))
        }
        #expect(throws: HistlogError.self) { try reader.history(key: "missing") }
        #expect(throws: HistlogError.self) { try reader.record(key: "loss", step: 99) }
        try logger.close()
        #expect(memory.closes == 1)
    }

    @Test func defaultTimestampIsNow() throws {
        let run = makeTemporaryDirectory()
        defer { removeDirectory(run) }
        let before = Date().timeIntervalSince1970
        let logger = try HistogramLogger(runDirectory: run, options: LoggerOptions(tensorBoard: false))
        try logger.log(key: "k", step: 0, summary: sampleSummary())
        try logger.close()
        let after = Date().timeIntervalSince1970
        let timestamp = try RunReader(path: run).record(key: "k", step: 0).timestamp
        #expect(timestamp >= before - 0.01 && timestamp <= after + 0.01)
        #expect(timestamp != timestamp.rounded(), "fractional seconds expected (could fail once in ~10^6 runs)")
    }

    @Test func sameStepTwiceKeepsBothAndReturnsTheLast() throws {
        let run = makeTemporaryDirectory()
        defer { removeDirectory(run) }
        let logger = try HistogramLogger(runDirectory: run)
        try logger.log(key: "k", step: 5, summary: sampleSummary(seed: 1), timestamp: 10)
        try logger.log(key: "k", step: 5, summary: sampleSummary(seed: 2), timestamp: 11)
        try logger.log(key: "k", step: 4, summary: sampleSummary(seed: 3), timestamp: 12)
        try logger.close()
        let reader = try RunReader(path: run)
        #expect(try reader.steps(key: "k") == [5, 5, 4])
        #expect(try reader.record(key: "k", step: 5).timestamp == 11)
    }

    @Test func reopeningAppends() throws {
        let run = makeTemporaryDirectory()
        defer { removeDirectory(run) }
        for step in 0..<3 {
            let logger = try HistogramLogger(runDirectory: run)
            try logger.log(key: "k", step: Int64(step), summary: sampleSummary(), timestamp: 1)
            try logger.close()
        }
        #expect(try RunReader(path: run).steps(key: "k") == [0, 1, 2])
    }

    @Test func badInputIsANamedErrorAndKeepsEarlierRecords() throws {
        let run = makeTemporaryDirectory()
        defer { removeDirectory(run) }
        let logger = try HistogramLogger(runDirectory: run)
        try logger.log(key: "k", step: 0, summary: sampleSummary(), timestamp: 1)
        #expect(throws: HistlogError.invalidArgument("key must be a non-empty string")) {
            try logger.log(key: "", step: 1, summary: sampleSummary())
        }
        #expect(throws: HistlogError.self) { try logger.log(key: "a\u{0}", step: 1, summary: sampleSummary()) }
        #expect(throws: HistlogError.self) { try logger.log(key: "k", step: 1, edges: [0, 1, 2], counts: [1]) }
        #expect(throws: HistlogError.self) { try logger.log(key: "k", step: 1, summary: sampleSummary(), timestamp: .nan) }
        #expect(throws: HistlogError.self) { try logger.log(key: "k", step: 1, summary: sampleSummary(), timestamp: -1) }
        var broken = sampleSummary()
        broken.histogram.counts.removeLast()
        #expect(throws: HistlogError.self) { try logger.log(key: "k", step: 1, summary: broken) }
        try logger.log(key: "k", step: 2, summary: sampleSummary(), timestamp: 2)
        try logger.close()
        #expect(try RunReader(path: run).steps(key: "k") == [0, 2])
        #expect(throws: HistlogError.closed("the logger is closed")) { try logger.log(key: "k", step: 3, summary: sampleSummary()) }
        #expect(throws: HistlogError.self) { try logger.flush() }
        #expect(throws: HistlogError.self) { try logger.close() }
    }

    @Test func unusableRunDirectoriesAreNamedErrors() throws {
        let parent = makeTemporaryDirectory()
        defer { removeDirectory(parent) }
        let file = parent + "/file"
        #expect(FileManager.default.createFile(atPath: file, contents: Data("x".utf8)))
        #expect(throws: HistlogError.io("\(file) exists and is not a directory", errno: ENOTDIR)) { try HistogramLogger(runDirectory: file) }
        #expect(throws: HistlogError.self) { try HistogramLogger(runDirectory: file + "/run") }
        #expect(throws: HistlogError.self) { try HistogramLogger(runDirectory: "") }
        #expect(throws: HistlogError.self) { try HistogramLogger(runDirectory: parent, options: LoggerOptions(queueCapacity: 0)) }
        #expect(throws: HistlogError.self) { try HistogramLogger(runDirectory: parent, options: LoggerOptions(json: false, tensorBoard: false)) }
        // Not writable: permissions for a normal user; root ignores them, so use /proc there.
        let readOnly = parent + "/read-only"
        try FileManager.default.createDirectory(atPath: readOnly, withIntermediateDirectories: false)
        chmod(readOnly, 0o555)
        let unwritable = getuid() == 0 ? "/proc/histlog-run" : readOnly
        do {
            _ = try HistogramLogger(runDirectory: unwritable)
            Issue.record("an unwritable run directory was accepted")
        } catch let error as HistlogError {
            #expect(error.errno != 0 && error.message.contains(unwritable))
        }
        chmod(readOnly, 0o755)
    }

    @Test func writeFailuresAreReportedByFlushAndOtherKeysContinue() throws {
        let run = makeTemporaryDirectory()
        defer { removeDirectory(run) }
        // The gate holds the writer inside the first record until both failing ones are queued,
        // so no log below meets a failure not yet reported.
        let gate = GateSink()
        let logger = try HistogramLogger(runDirectory: run, options: LoggerOptions(tensorBoard: false, additionalSinks: [gate]))
        // A full disk: the key's file is /dev/full, where every write fails with ENOSPC.
        let fullName = try HistogramFileName.forKey("full")
        try FileManager.default.createSymbolicLink(atPath: run + "/histograms/" + fullName, withDestinationPath: "/dev/full")
        try logger.log(key: "ok", step: 0, summary: sampleSummary(), timestamp: 1)
        try logger.log(key: "full", step: 0, summary: sampleSummary(), timestamp: 1)
        try logger.log(key: "full", step: 1, summary: sampleSummary(), timestamp: 1)
        gate.open()
        do {
            try logger.flush()
            Issue.record("flush should report the failed writes")
        } catch let error as HistlogError {
            guard case .io(let message, let code) = error else { throw error }
            #expect(code == ENOSPC)
            #expect(message.contains("\"full\" step 0") && message.contains("No space left on device") && message.contains("1 more"))
        }
        try logger.flush()  // reported once
        try logger.log(key: "ok", step: 1, summary: sampleSummary(), timestamp: 1)
        try logger.close()
        try FileManager.default.removeItem(atPath: run + "/histograms/" + fullName)
        #expect(try RunReader(path: run).steps(key: "ok") == [0, 1])
    }

    /// A later `log` reports a failure the writer met after an earlier `log` returned, and
    /// queues nothing: the record of a `log` that throws is in no sink.
    @Test func aFailedWriteIsReportedByALaterLogWhichQueuesNothing() throws {
        let run = makeTemporaryDirectory()
        defer { removeDirectory(run) }
        let failing = FailingSink(failingStep: 0)
        let logger = try HistogramLogger(runDirectory: run, options: LoggerOptions(tensorBoard: false, additionalSinks: [failing]))
        try logger.log(key: "k", step: 0, summary: sampleSummary(), timestamp: 1)
        failing.failed.wait()  // the writer met the failure; it is reported once the record is done
        var step: Int64 = 1
        while true {
            do {
                try logger.log(key: "k", step: step, summary: sampleSummary(), timestamp: 1)
                step += 1
                usleep(1000)
            } catch let error as HistlogError {
                #expect(error == .io("writing \"k\" step 0: disk full", errno: ENOSPC))
                break
            }
        }
        try logger.log(key: "k", step: step + 1, summary: sampleSummary(), timestamp: 1)
        try logger.close()
        let written = Array(1..<step) + [step + 1]
        #expect(failing.steps == written)
        #expect(try RunReader(path: run).steps(key: "k") == [0] + written)  // the JSON sink wrote step 0
    }

    /// A file deleted while the logger holds it open is made again at the next record; a run
    /// directory deleted while logging is an `io` error naming the file, with ENOENT.
    @Test func deletedFilesAreRemadeAndADeletedRunIsANamedError() throws {
        let run = makeTemporaryDirectory()
        defer { removeDirectory(run) }
        let logger = try HistogramLogger(runDirectory: run)
        try logger.log(key: "k", step: 0, summary: sampleSummary(), timestamp: 1)
        try logger.flush()
        let eventFiles = ProcessTests.eventFiles(run)
        for name in eventFiles { try FileManager.default.removeItem(atPath: run + "/" + name) }
        try FileManager.default.removeItem(atPath: run + "/histograms/k.json")
        try logger.log(key: "k", step: 1, summary: sampleSummary(), timestamp: 1)
        try logger.flush()
        #expect(try RunReader(path: run).steps(key: "k") == [1])
        let newEventFiles = ProcessTests.eventFiles(run)
        #expect(newEventFiles.count == 1 && newEventFiles.isDisjoint(with: eventFiles))
        #expect(try RunReader(path: run + "/" + newEventFiles.first!).steps(key: "k") == [1])

        removeDirectory(run)
        try logger.log(key: "k", step: 2, summary: sampleSummary(), timestamp: 1)
        do {
            try logger.flush()
            Issue.record("flush should report the deleted run directory")
        } catch let error as HistlogError {
            #expect(error.errno == ENOENT)
            #expect(error.message.contains(run + "/histograms/k.json") && error.message.contains("1 more"))
        }
        #expect(FileKind(path: run) == .missing)  // not made again behind the user's back
        try logger.close()  // the failures were reported
    }

    @Test func durableLoggersWriteLikeTheOthers() throws {
        let run = makeTemporaryDirectory() + "/new/run"
        defer { removeDirectory(run) }
        let logger = try HistogramLogger(runDirectory: run, options: LoggerOptions(durable: true))
        for step in 0..<3 {
            for key in ["a", "b/c"] { try logger.log(key: key, step: Int64(step), summary: sampleSummary(), timestamp: 1) }
            try logger.flush()
        }
        try logger.close()
        let reader = try RunReader(path: run)
        #expect(reader.keys == ["a", "b/c"])
        #expect(try reader.steps(key: "b/c") == [0, 1, 2])
    }

    /// A forked child has no writer thread: its calls throw `closed` instead of waiting forever,
    /// and the parent's logger goes on working.
    @Test func aForkedChildCannotUseItsParentsLogger() throws {
        let run = makeTemporaryDirectory()
        defer { removeDirectory(run) }
        let logger = try HistogramLogger(runDirectory: run)
        try logger.log(key: "k", step: 0, summary: sampleSummary(), timestamp: 1)
        let child = fork()
        if child == 0 {
            var refused = 0
            do { try logger.log(key: "k", step: 1, summary: sampleSummary(), timestamp: 1) } catch HistlogError.closed { refused += 1 } catch {}
            do { try logger.flush() } catch HistlogError.closed { refused += 1 } catch {}
            do { try logger.close() } catch HistlogError.closed { refused += 1 } catch {}
            _exit(refused == 3 ? 0 : 1)
        }
        try #require(child > 0)
        var status: Int32 = 0
        waitpid(child, &status, 0)
        #expect(status == 0, "the child's calls were not all refused with .closed")
        try logger.log(key: "k", step: 2, summary: sampleSummary(), timestamp: 1)
        try logger.close()
        #expect(try RunReader(path: run).steps(key: "k") == [0, 2])
    }

    /// The writer is held inside its first write: `log` returns for the record being written and
    /// `queueCapacity` queued ones, then waits until the writer moves on.
    @Test func aFullQueueMakesLogWait() throws {
        let gate = GateSink()
        let logger = try HistogramLogger(runDirectory: makeTemporaryDirectory(),
                                         options: LoggerOptions(json: false, tensorBoard: false, queueCapacity: 3, additionalSinks: [gate]))
        let returned = Counter()
        let producer = Thread {
            for step in 0..<10 {
                try? logger.log(key: "k", step: Int64(step), summary: sampleSummary(), timestamp: 1)
                returned.increment()
            }
        }
        producer.start()
        while returned.value < 4 { usleep(1000) }
        usleep(100_000)
        #expect(returned.value == 4, "1 being written + 3 queued; the 5th log must wait")
        gate.open()
        while returned.value < 10 { usleep(1000) }
        try logger.close()
        #expect(gate.steps == (0..<10).map(Int64.init))
    }
}

final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    var value: Int { lock.withLock { count } }
    func increment() { lock.withLock { count += 1 } }
}

/// Blocks every write until `open()` is called.
final class GateSink: HistogramSink, @unchecked Sendable {
    private let condition = NSCondition()
    private var isOpen = false
    private var written: [Int64] = []
    var steps: [Int64] { condition.withLock { written } }

    func open() { condition.withLock { isOpen = true; condition.broadcast() } }
    func write(_ record: HistogramRecord) throws {
        condition.withLock {
            while !isOpen { condition.wait() }
            written.append(record.step)
        }
    }
    func flush() throws {}
    func close() throws {}
}
