import Foundation
import Testing
@testable import HistLog

/// Damaged and hostile run directories and files: each gives an error that names the file (or
/// is read as the README says), never a crash, a hang or memory beyond one record.
@Suite struct HostileRunTests {
    /// A run directory whose `histograms/` holds `files` (name bytes -> contents).
    func makeRun(_ files: [([UInt8], [UInt8])]) throws -> String {
        let run = makeTemporaryDirectory()
        try FileManager.default.createDirectory(atPath: run + "/histograms", withIntermediateDirectories: true)
        for (name, contents) in files {
            let path = FilePath(run + "/histograms").appending(name)
            let descriptor = path.withCString { open($0, O_WRONLY | O_CREAT | O_TRUNC, 0o644) }
            try #require(descriptor >= 0)
            _ = contents.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            close(descriptor)
        }
        return run
    }

    func line(_ key: String, _ step: Int) -> String {
        String(decoding: MLflowJSONRecord.encode(HistogramRecord(key: key, step: Int64(step), timestamp: 1, summary: sampleSummary(seed: Double(step)))), as: UTF8.self)
    }

    func file(_ key: String, steps: Range<Int>) -> [UInt8] {
        Array(("[\n" + steps.map { line(key, $0) }.joined(separator: "\n,") + "\n]\n").utf8)
    }

    /// The message of the error reading every key of `run` throws (nil when it reads).
    func readError(_ run: String) -> String? {
        do {
            let reader = try RunReader(path: run)
            for key in reader.keys { _ = try reader.history(key: key) }
            _ = try RunInspection(path: run).summaryText()
            return nil
        } catch {
            return (error as? HistlogError)?.message ?? "not a HistlogError: \(error)"
        }
    }

    @Test func aFileNameThatIsNotUTF8IsReadLikeAnyOther() throws {
        let run = try makeRun([([0xFF, 0xFE] + Array(".json".utf8), file("odd/name", steps: 0..<3)), (Array("k.json".utf8), file("k", steps: 0..<2))])
        defer { removeDirectory(run) }
        let reader = try RunReader(path: run)
        #expect(reader.keys == ["k", "odd/name"])
        #expect(try reader.steps(key: "odd/name") == [0, 1, 2])
        #expect(try RunInspection(path: run).summaryText().contains("name"))
    }

    @Test func damagedRecordsAreErrorsNamingTheFileAndLine() throws {
        let good = line("k", 0)
        let nested = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        let digits = String(repeating: "7", count: 10_000)
        let cases: [(String, String)] = [
            ("[\n\(good)\n,{\"name\":\"k\",\"step\":1,\"bin_edges\":[0,1,2],\"counts\":[1]}\n]\n", "one longer than counts"),
            ("[\n\(good)\n,{\"name\":\"k\",\"step\":1,\"bin_edges\":[0,1,2],\"counts\":[1,-3]}\n]\n", "counts[1] must be finite and >= 0, got -3"),
            ("[\n\(good)\n,{\"name\":\"k\",\"step\":1,\"bin_edges\":[0,1],\"counts\":[1],\"nan_count\":-1}\n]\n", "\"nan_count\" must be an integer >= 0"),
            ("[\n\(good)\n,{\"name\":\"k\",\"step\":1,\"bin_edges\":[0,1],\"counts\":[1],\"mean\":NaN}\n]\n", "unexpected character"),
            ("[\n\(good)\n,{\"name\":\"k\",\"step\":1,\"bin_edges\":[0,1],\"counts\":[1],\"x\":\(nested)}\n]\n", "nesting deeper than 256"),
            ("[\n\(good)\n,{\"name\":\"k\",\"step\":\(digits),\"bin_edges\":[0,1],\"counts\":[1]}\n]\n", "\"step\" must be an integer"),
            ("[\n\(good)\n,{\"name\":\"k\",\"step\":1,\"timestamp\":1e\(digits),\"bin_edges\":[0,1],\"counts\":[1],\"x\":\"\u{1}\"}\n]\n", "raw control character"),
            ("[\n\(good)\n,{\"name\":\"other\",\"step\":1,\"bin_edges\":[0,1],\"counts\":[1]}\n]\n", "belongs to key \"other\""),
        ]
        for (text, expected) in cases {
            let run = try makeRun([(Array("k.json".utf8), Array(text.utf8))])
            defer { removeDirectory(run) }
            let message = readError(run)
            #expect(message?.contains(run + "/histograms/k.json") == true, "\(message ?? "no error")")
            #expect(message?.contains(expected) == true, "\(message ?? "no error") lacks \(expected)")
        }
        // Invalid UTF-8 inside a record.
        let invalid = Array("[\n{\"name\":\"k".utf8) + [0xC3, 0x28] + Array("\",\"step\":1,\"bin_edges\":[0,1],\"counts\":[1]}\n]\n".utf8)
        let run = try makeRun([(Array("k.json".utf8), invalid)])
        defer { removeDirectory(run) }
        #expect(readError(run)?.contains("k.json line 2: string is not valid UTF-8") == true, "\(readError(run) ?? "")")
    }

