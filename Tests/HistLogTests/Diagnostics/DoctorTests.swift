import Foundation
import Testing
@testable import HistLog

/// Gradient-like values whose root mean square is about `scale`.
private func gradient(_ scale: Double, seed: Int) -> [Double] {
    normalValues(count: 400, scale: scale, seed: UInt64(seed) &* 7919 &+ 17)
}

private func healthyRun() -> [KeyHistory] {
    [
        history("Parameters/fc1.weight", steps: 12) { normalValues(count: 500, scale: 0.1 + 0.001 * Double($0), seed: UInt64($0)) },
        history("Gradients/fc1.weight", steps: 12) { gradient(0.01 * (1 - 0.03 * Double($0)), seed: $0) },
        history("Gradients/fc2.weight", steps: 12) { gradient(0.03, seed: 100 + $0) },
        history("Activations/relu1", steps: 12) { step in
            normalValues(count: 600, scale: 1, seed: UInt64(1000 + step)).map { max(0, $0) }
        },
        history("loss_terms/kl", steps: 12) { normalValues(count: 50, scale: 2, seed: UInt64(2000 + $0)) },
    ]
}

@Suite struct DoctorRuleTests {
    let doctor = try! Doctor()

    @Test func healthyRunHasNoFindings() throws {
        #expect(try doctor.examine(healthyRun()).isEmpty)
    }

    @Test func nonFiniteNamesFirstStepAndCounts() throws {
        let run = [history("Activations/fc1", steps: 10) { step in
            var values = normalValues(count: 100, scale: 1, seed: UInt64(step))
            if step == 4 { values[3] = .nan; values[7] = .infinity; values[9] = .nan }
            if step == 8 { values[0] = -.infinity }
            return values
        }]
        let findings = try doctor.examine(run)
        #expect(findings.count == 1)
        let finding = findings[0]
        #expect(finding.rule == .nonFinite)
        #expect(finding.severity == .error)
        #expect(finding.key == "Activations/fc1")
        #expect(finding.step == 40)
        #expect(finding.evidence("nan_count") == 2)
        #expect(finding.evidence("inf_count") == 1)
        #expect(finding.evidence("total_count") == 97)
        #expect(finding.evidence("steps_affected") == 2)
        #expect(finding.evidence("last_step_affected") == 80)
    }

    @Test func nonFiniteAppliesToEveryRoleAndAllNaNRecords() throws {
        let run = [history("misc/x", steps: 3) { step in step == 2 ? [Double.nan, .nan] : [1, 2, 3] }]
        let findings = try doctor.examine(run)
        #expect(findings.map(\.rule) == [.nonFinite])
        #expect(findings[0].step == 20)
        #expect(findings[0].evidence("total_count") == 0)
    }

    @Test func vanishingBelowTheFloor() throws {
        let run = [history("Gradients/layer0.weight", steps: 8) { gradient(3e-10, seed: $0) }]
        let findings = try doctor.examine(run)
        #expect(findings.map(\.rule) == [.vanishingGradients])
        #expect(findings[0].step == 0)
        let late = try! #require(findings[0].evidence("late_scale"))
        #expect(late > 2e-10 && late < 4e-10)
    }

    @Test func vanishingByDropAgainstEarlySteps() throws {
        // Scale 10^(-1 - 1.2 i): the early median is 10^-2.2, and 10^-6.2 is first undercut at i = 5.
        let run = [history("Gradients/w", steps: 9) { gradient(pow(10, -1 - 1.2 * Double($0)), seed: $0) }]
        let findings = try doctor.examine(run)
        #expect(findings.count == 1)
        #expect(findings[0].rule == .vanishingGradients)
        #expect(findings[0].step == 50)
        let early = try! #require(findings[0].evidence("early_scale"))
        #expect(early > 0.5e-2 && early < 2e-2)
    }

    @Test func vanishingAgainstTheLargestLayer() throws {
        let run = [
            history("Gradients/deep.0", steps: 6) { gradient(1e-6, seed: $0) },
            history("Gradients/deep.9", steps: 6) { gradient(1e-1, seed: 50 + $0) },
            history("Gradients/deep.5", steps: 6) { gradient(1e-3, seed: 90 + $0) },
        ]
        let findings = try doctor.examine(run)
        #expect(findings.map(\.key) == ["Gradients/deep.0"])
        #expect(findings[0].rule == .vanishingGradients)
        #expect(findings[0].evidence("largest_late_scale") != nil)
    }

    @Test func vanishingLayerRatioNeedsTwoGradientKeys() throws {
        let run = [history("Gradients/only", steps: 6) { gradient(1e-6, seed: $0) }]
        #expect(try doctor.examine(run).isEmpty)
    }

