/// Thresholds of the doctor's rules. Every default below is what `histlog doctor`, `hl_doctor`
/// (`hl_doctor_options_init`) and `histlog.doctor()` use.
///
/// The gradient *scale* is the root mean square of a gradient tensor's finite values
/// (`DistributionStatistics.rootMeanSquare`). "Early" and "late" scales are medians over the first
/// and last `window` logged steps of a key (over half the steps when there are fewer than
/// `2 * window`), so one noisy step neither raises nor hides a finding.
///
/// To turn a test off, set its threshold out of reach: a floor or ratio to 0, a ceiling or factor
/// to `.infinity`, `deadZeroFraction` to 1.
public struct DoctorOptions: Sendable, Equatable {
    /// Steps whose median is the early and the late value of a key. Default 3: the median of
    /// three ignores a single outlying step. At least 1.
    public var window: Int = 3

    /// Vanishing gradients when the late gradient scale is below this. Default 1e-8: Adam's
    /// default epsilon is 1e-8, below which its update shrinks with the gradient, and an SGD step
    /// with learning rate <= 1 is then below the float32 spacing of weights near 1 (1.2e-7).
    public var vanishingScaleFloor: Double = 1e-8
    /// Vanishing gradients when the late scale fell below the early scale divided by this.
    /// Default 1e4: four orders of magnitude, far beyond what learning-rate decay or a converging
    /// loss do to a healthy layer within one run.
    public var vanishingDropFactor: Double = 1e4
    /// Vanishing gradients when the late scale of a gradient key is below this fraction of the
    /// largest late scale among the run's gradient keys (needs two gradient keys or more).
    /// Default 1e-4: the layers of a healthy network keep gradient scales within two or three
    /// orders of magnitude of each other; a deep saturating stack loses a factor per layer.
    public var vanishingLayerRatio: Double = 1e-4

    /// Exploding gradients when the scale of any logged step exceeds this. Default 1e2: with
    /// losses of order one, per-element gradients of typical layers stay far below 1.
    public var explodingScaleCeiling: Double = 1e2
    /// Exploding gradients when `max |value|` of any logged step exceeds this. Default 1e4.
    public var explodingMaxAbsCeiling: Double = 1e4
    /// Exploding gradients when the late scale exceeds the early scale times this (only when the
    /// early scale is at least `vanishingScaleFloor`, so layers that start at zero are not flagged).
    /// Default 1e3.
    public var explodingGrowthFactor: Double = 1e3

    /// Dead units when the late share of exact zeros in an activation key exceeds this. Default 0.9:
    /// a healthy ReLU layer outputs about half zeros; past nine in ten, most units no longer fire.
    /// Needs `zero_count` (raw values; a pre-computed histogram does not know it).
    public var deadZeroFraction: Double = 0.9

    /// Frozen weights when a parameter key's last this-many logged steps (or more) have identical
    /// histograms and moments. Default 3: two logged intervals in a row without any change, which
    /// an optimizer updating the tensor does not produce. At least 2.
    public var frozenMinSteps: Int = 3

    public init() {}

    /// Throws `.invalidArgument` naming the first threshold out of its domain, by the name C,
    /// Python and the command line share (`dead_zero_fraction`).
    public func validate() throws {
        func check(_ ok: Bool, _ message: @autoclosure () -> ArgumentMessage) throws {
            if !ok { throw HistlogError.invalidArgument(message()) }
        }
        try check(window >= 1, "window must be >= 1, got \(window)")
        try check(vanishingScaleFloor >= 0 && !vanishingScaleFloor.isNaN,
                  "vanishing_scale_floor must be >= 0, got \(vanishingScaleFloor)")
        try check(vanishingDropFactor >= 1, "vanishing_drop_factor must be >= 1, got \(vanishingDropFactor)")
        try check(vanishingLayerRatio >= 0 && vanishingLayerRatio <= 1,
                  "vanishing_layer_ratio must be in [0, 1], got \(vanishingLayerRatio)")
        try check(explodingScaleCeiling > 0, "exploding_scale_ceiling must be > 0, got \(explodingScaleCeiling)")
        try check(explodingMaxAbsCeiling > 0, "exploding_max_abs_ceiling must be > 0, got \(explodingMaxAbsCeiling)")
        try check(explodingGrowthFactor >= 1, "exploding_growth_factor must be >= 1, got \(explodingGrowthFactor)")
        try check(deadZeroFraction >= 0 && deadZeroFraction <= 1,
                  "dead_zero_fraction must be in [0, 1], got \(deadZeroFraction)")
        try check(frozenMinSteps >= 2, "frozen_min_steps must be >= 2, got \(frozenMinSteps)")
    }
}