    /// One line of 50 MB: read as far as the window needs, and refused once an array outgrows
    /// the largest histogram.
    @Test func aFiftyMegabyteLineIsRefusedNamingTheFile() throws {
        let block = Array(String(repeating: "0.125,", count: 1 << 20).utf8)
        var text = Array("[{\"name\":\"k\",\"step\":0,\"bin_edges\":[".utf8)
        text.reserveCapacity(block.count * 8 + 100)
        for _ in 0..<8 { text += block }
        text += Array("1],\"counts\":[1]}]".utf8)
        let run = try makeRun([(Array("k.json".utf8), text)])
        defer { removeDirectory(run) }
        let message = readError(run)
        #expect(message?.contains("k.json line 1: more than 1000001 numbers in an array of bins") == true, "\(message ?? "")")
    }

    @Test func entriesThatAreNotFilesAreErrorsNotHangs() throws {
        // A symbolic link loop, a dangling link, a directory and a FIFO named *.json.
        for make in ["loop", "dangling", "directory", "fifo"] {
            let run = try makeRun([(Array("k.json".utf8), file("k", steps: 0..<2))])
            defer { removeDirectory(run) }
            let path = run + "/histograms/x.json"
            switch make {
            case "loop": #expect(symlink("x.json", path) == 0)
            case "dangling": #expect(symlink("missing.json", path) == 0)
            case "directory": #expect(mkdir(path, 0o755) == 0)
            default: #expect(mkfifo(path, 0o644) == 0)
            }
            #expect(throws: HistlogError.self, "\(make)") { try RunReader(path: run) }
            #expect(readError(run)?.contains(path) == true, "\(make): \(readError(run) ?? "")")
        }
        // The run directory itself, or histograms/, a loop; histograms/ a file.
        let base = makeTemporaryDirectory()
        defer { removeDirectory(base) }
        #expect(symlink("loop", base + "/loop") == 0)
        #expect(readError(base + "/loop")?.contains("Too many levels of symbolic links") == true)
        try FileManager.default.createDirectory(atPath: base + "/run", withIntermediateDirectories: true)
        #expect(symlink("histograms", base + "/run/histograms") == 0)
        #expect(readError(base + "/run")?.contains(base + "/run/histograms") == true)
        try FileManager.default.createDirectory(atPath: base + "/flat", withIntermediateDirectories: true)
        try Data("{}".utf8).write(to: URL(fileURLWithPath: base + "/flat/histograms"))
        #expect(readError(base + "/flat") == base + "/flat/histograms is a regular file, not a directory of histograms")
    }