    @Test func explodingAboveScaleCeiling() throws {
        let run = [history("Gradients/w", steps: 6) { step in gradient(step >= 3 ? 500 : 0.5, seed: step) }]
        let findings = try doctor.examine(run)
        #expect(findings.map(\.rule) == [.explodingGradients])
        #expect(findings[0].severity == .error)
        #expect(findings[0].step == 30)
        #expect(findings[0].evidence("peak_scale")! > 100)
    }

    @Test func explodingOnOneHugeValue() throws {
        let run = [history("grads/w", steps: 6) { step in
            var values = gradient(0.01, seed: step)
            if step == 2 { values[5] = 3e5 }
            return values
        }]
        let findings = try doctor.examine(run)
        #expect(findings.map(\.rule) == [.explodingGradients])
        #expect(findings[0].step == 20)
        #expect(findings[0].evidence("peak_max_abs") == 3e5)
    }

    @Test func explodingByGrowth() throws {
        // 1e-3, then 5 from step 3 on: below both ceilings, 5,000 times the early scale.
        let run = [history("Gradients/w", steps: 6) { gradient($0 < 3 ? 1e-3 : 5, seed: $0) }]
        let findings = try doctor.examine(run)
        #expect(findings.map(\.rule) == [.explodingGradients])
        #expect(findings[0].step == 30)
        #expect(findings[0].evidence("peak_scale") == nil)
        #expect(findings[0].evidence("late_scale")! > 4)
    }

    @Test func explodingGrowthIgnoresLayersStartingAtZero() throws {
        let run = [history("Gradients/zero_init", steps: 6) { step in step < 3 ? Array(repeating: 0, count: 10) : gradient(0.01, seed: step) }]
        #expect(try doctor.examine(run).allSatisfy { $0.rule != .explodingGradients })
    }

    @Test func deadUnitsFromTheStepTheyDie() throws {
        let run = [history("Activations/relu2", steps: 8) { step in
            let values = normalValues(count: 1000, scale: 1, seed: UInt64(step))
            return step < 3 ? values.map { max(0, $0) } : values.map { max(0, $0 - 2) }
        }]
        let findings = try doctor.examine(run)
        #expect(findings.map(\.rule) == [.deadUnits])
        #expect(findings[0].step == 30)
        #expect(findings[0].evidence("late_zero_fraction")! > 0.95)
    }

    @Test func deadUnitsNeedKnownZeroCounts() throws {
        var summary = referenceSummary(Array(repeating: 0, count: 100))
        summary.statistics.zeroCount = nil
        let run = [try KeyHistory(key: "Activations/a", steps: [0, 1, 2], summaries: [summary, summary, summary])]
        #expect(try doctor.examine(run).isEmpty)
    }

    @Test func frozenWeightsNeverUpdated() throws {
        let weights = normalValues(count: 300, scale: 0.2, seed: 9)
        let run = [
            history("Parameters/frozen.weight", steps: 5) { _ in weights },
            history("Parameters/live.weight", steps: 5) { normalValues(count: 300, scale: 0.2, seed: UInt64(40 + $0)) },
            history("Gradients/live.weight", steps: 5) { gradient(0.01, seed: $0) },
        ]
        let findings = try doctor.examine(run)
        #expect(findings.map(\.key) == ["Parameters/frozen.weight"])
        #expect(findings[0].rule == .frozenWeights)
        #expect(findings[0].step == 0)
        #expect(findings[0].evidence("unchanged_steps") == 5)
        #expect(findings[0].evidence("gradient_logged") == 0)
        #expect(findings[0].message.contains("never updated"))
        #expect(findings[0].message.contains("no gradient was logged"))
    }

    @Test func frozenFromTheMiddleAndMinimumLength() throws {
        let late = normalValues(count: 300, scale: 0.2, seed: 1)
        let run = [history("weights/layer1", steps: 7) { step in step < 4 ? normalValues(count: 300, scale: 0.2, seed: UInt64(10 + step)) : late }]
        let findings = try doctor.examine(run)
        #expect(findings.map(\.rule) == [.frozenWeights])
        #expect(findings[0].step == 40)  // steps 40, 50, 60 are identical
        #expect(findings[0].evidence("unchanged_steps") == 3)
        #expect(!findings[0].message.contains("never updated"))

        var options = DoctorOptions()
        options.frozenMinSteps = 4
        #expect(try Doctor(options: options).examine(run).isEmpty)
    }

