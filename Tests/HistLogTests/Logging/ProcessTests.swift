import Foundation
import Testing
@testable import HistLog

/// Runs `histlog-stress` (Sources/histlog-stress) as separate processes.
@Suite(.serialized) struct ProcessTests {
    /// The stress executable, built next to the test bundle.
    static func stressExecutable() throws -> String {
        let me = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        let path = URL(fileURLWithPath: me).deletingLastPathComponent().appendingPathComponent("histlog-stress").path
        try #require(FileManager.default.isExecutableFile(atPath: path), "histlog-stress not built at \(path)")
        return path
    }

    /// A running stress process whose output is collected on a background thread.
    final class Stress: @unchecked Sendable {
        let process = Process()
        private let lock = NSLock()
        private var text = ""
        private let finished = DispatchSemaphore(value: 0)

        init(_ arguments: [String]) throws {
            process.executableURL = URL(fileURLWithPath: try ProcessTests.stressExecutable())
            process.arguments = arguments
            let output = Pipe()
            process.standardOutput = output
            process.standardError = output
            try process.run()
            let handle = output.fileHandleForReading
            Thread.detachNewThread { [self] in
                let data = handle.readDataToEndOfFile()
                lock.withLock { text = String(decoding: data, as: UTF8.self) }
                finished.signal()
            }
        }

        /// Waits for exit and returns the output.
        func wait() -> String {
            process.waitUntilExit()
            finished.wait()
            return lock.withLock { text }
        }

        /// The largest count reported after a flush.
        static func flushedCount(_ output: String) -> Int {
            output.split(separator: "\n").compactMap { line in line.hasPrefix("flushed ") ? Int(line.dropFirst(8)) : nil }.max() ?? 0
        }
    }

    static func eventFiles(_ run: String) -> Set<String> {
        Set(((try? FileManager.default.contentsOfDirectory(atPath: run)) ?? []).filter { $0.contains("tfevents") })
    }

    @Test func twoProcessesLoggingTheSameKeyKeepEveryRecord() throws {
        let run = makeTemporaryDirectory()
        defer { removeDirectory(run) }
        let perProcess = 200
        let first = try Stress([run, "shared/key", "0", "\(perProcess)", "10", "30"])
        let second = try Stress([run, "shared/key", "1000000", "\(perProcess)", "7", "300"])
        let outputs = [first.wait(), second.wait()]
        #expect(outputs.allSatisfy { $0.hasSuffix("done\n") }, "\(outputs)")

        let steps = try RunReader(path: run).steps(key: "shared/key")
        #expect(steps.count == 2 * perProcess)
        #expect(steps.filter { $0 < 1_000_000 } == (0..<perProcess).map(Int64.init))
        #expect(steps.filter { $0 >= 1_000_000 } == (0..<perProcess).map { Int64(1_000_000 + $0) })
        let files = jsonFiles(in: run)
        #expect(files.count == 1)
        for path in files { #expect((try? JSONSerialization.jsonObject(with: Data(fileBytes(path)))) != nil) }
        // One event file per process, each complete.
        let events = Self.eventFiles(run)
        #expect(events.count == 2)
        var imported = 0
        for file in events { imported += try RunReader(path: run + "/" + file).steps(key: "shared/key").count }
        #expect(imported == 2 * perProcess)
    }

    /// Kills a logging process with SIGKILL at random moments, trial after trial into the same
    /// run: every record reported flushed is readable, and every file still opens.
    @Test func sigkillNeverLosesFlushedRecords() throws {
        let run = makeTemporaryDirectory()
        defer { removeDirectory(run) }
        let trials = 24
        var generator = SystemRandomNumberGenerator()
        var flushedTotal = 0
        var tornTails = 0
        var reported: [(base: Int64, flushed: Int)] = []
        for trial in 0..<trials {
            let base = Int64(trial) * 1_000_000
            let bins = trial % 2 == 0 ? 30 : 5000
            let flushEvery = Int.random(in: 1...8, using: &generator)
            let before = Self.eventFiles(run)
            let stress = try Stress([run, "crash/key", "\(base)", "100000", "\(flushEvery)", "\(bins)"])
            usleep(UInt32.random(in: 20_000...400_000, using: &generator))
            kill(stress.process.processIdentifier, SIGKILL)
            let output = stress.wait()
            #expect(stress.process.terminationReason == .uncaughtSignal, "\(output)")
            let flushed = Stress.flushedCount(output)
            flushedTotal += flushed
            reported.append((base, flushed))

            // The JSON file may end in a torn write; the reader skips it.
            for path in jsonFiles(in: run) where (try? JSONParser.parse(fileBytes(path))) == nil { tornTails += 1 }
            let steps: [Int64]
            do {
                steps = try RunReader(path: run).steps(key: "crash/key")
            } catch HistlogError.notFound(_) where flushedTotal == 0 {
                steps = []  // every process so far was killed before its first record reached the file
            }
            for (base, flushed) in reported {
                let mine = steps.filter { $0 >= base && $0 < base + 1_000_000 }
                #expect(mine.count >= flushed, "trial base \(base): \(mine.count) readable, \(flushed) flushed")
                #expect(mine == (0..<mine.count).map { base + Int64($0) }, "trial base \(base): not a prefix in order")
            }
            // This trial's event file: a prefix of its records, at least the flushed ones.
            for file in Self.eventFiles(run).subtracting(before) {
                let imported = (try? RunReader(path: run + "/" + file).steps(key: "crash/key")) ?? []
                #expect(imported.count >= flushed && imported == (0..<imported.count).map { base + Int64($0) })
            }
        }
        // A last clean process appends after the repaired tail: a strict JSON array again.
        let clean = try Stress([run, "crash/key", "\(Int64(trials) * 1_000_000)", "5", "1", "30"]).wait()
        #expect(clean.hasSuffix("done\n"))
        for path in jsonFiles(in: run) { #expect((try? JSONSerialization.jsonObject(with: Data(fileBytes(path)))) != nil) }
        print("SIGKILL trials: \(trials), records reported flushed: \(flushedTotal), all readable; torn JSON tails seen after a kill: \(tornTails)")
        #expect(flushedTotal > 0, "no trial flushed anything: the kills came too early to test durability")
    }
}
