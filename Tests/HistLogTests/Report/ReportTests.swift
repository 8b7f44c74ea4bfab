import Foundation
import Testing
@testable import HistLog

@Suite struct TextFormattingTests {
    @Test(arguments: [
        (0.0, "0"), (1.0, "1"), (-2.5, "-2.5"), (1234.5, "1.23e+3"), (0.000012345, "1.23e-5"),
        (123.0, "123"), (1e-300, "1e-300"), (Double.nan, "nan"), (-Double.infinity, "-inf"),
    ])
    func threeSignificantDigits(value: Double, text: String) {
        // %g keeps "e+" for positive exponents; only leading zeros of the exponent are dropped.
        #expect(TextFormatting.number(value) == text.replacingOccurrences(of: "e+", with: "e"))
    }

    @Test func counts() {
        #expect(TextFormatting.count(9999) == "9999")
        #expect(TextFormatting.count(12_345) == "12k")
        #expect(TextFormatting.count(3_400_000) == "3.4M")
    }

    @Test func jsonNumbersAndStrings() throws {
        #expect(TextFormatting.json(3.0) == "3")
        #expect(TextFormatting.json(0.1) == "0.1")
        #expect(TextFormatting.json(Double.nan) == "null")
        #expect(TextFormatting.json(-Double.infinity) == "null")
        let tricky = "a\"b\\c\n</script><!--&\u{1}é"
        let literal = TextFormatting.json(tricky)
        #expect(!literal.contains("</"))
        #expect(!literal.contains("<!"))
        let decoded = try JSONSerialization.jsonObject(with: Data(literal.utf8), options: .fragmentsAllowed) as? String
        #expect(decoded == tricky)
    }

    @Test func base64MatchesFoundation() {
        for length in 0..<10 {
            let bytes = (0..<length).map { UInt8(($0 * 97 + 13) % 256) }
            #expect(base64(bytes) == Data(bytes).base64EncodedString())
        }
    }

    @Test func evenlySpacedKeepsEndsAndIsStrictlyIncreasing() {
        #expect(evenlySpaced(count: 5, at: 50) == [0, 1, 2, 3, 4])
        #expect(evenlySpaced(count: 0, at: 50) == [])
        #expect(evenlySpaced(count: 10, at: 1) == [9])
        for (count, limit) in [(1000, 50), (51, 50), (1001, 160), (7, 2)] {
            let indices = evenlySpaced(count: count, at: limit)
            #expect(indices.count == limit)
            #expect(indices.first == 0 && indices.last == count - 1)
            #expect(zip(indices, indices.dropFirst()).allSatisfy { $0 < $1 })
        }
    }
}

@Suite struct ResamplingTests {
    @Test func sameGridKeepsCounts() {
        let h = Histogram(edges: [0, 1, 2, 3, 4], counts: [1, 0, 5, 2])
        #expect(resampledCounts(h, lower: 0, upper: 4, cells: 4) == [1, 0, 5, 2])
    }

    @Test func countsSpreadInProportionToOverlap() {
        let h = Histogram(edges: [0, 2], counts: [8])
        #expect(resampledCounts(h, lower: 0, upper: 4, cells: 4) == [4, 4, 0, 0])
        #expect(resampledCounts(h, lower: 1, upper: 3, cells: 2) == [4, 0])  // half the bin is outside
        let total = resampledCounts(Histogram(edges: [-1, 0.3, 0.7, 2.9], counts: [3, 7, 11]), lower: -1, upper: 2.9, cells: 13)
            .reduce(0, +)
        #expect(abs(total - 21) < 1e-9)
    }

    @Test func degenerateRangePutsEverythingInTheMiddle() {
        let h = Histogram(edges: [1, 2], counts: [3])
        #expect(resampledCounts(h, lower: 5, upper: 5, cells: 5) == [0, 0, 3, 0, 0])
    }

    @Test func sparklineLevels() {
        #expect(sparkline([0, 1, 4, 8]) == " ▁▄█")
        #expect(sparkline([0, 0]) == "  ")
    }
}

@Suite struct SummaryTableTests {
    let histories = [
        history("Gradients/blocks.0.attention.query_key_value.weight.very_long_name", steps: 20) {
            normalValues(count: 200, scale: 1e-5, seed: UInt64($0))
        },
        history("Activations/relu1", steps: 3) { step in
            normalValues(count: 200, scale: 1, seed: UInt64(10 + step)).map { max(0, $0) }
        },
        history("loss", steps: 3) { step in step == 1 ? [1, .nan] : [1, 2, 3] },
    ]