    @Test func aFileThatIsNotARunOrAnEventFileIsAnError() throws {
        let directory = makeTemporaryDirectory()
        defer { removeDirectory(directory) }
        var generator = SystemRandomNumberGenerator()
        let contents: [(String, [UInt8])] = [
            ("notes.txt", Array("hello, this is a text file\nwith two lines\n".utf8)),
            ("random.bin", (0..<4096).map { _ in UInt8.random(in: 0...255, using: &generator) }),
            ("empty", []),
        ]
        for (name, bytes) in contents {
            let path = directory + "/" + name
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            #expect(readError(path) == "\(path) is neither a run directory nor a TensorBoard event file")
        }
        // Directories of event files: one that is not a TFRecord file is named.
        try Data("not an event file".utf8).write(to: URL(fileURLWithPath: directory + "/events.out.tfevents.1.host"))
        #expect(readError(directory)?.hasPrefix(directory + "/events.out.tfevents.1.host is not a TensorBoard event file") == true)
    }

    /// Event files cut anywhere, or with a byte flipped anywhere, read up to the damage.
    @Test func damagedEventFilesReadUpToTheDamage() throws {
        let directory = makeTemporaryDirectory()
        defer { removeDirectory(directory) }
        var bytes = TFRecord.frame(TensorBoardEvent.fileVersionEvent(wallTime: 1))
        var ends: [Int] = []
        for step in 0..<4 {
            let summary = try HistogramSummary(edges: [0, 1, 2], counts: [Double(step), 1])
            bytes += TFRecord.frame(TensorBoardEvent.histogramEvent(HistogramRecord(key: "t", step: Int64(step), timestamp: 2, summary: summary)))
            ends.append(bytes.count)
        }
        let path = directory + "/events.out.tfevents.2.host"
        func steps(_ damaged: [UInt8]) throws -> [Int64] {
            try Data(damaged).write(to: URL(fileURLWithPath: path))
            let reader = try RunReader(path: path)
            return reader.keys.isEmpty ? [] : try reader.steps(key: "t")
        }
        for cut in stride(from: ends[0] - 5, to: bytes.count, by: 7) {
            #expect(try steps(Array(bytes.prefix(cut))) == (0..<ends.filter { $0 <= cut }.count).map(Int64.init), "cut \(cut)")
        }
        for flip in stride(from: ends[1] + 3, to: ends[2], by: 5) {
            var damaged = bytes
            damaged[flip] ^= 0x10
            #expect(try steps(damaged) == [0, 1], "flip \(flip)")
        }
    }

    @Test func negativeCountsInAFileFailTheCommandsThatReadIt() throws {
        let text = "[\n" + line("Gradients/w", 0) + "\n,{\"name\":\"Gradients/w\",\"step\":1,\"bin_edges\":[0,1],\"counts\":[-5]}\n]\n"
        let run = try makeRun([(Array("w.json".utf8), Array(text.utf8))])
        defer { removeDirectory(run) }
        #expect(throws: HistlogError.self) { try RunInspection(path: run).summaryText() }
        #expect(throws: HistlogError.self) { try RunInspection(path: run).findings() }
        #expect(throws: HistlogError.self) { try RunInspection(path: run).writeHTMLReport(to: run + "/report.html") }
        #expect(try RunReader(path: run).keys == ["Gradients/w"])
    }

    @Test func severalFilesOfOneKeyAreReadInNameOrder() throws {
        let run = try makeRun([(Array("a-old.json".utf8), file("k", steps: 0..<2)), (Array("k.json".utf8), file("k", steps: 2..<5))])
        defer { removeDirectory(run) }
        let reader = try RunReader(path: run)
        #expect(reader.keys == ["k"])
        #expect(try reader.steps(key: "k") == [0, 1, 2, 3, 4])
        #expect(try reader.record(key: "k", step: 3).step == 3)
        #expect(try KeyHistory(reader: reader, key: "k").steps == [0, 1, 2, 3, 4])
    }
}
