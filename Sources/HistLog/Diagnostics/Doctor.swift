/// Training-health rules over the histories of a run. Each rule looks only at keys of the roles
/// it is about (`TensorRole`) and reports at most one finding per key:
///
/// | rule | keys | finding when (thresholds in `DoctorOptions`) | severity |
/// | --- | --- | --- | --- |
/// | `non_finite` | all | a logged step has NaN or ±Inf values; the step is the first such | error |
/// | `vanishing_gradients` | gradients | late scale < floor, or < early scale / drop factor, or < layer ratio × the largest late scale of the run's gradient keys | warning |
/// | `exploding_gradients` | gradients | some step's scale > ceiling, or its max abs > ceiling, or late scale > early scale × growth factor | error |
/// | `dead_units` | activations | late share of exact zeros > `deadZeroFraction` | warning |
/// | `frozen_weights` | parameters | the last `frozenMinSteps` or more steps have identical histograms and moments (unless the tensor's gradient vanished: that finding then says so) | warning |
///
/// The finding's step is the first logged step that meets the triggered condition on its own
/// (for `frozen_weights`, the first step of the unchanged stretch). Findings are sorted by
/// severity (errors first), then step, then key.
///
/// ```swift
/// let findings = try RunInspection(path: "runs/a").findings()   // one key at a time
/// for finding in findings { print(finding.key, finding.step, finding.message) }
/// ```
public struct Doctor: Sendable {
    public let options: DoctorOptions

    /// Throws `.invalidArgument` when a threshold is out of its domain (`DoctorOptions.validate`).
    public init(options: DoctorOptions = DoctorOptions()) throws {
        try options.validate()
        self.options = options
    }

    /// All findings over `histories`, sorted (see the type's documentation). O(total steps).
    public func examine(_ histories: [KeyHistory]) throws -> [Finding] {
        let run = RunKeys(histories.map(\.key))
        return combine(try histories.map { try examine($0, in: run) })
    }

    /// What the rules need to know of a run's other keys before looking at one key: which
    /// tensors have a gradient logged.
    public struct RunKeys: Sendable {
        let gradientTensors: Set<String>

        public init(_ keys: [String]) {
            gradientTensors = Set(keys.lazy.map(TensorRole.classify).filter { $0.role == .gradient }.map(\.name))
        }
    }

    /// The findings of one key, before `combine` puts the run's keys together (the vanishing
    /// rule compares gradient keys with each other). Keys can be examined one at a time, on any
    /// thread, holding one key's history at a time.
    public struct KeyExamination: Sendable {
        var findings: [Finding] = []
        /// A parameter's `frozen_weights` finding, which a vanishing gradient of the same tensor replaces.
        var frozen: Finding?
        var gradient: GradientTrend?
    }

    /// `history`'s findings; `run` names the run's keys.
    public func examine(_ history: KeyHistory, in run: RunKeys) throws -> KeyExamination {
        var examination = KeyExamination()
        if let finding = nonFinite(history) { examination.findings.append(finding) }
        switch history.role {
        case .gradient:
            let series = ScaleSeries(history, window: options.window)
            examination.gradient = GradientTrend(series)
            if let finding = exploding(series) { examination.findings.append(finding) }
        case .activation:
            if let finding = dead(history) { examination.findings.append(finding) }
        case .parameter:
            examination.frozen = try frozen(history, in: run)
        case .other:
            break
        }
        return examination
    }

    /// All findings of the run whose keys gave `examinations`, sorted.
    public func combine(_ examinations: [KeyExamination]) -> [Finding] {
        let gradients = examinations.compactMap(\.gradient)
        let largestLateScale = gradients.count >= 2 ? gradients.compactMap(\.late).max() : nil

        var findings = examinations.flatMap(\.findings)
        var vanishingTensors: [String: Int] = [:]  // tensor name -> index of its vanishing finding
        for gradient in gradients {
            guard let finding = vanishing(gradient, largestLateScale: largestLateScale) else { continue }
            vanishingTensors[TensorRole.classify(gradient.key).name] = findings.count
            findings.append(finding)
        }
        // Weights whose gradient vanished cannot change either: the vanishing finding says so
        // instead of a second finding with the same cause.
        for finding in examinations.compactMap(\.frozen) {
            if let index = vanishingTensors[TensorRole.classify(finding.key).name] {
                let steps = Int(finding.evidence("unchanged_steps") ?? 0)
                findings[index].message += "; its weights \(finding.key) did not change over the last \(steps) logged steps"
            } else {
                findings.append(finding)
            }
        }
        return findings.sorted {
            ($0.severity > $1.severity)
                || ($0.severity == $1.severity && ($0.step, $0.key, $0.rule.rawValue) < ($1.step, $1.key, $1.rule.rawValue))
        }
    }

    // MARK: - Rules

