import CHistLog
import HistLog

// Looking at a run: `RunInspection` behind three exports. Text comes back in the caller's buffer
// after a size query, as hl_reader_key does.

/// `hl_doctor_options_init`: `DoctorOptions()`. NULL is a no-op.
@_cdecl("hl_doctor_options_init")
public func hl_doctor_options_init(_ options: UnsafeMutablePointer<hl_doctor_options>?) {
    options?.pointee = hl_doctor_options(DoctorOptions())
}

/// `hl_doctor`: `RunInspection(path:).findings(options)` as `Finding.json` text.
@_cdecl("hl_doctor")
public func hl_doctor(
    _ runPath: UnsafePointer<CChar>?, _ options: UnsafePointer<hl_doctor_options>?,
    _ buffer: UnsafeMutablePointer<CChar>?, _ capacity: Int, _ length: UnsafeMutablePointer<Int>?,
    _ findingCount: UnsafeMutablePointer<Int>?
) -> Int32 {
    status {
        let path = try text(runPath, "run_path")
        let options = try doctorOptions(options)
        let buffer = try output(buffer, capacity: capacity, "buf", "capacity")
        let length = try required(length, "length")
        let findings = try RunInspection(path: path).findings(options)
        findingCount?.pointee = findings.count
        try copy(Finding.json(findings), to: buffer, length: length)
    }
}

/// `hl_summary_text`: `RunInspection(path:).summaryText(width:)`.
@_cdecl("hl_summary_text")
public func hl_summary_text(
    _ runPath: UnsafePointer<CChar>?, _ width: Int32,
    _ buffer: UnsafeMutablePointer<CChar>?, _ capacity: Int, _ length: UnsafeMutablePointer<Int>?
) -> Int32 {
    status {
        let path = try text(runPath, "run_path")
        let buffer = try output(buffer, capacity: capacity, "buf", "capacity")
        let length = try required(length, "length")
        try copy(try RunInspection(path: path).summaryText(width: Int(width)), to: buffer, length: length)
    }
}

/// `hl_report_write`: `RunInspection(path:).writeHTMLReport(to:doctor:)`.
@_cdecl("hl_report_write")
public func hl_report_write(
    _ runPath: UnsafePointer<CChar>?, _ htmlPath: UnsafePointer<CChar>?,
    _ options: UnsafePointer<hl_doctor_options>?, _ findingCount: UnsafeMutablePointer<Int>?
) -> Int32 {
    status {
        let path = try text(runPath, "run_path")
        let html = try text(htmlPath, "html_path")
        let options = try doctorOptions(options)
        let findings = try RunInspection(path: path).writeHTMLReport(to: html, doctor: options)
        findingCount?.pointee = findings.count
    }
}

/// The caller's options (NULL = defaults), checked by `DoctorOptions.validate()`.
private func doctorOptions(_ pointer: UnsafePointer<hl_doctor_options>?) throws -> DoctorOptions {
    guard let c = pointer?.pointee else { return DoctorOptions() }
    var options = DoctorOptions()
    options.window = Int(c.window)
    options.frozenMinSteps = Int(c.frozen_min_steps)
    options.vanishingScaleFloor = c.vanishing_scale_floor
    options.vanishingDropFactor = c.vanishing_drop_factor
    options.vanishingLayerRatio = c.vanishing_layer_ratio
    options.explodingScaleCeiling = c.exploding_scale_ceiling
    options.explodingMaxAbsCeiling = c.exploding_max_abs_ceiling
    options.explodingGrowthFactor = c.exploding_growth_factor
    options.deadZeroFraction = c.dead_zero_fraction
    try options.validate()
    return options
}

extension hl_doctor_options {
    init(_ options: DoctorOptions) {
        self.init(
            window: Int32(clamping: options.window), frozen_min_steps: Int32(clamping: options.frozenMinSteps),
            vanishing_scale_floor: options.vanishingScaleFloor, vanishing_drop_factor: options.vanishingDropFactor,
            vanishing_layer_ratio: options.vanishingLayerRatio, exploding_scale_ceiling: options.explodingScaleCeiling,
            exploding_max_abs_ceiling: options.explodingMaxAbsCeiling, exploding_growth_factor: options.explodingGrowthFactor,
            dead_zero_fraction: options.deadZeroFraction)
    }
}
