import Foundation
import Testing
@testable import HistLog

/// Replays the fuzzers' seed corpus and every input a fuzzer once crashed on (Tests/fuzz/corpus,
/// Tests/fuzz/crashes; `make fuzz` finds new ones) through the same targets, without the fuzzer
/// build: none may crash or break an invariant.
@Suite struct FuzzRegressionTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("fuzz")

    static func inputs(_ target: String) -> [URL] {
        ["corpus", "crashes"].flatMap { folder in
            let directory = root.appendingPathComponent(folder).appendingPathComponent(target)
            let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
            return names.filter { !$0.hasPrefix(".") }.sorted().map { directory.appendingPathComponent($0) }
        }
    }

    @Test func jsonInputsReadWithoutBreakingAnInvariant() throws {
        let inputs = Self.inputs("json")
        #expect(inputs.count >= 20)
        for input in inputs {
            let bytes = [UInt8](try Data(contentsOf: input))
            #expect(bytes.withUnsafeBufferPointer(FuzzTargets.json) == nil, "\(input.lastPathComponent)")
        }
    }

    @Test func eventInputsReadWithoutBreakingAnInvariant() throws {
        let inputs = Self.inputs("events")
        #expect(inputs.count >= 5)
        for input in inputs {
            let bytes = [UInt8](try Data(contentsOf: input))
            #expect(bytes.withUnsafeBufferPointer(FuzzTargets.events) == nil, "\(input.lastPathComponent)")
        }
    }

    /// The seeds read as their names say: histlog's own files whole, torn ones up to the tear.
    @Test func seedsReadAsExpected() throws {
        func steps(_ name: String) throws -> [Int64] {
            try recordsOfFile([UInt8](try Data(contentsOf: Self.root.appendingPathComponent("corpus/json/" + name)))).map(\.step)
        }
        #expect(try steps("histlog-w.json") == [0, 1, 2])
        #expect(try steps("pretty.json") == [0, 1, 2] && steps("one-line.json") == [0, 1, 2])
        #expect(try steps("torn-after-line.json") == [0, 1] && steps("torn-comma.json") == [0, 1])
        #expect(try steps("torn-in-line.json") == [0, 1] && steps("torn-first.json").isEmpty)
        for name in ["negative-count.json", "nan-token.json", "invalid-utf8.json", "count-mismatch.json", "text.json"] {
            #expect(throws: HistlogError.self, "\(name)") { try steps(name) }
        }
        let events = Self.root.appendingPathComponent("corpus/events").path
        #expect(try RunReader(path: events + "/tensorboard.tfevents").keys == ["legacy/edge", "legacy/raw", "plugin/tensor"])
        #expect(throws: HistlogError.self) { try RunReader(path: events + "/text.tfevents") }
    }
}