    func nonFinite(_ history: KeyHistory) -> Finding? {
        let affected = history.statistics.indices.filter {
            history.statistics[$0].nanCount > 0 || history.statistics[$0].infCount > 0
        }
        guard let first = affected.first, let last = affected.last else { return nil }
        let stats = history.statistics[first]
        var message = "\(stats.nanCount) NaN and \(stats.infCount) Inf values (\(stats.totalCount) finite) first at step \(history.steps[first])"
        if affected.count > 1 {
            message += "; \(affected.count) of \(history.steps.count) logged steps affected, the last at step \(history.steps[last])"
        }
        return Finding(
            rule: .nonFinite, severity: .error, key: history.key, step: history.steps[first], message: message,
            evidence: [
                .init("nan_count", Double(stats.nanCount)), .init("inf_count", Double(stats.infCount)),
                .init("total_count", Double(stats.totalCount)), .init("steps_affected", Double(affected.count)),
                .init("last_step_affected", Double(history.steps[last])),
            ])
    }

    func vanishing(_ series: GradientTrend, largestLateScale: Double?) -> Finding? {
        guard let late = series.late else { return nil }
        let o = options
        var reasons: [String] = []
        var limit = -Double.infinity  // a step meets the condition when its scale < limit
        if late < o.vanishingScaleFloor {
            reasons.append("below the floor \(TextFormatting.number(o.vanishingScaleFloor))")
            limit = max(limit, o.vanishingScaleFloor)
        }
        if let early = series.early, late < early / o.vanishingDropFactor {
            reasons.append("fallen \(ratioText(early, late))x from \(TextFormatting.number(early)) at the first steps")
            limit = max(limit, early / o.vanishingDropFactor)
        }
        if let largest = largestLateScale, late < largest * o.vanishingLayerRatio {
            reasons.append("\(ratioText(largest, late))x below the largest gradient scale of the run (\(TextFormatting.number(largest)))")
            limit = max(limit, largest * o.vanishingLayerRatio)
        }
        guard !reasons.isEmpty else { return nil }
        guard let onset = series.minima.first(where: { $0.scale < limit }) ?? series.last else { return nil }
        var evidence: [Finding.Evidence] = [.init("late_scale", late)]
        if let early = series.early { evidence.append(.init("early_scale", early)) }
        if let largest = largestLateScale { evidence.append(.init("largest_late_scale", largest)) }
        evidence.append(.init("scale_at_step", onset.scale))
        return Finding(
            rule: .vanishingGradients, severity: .warning, key: series.key, step: onset.step,
            message: "gradient scale (RMS) \(TextFormatting.number(late)) at the last steps, " + reasons.joined(separator: "; "),
            evidence: evidence)
    }

    func exploding(_ series: ScaleSeries) -> Finding? {
        guard !series.points.isEmpty else { return nil }
        let o = options
        var reasons: [String] = []
        var evidence: [Finding.Evidence] = []
        var meets: [(ScaleSeries.Point) -> Bool] = []
        if let peak = series.points.max(by: { $0.scale < $1.scale }), peak.scale > o.explodingScaleCeiling {
            reasons.append("scale (RMS) reached \(TextFormatting.number(peak.scale)) at step \(peak.step), above the ceiling \(TextFormatting.number(o.explodingScaleCeiling))")
            evidence.append(.init("peak_scale", peak.scale))
            meets.append { $0.scale > o.explodingScaleCeiling }
        }
        if let peak = series.points.max(by: { $0.maxAbsolute < $1.maxAbsolute }), peak.maxAbsolute > o.explodingMaxAbsCeiling {
            reasons.append("max |value| reached \(TextFormatting.number(peak.maxAbsolute)) at step \(peak.step), above the ceiling \(TextFormatting.number(o.explodingMaxAbsCeiling))")
            evidence.append(.init("peak_max_abs", peak.maxAbsolute))
            meets.append { $0.maxAbsolute > o.explodingMaxAbsCeiling }
        }
        if let early = series.early, let late = series.late, early >= o.vanishingScaleFloor, late > early * o.explodingGrowthFactor {
            reasons.append("scale grew \(ratioText(late, early))x from \(TextFormatting.number(early)) to \(TextFormatting.number(late))")
            evidence.append(.init("early_scale", early))
            evidence.append(.init("late_scale", late))
            meets.append { $0.scale > early * o.explodingGrowthFactor }
        }
        guard !reasons.isEmpty, let onset = series.points.first(where: { point in meets.contains { $0(point) } }) else {
            return nil
        }
        evidence.append(.init("scale_at_step", onset.scale))
        evidence.append(.init("max_abs_at_step", onset.maxAbsolute))
        return Finding(
            rule: .explodingGradients, severity: .error, key: series.key, step: onset.step,
            message: "gradients exploding: " + reasons.joined(separator: "; "), evidence: evidence)
    }

    func dead(_ history: KeyHistory) -> Finding? {
        let points = history.statistics.indices.compactMap { index in
            history.statistics[index].zeroFraction.map { (step: history.steps[index], fraction: $0, index: index) }
        }
        guard !points.isEmpty else { return nil }
        let late = medianOf(points.suffix(windowLength(points.count)).map(\.fraction))
        guard late > options.deadZeroFraction,
              let onset = points.first(where: { $0.fraction > options.deadZeroFraction }) else { return nil }
        let stats = history.statistics[onset.index]
        return Finding(
            rule: .deadUnits, severity: .warning, key: history.key, step: onset.step,
            message: "\(percentText(late)) of the values are exact zeros at the last steps "
                + "(above \(percentText(options.deadZeroFraction))); first above at step \(onset.step) with \(percentText(onset.fraction))",
            evidence: [
                .init("late_zero_fraction", late), .init("zero_fraction_at_step", onset.fraction),
                .init("zero_count_at_step", Double(stats.zeroCount ?? 0)), .init("total_count_at_step", Double(stats.totalCount)),
            ])
    }

