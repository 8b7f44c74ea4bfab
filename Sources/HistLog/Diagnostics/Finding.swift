/// One problem the doctor found in one key: which rule, where it was first seen, and the numbers
/// that triggered it.
public struct Finding: Sendable, Equatable {
    /// The rules, with the stable identifiers used in JSON, the C API and the command line.
    public enum Rule: String, Sendable, CaseIterable {
        /// A record of the key holds NaN or ±Inf values (any role).
        case nonFinite = "non_finite"
        /// A gradient key's scale collapsed toward zero.
        case vanishingGradients = "vanishing_gradients"
        /// A gradient key's scale or largest magnitude blew up.
        case explodingGradients = "exploding_gradients"
        /// An activation key is mostly exact zeros.
        case deadUnits = "dead_units"
        /// A parameter key did not change over its last logged steps.
        case frozenWeights = "frozen_weights"
    }

    public enum Severity: String, Sendable, Comparable {
        /// Suspicious; training may still work.
        case warning
        /// Training is broken or about to be.
        case error

        public static func < (a: Severity, b: Severity) -> Bool { a == .warning && b == .error }
    }

    /// A named number behind a finding, e.g. `("late_scale", 3.2e-12)`.
    public struct Evidence: Sendable, Equatable {
        public var name: String
        public var value: Double
        public init(_ name: String, _ value: Double) {
            self.name = name
            self.value = value
        }
    }

    public var rule: Rule
    public var severity: Severity
    public var key: String
    /// The first logged step at which the problem shows.
    public var step: Int64
    /// One sentence with the numbers, for people.
    public var message: String
    public var evidence: [Evidence]

    public init(rule: Rule, severity: Severity, key: String, step: Int64, message: String, evidence: [Evidence]) {
        self.rule = rule
        self.severity = severity
        self.key = key
        self.step = step
        self.message = message
        self.evidence = evidence
    }

    /// The evidence value called `name`, if any.
    public func evidence(_ name: String) -> Double? {
        evidence.first { $0.name == name }?.value
    }
}