    @Test func fitsTheWidthAndShowsEveryKey() throws {
        let overviews = try histories.compactMap(KeyOverview.init)
        let text = try SummaryTable().render(overviews)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(lines.allSatisfy { $0.count <= 100 })
        #expect(lines.count == 1 + 2 + 3)  // header, two folder lines, three keys
        #expect(lines[0].hasPrefix("key"))
        #expect(lines[1] == "Activations/")
        #expect(lines[2].hasPrefix("  relu1 "))
        #expect(text.contains("…"))
        let relu = String(lines[2])
        #expect(relu.contains("%"))
        #expect(relu.contains("█"))
        let loss = try #require(lines.first { $0.hasPrefix("loss") })
        #expect(loss.contains("@10"))  // NaN only at step 10, not in the latest step
    }

    @Test func latestStatisticsAreShown() throws {
        let overview = try #require(try KeyOverview(histories[1]))
        #expect(overview.stepCount == 3)
        #expect(overview.lastStep == 20)
        let text = try SummaryTable(width: 120).render([overview])
        #expect(text.contains(TextFormatting.number(overview.latest.statistics.mean)))
        #expect(text.contains(TextFormatting.number(overview.latest.statistics.max)))
    }

    @Test func estimatedStatisticsAreMarked() throws {
        var summary = referenceSummary([1, 2, 3, 4])
        summary.statistics.estimated = [.moments, .quantiles]
        let estimated = try KeyHistory(key: "tb/imported", steps: [0], summaries: [summary])
        let text = try SummaryTable().render(try [estimated, histories[2]].compactMap(KeyOverview.init))
        let lines = text.split(separator: "\n")
        #expect(lines.contains { $0.hasPrefix("  imported ~ ") })
        #expect(lines.contains { $0.hasPrefix("loss ") })
        #expect(lines.last == "~ statistics estimated from the bins (pre-computed histograms)")
        #expect(!(try SummaryTable().render(try [histories[2]].compactMap(KeyOverview.init))).contains("~"))
    }

    @Test func rejectsNarrowWidths() {
        #expect(throws: HistlogError.self) { try SummaryTable(width: 20) }
    }
}

@Suite struct HTMLReportTests {
    func document(_ html: String) throws -> [String: Any] {
        let start = try #require(html.range(of: "<script type=\"application/json\" id=\"histlog-data\">"))
        let end = try #require(html.range(of: "</script>", range: start.upperBound..<html.endIndex))
        let json = String(html[start.upperBound..<end.lowerBound])
        return try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
    }

    @Test func embedsEveryKeyDownsampled() throws {
        let histories = [
            history("Gradients/fc1.weight", steps: 300, every: 1) { normalValues(count: 64, scale: 0.01, seed: UInt64($0)) },
            history("odd</script>key", steps: 3) { _ in [1, 2, 3] },
            history("Activations/empty", steps: 2) { _ in [] },
        ]
        let findings = try Doctor().examine(histories)
        let html = try HTMLReport().render(histories, findings: findings, source: "runs/a")
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(!html.contains("http"))  // nothing to fetch
        #expect(html.components(separatedBy: "</script>").count == 3)  // the data block and the script only
        let doc = try document(html)
        let keys = try #require(doc["k"] as? [[String: Any]])
        #expect(keys.map { $0["k"] as? String } == ["Activations/empty", "Gradients/fc1.weight", "odd</script>key"])
        let steps = try #require(doc["steps"] as? [[Int]])
        let fc1 = keys[1]
        let bandSteps = steps[fc1["bs"] as! Int], ridgeSteps = steps[fc1["rs"] as! Int]
        #expect(bandSteps.count == 160 && bandSteps.first == 0 && bandSteps.last == 299)
        #expect(ridgeSteps.count == 50 && ridgeSteps.last == 299)
        let ridgeBytes = try #require(Data(base64Encoded: fc1["h"] as! String))
        #expect(ridgeBytes.count == 50 * 40)
        #expect(fc1["n"] as? Int == 300)
    }