    @Test func weightsFrozenByVanishedGradientsGiveOneFinding() throws {
        let weights = normalValues(count: 300, scale: 0.2, seed: 5)
        let run = [
            history("Parameters/layer0.weight", steps: 5) { _ in weights },
            history("Gradients/layer0.weight", steps: 5) { gradient(1e-19, seed: $0) },
        ]
        let findings = try doctor.examine(run)
        #expect(findings.map(\.rule) == [.vanishingGradients])
        #expect(findings[0].message.contains("its weights Parameters/layer0.weight did not change over the last 5 logged steps"))
    }

    @Test func findingsSortErrorsFirstThenStep() throws {
        let weights = normalValues(count: 100, scale: 0.2, seed: 3)
        let run = [
            history("Parameters/a", steps: 4) { _ in weights },
            history("Activations/b", steps: 4) { step in step == 3 ? [1, .nan] : [1, 2] },
            history("Activations/c", steps: 4) { step in step == 1 ? [.infinity] : [1, 2] },
        ]
        let findings = try doctor.examine(run)
        #expect(findings.map(\.key) == ["Activations/c", "Activations/b", "Parameters/a"])
        #expect(findings.map(\.severity) == [.error, .error, .warning])
    }

    @Test func thresholdsAreConfigurable() throws {
        let run = [history("Activations/relu", steps: 4) { step in
            normalValues(count: 1000, scale: 1, seed: UInt64(step)).map { max(0, $0 - 0.5) }  // ~69% zeros
        }]
        #expect(try doctor.examine(run).isEmpty)
        var options = DoctorOptions()
        options.deadZeroFraction = 0.6
        #expect(try Doctor(options: options).examine(run).map(\.rule) == [.deadUnits])
    }

    @Test func invalidOptionsThrowNamingTheThreshold() throws {
        var options = DoctorOptions()
        options.window = 0
        #expect(throws: HistlogError.invalidArgument("window must be >= 1, got 0")) { try Doctor(options: options) }
        options = DoctorOptions()
        options.deadZeroFraction = .nan
        #expect(throws: HistlogError.self) { try Doctor(options: options) }
        options = DoctorOptions()
        options.explodingGrowthFactor = 0.5
        #expect(throws: HistlogError.self) { try Doctor(options: options) }
        options = DoctorOptions()
        options.frozenMinSteps = 1
        #expect(throws: HistlogError.self) { try Doctor(options: options) }
    }

    @Test func emptyInputs() throws {
        #expect(try doctor.examine([]).isEmpty)
        #expect(try doctor.examine([try KeyHistory(key: "Gradients/x", steps: [], summaries: [])]).isEmpty)
    }
}

@Suite struct KeyHistoryTests {
    @Test func sortsByStepAndKeepsTheLastRecordOfAStep() throws {
        let a = referenceSummary([1]), b = referenceSummary([2]), c = referenceSummary([3])
        let history = try KeyHistory(key: "k", steps: [5, 1, 5], summaries: [a, b, c], timestamps: [10, 11, 12])
        #expect(history.steps == [1, 5])
        #expect(try (0..<2).map { try history.summary(at: $0) } == [b, c])
        #expect(history.statistics == [b.statistics, c.statistics])
        #expect(history.timestamps == [11, 12])
        #expect(history.recordCount == 3)
    }

    @Test func mismatchedLengthsThrow() throws {
        #expect(throws: HistlogError.self) { try KeyHistory(key: "k", steps: [1, 2], summaries: [referenceSummary([1])]) }
    }

    @Test func scaleStatistics() throws {
        let stats = referenceSummary([3, -4, 0, 0]).statistics
        #expect(stats.rootMeanSquare == (25.0 / 4).squareRoot())
        #expect(stats.maxAbsolute == 4)
        #expect(stats.zeroFraction == 0.5)
        #expect(referenceSummary([]).statistics.rootMeanSquare == nil)
    }
}

@Suite struct TensorRoleTests {
    @Test(arguments: [
        ("Parameters/blocks.0.sa.key.weight", TensorRole.parameter, "blocks.0.sa.key.weight"),
        ("weights/layer1", .parameter, "layer1"),
        ("Gradients/lm_head.weight", .gradient, "lm_head.weight"),
        ("train/GRADS/fc1", .gradient, "train/fc1"),
        ("gradients/a/b", .gradient, "a/b"),
        ("Activations/relu1", .activation, "relu1"),
        ("activations/relu1", .activation, "relu1"),
        ("init_weights/fc", .other, "init_weights/fc"),
        ("fc1/weight", .other, "fc1/weight"),
        ("weights", .other, "weights"),
        ("loss", .other, "loss"),
    ])
    func classify(key: String, role: TensorRole, name: String) {
        #expect(TensorRole.classify(key).role == role)
        #expect(TensorRole.classify(key).name == name)
        #expect(TensorRole(key: key) == role)
    }
}
