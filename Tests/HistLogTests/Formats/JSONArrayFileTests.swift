import Foundation
import Testing
@testable import HistLog

@Suite struct JSONArrayFileTests {
    func line(_ step: Int) -> [UInt8] {
        MLflowJSONRecord.encode(HistogramRecord(key: "k", step: Int64(step), timestamp: Double(step), summary: sampleSummary(seed: Double(step))))
    }

    func steps(_ bytes: [UInt8], chunk: Int = FileWindow.chunk) throws -> [Int64] {
        try recordsOfFile(bytes, chunk: chunk).map(\.step)
    }

    @Test func isAStrictJSONArrayAfterEveryAppend() throws {
        let directory = makeTemporaryDirectory()
        defer { removeDirectory(directory) }
        let path = directory + "/k.json"
        let file = try JSONArrayFile(path: path)
        for step in 0..<40 {
            try file.append(line(step))
            let bytes = fileBytes(path)
            guard case .array(let elements) = try JSONParser.parse(bytes) else {
                Issue.record("not an array after append \(step)")
                return
            }
            #expect(elements.count == step + 1)
            let foundation = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [[String: Any]])
            #expect(foundation.map { $0["step"] as? Int } == (0...step).map { $0 })
            // One record per line between "[" and "]".
            let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n")
            #expect(lines.count == step + 3 && lines.first == "[" && lines.last == "]")
        }
    }

    /// A new file is never seen empty or half-written: it appears as "[\n]\n", and the
    /// temporary file it was written in is gone.
    @Test func aNewFileAppearsAsAnEmptyArray() throws {
        let directory = makeTemporaryDirectory()
        defer { removeDirectory(directory) }
        let path = directory + "/k.json"
        let file = try JSONArrayFile(path: path)
        #expect(fileBytes(path) == Array("[\n]\n".utf8))
        #expect(try steps(fileBytes(path)) == [])
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["k.json"])
        // Opening it again (another logger) appends to the same array.
        try file.append(line(0))
        try JSONArrayFile(path: path).append(line(1))
        #expect(try steps(fileBytes(path)) == [0, 1])
    }

    @Test func appendWritesOnlyTheTail() throws {
        let directory = makeTemporaryDirectory()
        defer { removeDirectory(directory) }
        let path = directory + "/k.json"
        let file = try JSONArrayFile(path: path)
        try file.append(line(0))
        try file.append(line(1))
        let before = fileBytes(path)
        try file.append(line(2))
        let after = fileBytes(path)
        // Every byte before the closing "]\n" is unchanged.
        #expect(Array(after.prefix(before.count - 2)) == Array(before.dropLast(2)))
    }

    /// Every prefix of an interrupted append (a write the kernel stopped part-way): the reader
    /// returns exactly the earlier records (plus the new one once its line is complete), and the
    /// next append repairs the tail and leaves a strict JSON array.
    @Test func tornTailsAreSkippedByReadersAndRepairedByWriters() throws {
        let directory = makeTemporaryDirectory()
        defer { removeDirectory(directory) }
        let path = directory + "/k.json"
        for existing in 0..<3 {
            try? FileManager.default.removeItem(atPath: path)
            let file = try JSONArrayFile(path: path)
            for step in 0..<existing { try file.append(line(step)) }
            let before = fileBytes(path)
            try file.append(line(existing))
            let after = fileBytes(path)
            // The interrupted write started where the old "]\n" was (a new file is "[\n]\n").
            let start = before.count - 2
            let written = Array(after[start...])
            for cut in 0..<written.count {
                var torn = Array(before.prefix(start)) + written.prefix(cut)
                if torn.count < before.count { torn += before[torn.count...] }  // old bytes not yet overwritten
                let newLineComplete = cut >= written.count - 2
                let expected = (0..<existing).map(Int64.init) + (newLineComplete ? [Int64(existing)] : [])
                #expect(try steps(torn) == expected, "existing \(existing), cut \(cut)")
                if cut % 4 == 0 { #expect(try steps(torn, chunk: 16 + cut % 50) == expected, "existing \(existing), cut \(cut), small chunks") }

                try Data(torn).write(to: URL(fileURLWithPath: path))
                let repaired = try JSONArrayFile(path: path)
                try repaired.append(line(99))
                let bytes = fileBytes(path)
                #expect(try steps(bytes) == expected + [99], "existing \(existing), cut \(cut)")
                #expect((try? JSONSerialization.jsonObject(with: Data(bytes))) != nil)
            }
        }
    }

    @Test func foreignFilesAreNotTruncated() throws {
        let directory = makeTemporaryDirectory()
        defer { removeDirectory(directory) }
        let path = directory + "/k.json"
        for content in ["[{\"name\":\"k\",\"step\":0,\"bin_edges\":[0,1],\"counts\":[1]}]", "[\n  {\n    \"name\": \"k\"\n  }\n]\n  ", "hello\nworld"] {
            try Data(content.utf8).write(to: URL(fileURLWithPath: path))
            #expect(throws: HistlogError.self) { try JSONArrayFile(path: path).append(line(0)) }
            #expect(fileBytes(path) == Array(content.utf8))
        }
    }

    /// Records are read the same whatever the chunk size: elements, numbers, strings and
    /// separators cut anywhere by the window's end.
    @Test func chunkBoundariesFallAnywhere() throws {
        var text = "[\n" + (0..<6).map { String(decoding: line($0), as: UTF8.self) }.joined(separator: "\n,") + "\n]\n"
        let expected = (0..<6).map(Int64.init)
        for chunk in [16, 17, 23, 64, 65, 250, 1000] { #expect(try steps(Array(text.utf8), chunk: chunk) == expected, "chunk \(chunk)") }
        text = "  [ {\"name\": \"k\", \"step\": 4, \"timestamp\": 1.5e9, \"bin_edges\": [0, 1], \"counts\": [2],\n \"x\": \"\\u00e9\\ud83d\\ude00\"} ,"
            + " {\"name\": \"k\", \"step\": 5, \"bin_edges\": [0, 1e-300], \"counts\": [0], \"y\": [null, true, false]} ] \n"
        for chunk in 16..<40 { #expect(try steps(Array(text.utf8), chunk: chunk) == [4, 5], "chunk \(chunk)") }
    }

    /// A value that is no record, cut by the window's end where it could be complete ("99999"
    /// of "99999e"), is read on before it is judged: the torn last line is skipped, or the same
    /// error given, whatever the chunk size.
    @Test func nonRecordValuesCutByTheWindowAreReadWhole() throws {
        let torn = Array(("[\n" + String(decoding: line(0), as: UTF8.self) + "\n,99999e").utf8)
        for chunk in 16..<torn.count + 8 { #expect(try steps(torn, chunk: chunk) == [0], "chunk \(chunk)") }
        let broken = Array("[\n99999e,\n1]\n".utf8)
        let whole = #expect(throws: HistlogError.self) { try steps(broken) }
        for chunk in 4..<broken.count + 4 {
            let cut = #expect(throws: HistlogError.self) { try steps(broken, chunk: chunk) }
            #expect(cut?.message == whole?.message, "chunk \(chunk)")
        }
    }

    @Test func readerAcceptsPrettyPrintedArrays() throws {
        let text = "[\n  {\"name\": \"k\", \"step\": 4, \"timestamp\": 1, \"bin_edges\": [0, 1], \"counts\": [2],\n   \"min_value\": 0, \"max_value\": 1}\n]"
        #expect(try steps(Array(text.utf8)) == [4])
        #expect(throws: HistlogError.self) { try steps(Array("[\n{\"name\":\"k\"}\n{oops}\n".utf8)) }
    }
}

@Suite struct HistogramFileNameTests {
    static let nastyKeys: [String] = [
        "a/b", "a_b", "a%2Fb", "A/b", "a/B", "A_b", "a-b", "a.b", "a..b", "a._b", "..", ".", "...", "./a", "../a", "../../etc/passwd",
        "/abs/path", "/", "//", "a/", "a\\b", "a b", "a\tb", "a\nb", "nul\u{1}x", "ünïcødé", "unicode", "ÜNÏCØDÉ", "😀", "😁",
        "weights/layer1", "weights_layer1", "Weights/Layer1", "loss", "LOSS", "Loss", "-h0123456789abcdef", "x-h0123456789abcdef",
        "x-h0123456789ABCDEF", "x", "X", String(repeating: "a", count: 195), String(repeating: "a", count: 196),
        String(repeating: "a", count: 1000), String(repeating: "a", count: 1000) + "b", String(repeating: "é", count: 300),
        String(repeating: "/", count: 300), "CON", "con", "aux.json", "a.json", "%", "%%", "a%b", "a:b", "a*b", "a?b", "a\"b", "a<b>",
        ".hidden", "_hidden",
        // Canonically equivalent (equal as Swift Strings) but different bytes: different keys, as in C and Python.
        "e\u{301}", "\u{e9}",
    ]

    @Test func namesAreSafe() throws {
        for key in Self.nastyKeys {
            let name = try HistogramFileName.forKey(key)
            #expect(name.utf8.count <= 200, "\(key) -> \(name)")
            #expect(name.hasSuffix(".json"))
            #expect(name.utf8.allSatisfy { byte in
                (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                    || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_")
                    || byte == UInt8(ascii: "-")
            }, "\(key) -> \(name)")
            #expect(!name.contains("..") && !name.hasPrefix(".") && !name.contains("%"), "\(key) -> \(name)")
        }
    }

    @Test func namesAreInjectiveEvenIgnoringCase() throws {
        var seen: [String: String] = [:]
        for key in Self.nastyKeys {
            let name = try HistogramFileName.forKey(key).lowercased()
            if let other = seen[name] { Issue.record("\(key) and \(other) share \(name)") }
            seen[name] = key
        }
        #expect(seen.count == Self.nastyKeys.count)
    }

    @Test func namesAreReadable() throws {
        #expect(try HistogramFileName.forKey("loss") == "loss.json")
        #expect(try HistogramFileName.forKey("weights/layer1").hasPrefix("weights_layer1-h"))
        #expect(try HistogramFileName.forKey("Gradients/fc.weight").hasPrefix("Gradients_fc.weight-h"))
        #expect(try HistogramFileName.forKey("../../etc/passwd").hasPrefix("_._.__etc_passwd-h"))
    }

    @Test func emptyAndNULKeysAreRejected() {
        #expect(throws: HistlogError.invalidArgument("key must be a non-empty string")) { try HistogramFileName.forKey("") }
        #expect(throws: HistlogError.self) { try HistogramFileName.forKey("a\u{0}b") }
    }

    @Test func filesStayInsideTheHistogramsDirectory() throws {
        let run = makeTemporaryDirectory()
        defer { removeDirectory(run) }
        let sink = try JSONHistogramSink(runDirectory: run)
        for (step, key) in Self.nastyKeys.enumerated() {
            try sink.write(HistogramRecord(key: key, step: Int64(step), timestamp: 1, summary: sampleSummary()))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: run) == ["histograms"])
        #expect(jsonFiles(in: run).count == Self.nastyKeys.count)
        let reader = try RunReader(path: run)
        #expect(reader.keys.count == Self.nastyKeys.count)
        for (step, key) in Self.nastyKeys.enumerated() { #expect(try reader.steps(key: key) == [Int64(step)], "\(key)") }
    }
}