    @Test func bandValuesDecodeToTheStatistics() throws {
        let h = history("weights/w", steps: 4) { normalValues(count: 500, scale: 1 + Double($0), seed: UInt64($0)) }
        let doc = try document(try HTMLReport().render([h], findings: [], source: "x"))
        let key = try #require((doc["k"] as? [[String: Any]])?.first)
        let lo = key["lo"] as! Double, hi = key["hi"] as! Double
        let bytes = [UInt8](try #require(Data(base64Encoded: key["b"] as! String)))
        let points = 4
        #expect(bytes.count == 7 * points * 2)
        for (i, s) in h.statistics.enumerated() {
            let expected = [s.min] + s.quantiles + [s.max]
            for series in 0..<7 {
                let offset = 2 * (series * points + i)
                let q = Double(UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8)
                let value = lo + (hi - lo) * q / 65534
                #expect(abs(value - expected[series]) <= (hi - lo) / 65534)
            }
        }
        let latest = key["s"] as! [Any]
        #expect(abs((latest[0] as! Double) - h.statistics[3].mean) < 1e-5 * abs(h.statistics[3].mean) + 1e-12)
    }

    @Test func writesAtomicallyAndReportsBadPaths() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("histlog-report-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("report.html").path
        let h = history("weights/w", steps: 2) { _ in [1, 2] }
        try HTMLReport().write([h], findings: [], source: "x", to: path)
        let written = try String(contentsOfFile: path, encoding: .utf8)
        #expect(written == (try HTMLReport().render([h], findings: [], source: "x")))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["report.html"])
        try HTMLReport().write([h], findings: [], source: "y", to: path)  // replaces the page
        #expect(try String(contentsOfFile: path, encoding: .utf8) == (try HTMLReport().render([h], findings: [], source: "y")))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["report.html"])
        let error = #expect(throws: HistlogError.self) {
            try HTMLReport().write([h], findings: [], source: "x", to: directory.path + "/missing/dir/report.html")
        }
        #expect(error?.errno == ENOENT)
    }

    @Test func rejectsBadLimits() {
        #expect(throws: HistlogError.self) { try HTMLReport(maxRidges: 0) }
        #expect(throws: HistlogError.self) { try HTMLReport(ridgeCells: 1) }
        #expect(throws: HistlogError.self) { try HTMLReport(maxBandPoints: -3) }
    }
}

@Suite struct FindingJSONTests {
    @Test func findingsRoundTripThroughJSON() throws {
        let run = [
            history("Activations/a", steps: 3) { step in step == 1 ? [1, .nan, .infinity] : [1, 2] },
            history("Gradients/\"quoted\"</x>", steps: 4) { _ in [1e-12, -2e-12, 3e-12] },
        ]
        let findings = try Doctor().examine(run)
        #expect(findings.count == 2)
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(Finding.json(findings).utf8)) as? [[String: Any]])
        #expect(parsed.count == 2)
        for (object, finding) in zip(parsed, findings) {
            #expect(object["rule"] as? String == finding.rule.rawValue)
            #expect(object["severity"] as? String == finding.severity.rawValue)
            #expect(object["key"] as? String == finding.key)
            #expect((object["step"] as? NSNumber)?.int64Value == finding.step)
            #expect(object["message"] as? String == finding.message)
            let evidence = try #require(object["evidence"] as? [String: Any])
            #expect(evidence.count == finding.evidence.count)
            for item in finding.evidence {
                #expect((evidence[item.name] as? NSNumber)?.doubleValue == item.value)
            }
        }
        #expect(Finding.json([]) == "[]")
    }


    @Test func inspectionOfHistoriesInMemory() throws {
        let run = RunInspection(path: "runs/demo/", histories: [history("weights/w", steps: 3) { [Double($0), 1, 2] }])
        #expect(try run.findings().isEmpty)
        #expect(try run.summaryText().contains("  w "))
    }

    @Test func inspectionOfARunOnDisk() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("histlog-inspect-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let logger = try HistogramLogger(runDirectory: directory)
        for step in 0..<6 {
            var relu = normalValues(count: 500, scale: 1, seed: UInt64(step)).map { max(0, $0 - (step >= 2 ? 3 : 0)) }
            try relu.withUnsafeBufferPointer { try logger.log(key: "Activations/relu", step: Int64(step), values: $0) }
            relu = normalValues(count: 200, scale: 0.1, seed: UInt64(100 + step))
            try relu.withUnsafeBufferPointer { try logger.log(key: "Parameters/fc.weight", step: Int64(step), values: $0) }
        }
        try logger.close()

        let run = try RunInspection(path: directory)
        #expect(run.keys == ["Activations/relu", "Parameters/fc.weight"])
        let reader = try RunReader(path: directory)
        #expect(try run.keys.allSatisfy { try KeyHistory(reader: reader, key: $0).steps == [0, 1, 2, 3, 4, 5] })
        let findings = try run.findings()
        #expect(findings.map(\.rule) == [.deadUnits])
        #expect(findings.first?.step == 2)
        let html = directory + "/report.html"
        #expect(try run.writeHTMLReport(to: html).map(\.rule) == [.deadUnits])
        let page = try String(contentsOfFile: html, encoding: .utf8)
        #expect(page.contains("<title>histlog report</title>"))
        #expect(page.contains(TextFormatting.json("histlog report: histlog-inspect-\(getpid())")))
        #expect(throws: HistlogError.self) { try RunInspection(path: directory + "/missing") }

        // An open reader is looked at the same way (hl_doctor, hl_summary_text, hl_report_write).
        let onReader = RunInspection(reader: reader)
        #expect(onReader.path == reader.path)
        #expect(try onReader.findings() == findings)
        #expect(try onReader.summaryText() == (try run.summaryText()))
    }
}