    /// Reads the key's last histograms back from the end while they equal the last one.
    func frozen(_ history: KeyHistory, in run: RunKeys) throws -> Finding? {
        let count = history.steps.count
        guard count >= options.frozenMinSteps, let lastStatistics = history.statistics.last, lastStatistics.totalCount > 0 else {
            return nil
        }
        let last = try history.summary(at: count - 1)
        var start = count - 1
        while start > 0, history.statistics[start - 1].totalCount == lastStatistics.totalCount,
              Self.unchanged(try history.summary(at: start - 1), last) {
            start -= 1
        }
        let unchangedSteps = count - start
        guard unchangedSteps >= options.frozenMinSteps else { return nil }
        let stats = last.statistics
        let gradientLogged = run.gradientTensors.contains(TensorRole.classify(history.key).name)
        let anyGradientLogged = !run.gradientTensors.isEmpty
        var message = "unchanged over \(unchangedSteps) logged steps (\(history.steps[start])...\(history.steps[count - 1]))"
        if start == 0 { message += ", never updated" }
        if anyGradientLogged && !gradientLogged {
            message += "; no gradient was logged for it (requires_grad off, or not part of the loss?)"
        }
        return Finding(
            rule: .frozenWeights, severity: .warning, key: history.key, step: history.steps[start], message: message,
            evidence: [
                .init("unchanged_steps", Double(unchangedSteps)), .init("first_step", Double(history.steps[start])),
                .init("last_step", Double(history.steps[count - 1])), .init("mean", stats.mean),
                .init("std", stats.standardDeviation), .init("gradient_logged", gradientLogged ? 1 : 0),
            ])
    }

    /// Same bins, counts, moments and extremes: nothing measurable changed.
    static func unchanged(_ a: HistogramSummary, _ b: HistogramSummary) -> Bool {
        a.histogram == b.histogram && a.moments.count == b.moments.count && a.moments.mean == b.moments.mean
            && a.moments.m2 == b.moments.m2 && a.moments.m3 == b.moments.m3 && a.moments.m4 == b.moments.m4
            && a.moments.min == b.moments.min && a.moments.max == b.moments.max
            && a.statistics.totalCount == b.statistics.totalCount
    }

    // MARK: - Helpers

    /// How many steps make the early and the late window: `window`, or half the steps when fewer.
    func windowLength(_ count: Int) -> Int { max(1, min(options.window, count / 2)) }

    /// The scale of a gradient key at each step with finite values, and its early and late medians.
    struct ScaleSeries {
        struct Point: Sendable {
            var step: Int64
            var scale: Double
            var maxAbsolute: Double
        }
        var key: String
        var points: [Point]
        /// Median scale over the first window; nil with fewer than two points.
        var early: Double?
        /// Median scale over the last window; nil without points.
        var late: Double?

        init(_ history: KeyHistory, window: Int) {
            key = history.key
            points = history.statistics.indices.compactMap { index in
                let stats = history.statistics[index]
                guard let scale = stats.rootMeanSquare, let maxAbsolute = stats.maxAbsolute else { return nil }
                return Point(step: history.steps[index], scale: scale, maxAbsolute: maxAbsolute)
            }
            let length = max(1, min(window, points.count / 2))
            late = points.isEmpty ? nil : medianOf(points.suffix(length).map(\.scale))
            early = points.count < 2 ? nil : medianOf(points.prefix(length).map(\.scale))
        }
    }
}

/// What the vanishing rule needs of a gradient key once the run's largest late scale is known:
/// its early and late scales, and the points where its scale reached a new low (the first point
/// below any limit is one of them), so that no key's whole series is kept.
struct GradientTrend: Sendable {
    var key: String
    var early: Double?
    var late: Double?
    /// Points whose scale is below every earlier point's.
    var minima: [Doctor.ScaleSeries.Point]
    var last: Doctor.ScaleSeries.Point?

    init(_ series: Doctor.ScaleSeries) {
        key = series.key
        early = series.early
        late = series.late
        minima = []
        for point in series.points where minima.last.map({ point.scale < $0.scale }) ?? true { minima.append(point) }
        last = series.points.last
    }
}

/// The median of a non-empty array (mean of the two middle values for an even count).
func medianOf(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    let middle = sorted.count / 2
    return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

private func ratioText(_ larger: Double, _ smaller: Double) -> String {
    smaller > 0 ? TextFormatting.number(larger / smaller, significant: 2) : "inf"
}

private func percentText(_ fraction: Double) -> String {
    TextFormatting.number(fraction * 100, significant: 3) + "%"
}
