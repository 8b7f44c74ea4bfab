import CHistLog
import HistLog

// Looking at a run: `RunInspection` of an open reader behind three exports. Text comes back in the caller's buffer
// after a size query, as hl_reader_key does.

/// `hl_doctor_options_init`: `DoctorOptions()` as an `hl_doctor_options`.
@_cdecl("hl_doctor_options_init")
public func hl_doctor_options_init(_ options: UnsafeMutablePointer<hl_doctor_options>?, _ size: Int) -> Int32 {
    status {
        let options = try required(options, "options")
        try checkSize(size, of: hl_doctor_options.self, "size")
        options.pointee = hl_doctor_options(DoctorOptions())
    }
}

/// `hl_doctor`: `RunInspection(reader:).findings(options)` as `Finding.json` text.
@_cdecl("hl_doctor")
public func hl_doctor(
    _ reader: OpaquePointer?, _ options: UnsafePointer<hl_doctor_options>?,
    _ buffer: UnsafeMutablePointer<CChar>?, _ capacity: Int, _ length: UnsafeMutablePointer<Int>?,
    _ findingCount: UnsafeMutablePointer<Int>?
) -> Int32 {
    status {
        let run = RunInspection(reader: try object(reader, "reader", as: RunReader.self))
        let options = try doctorOptions(options)
        let buffer = try output(buffer, capacity: capacity, "buf", "capacity")
        let length = try required(length, "length")
        let findings = try run.findings(options)
        findingCount?.pointee = findings.count
        try copy(Finding.json(findings), to: buffer, length: length)
    }
}

/// `hl_summary_text`: `RunInspection(reader:).summaryText(width:)`.
@_cdecl("hl_summary_text")
public func hl_summary_text(
    _ reader: OpaquePointer?, _ width: Int32,
    _ buffer: UnsafeMutablePointer<CChar>?, _ capacity: Int, _ length: UnsafeMutablePointer<Int>?
) -> Int32 {
    status {
        let run = RunInspection(reader: try object(reader, "reader", as: RunReader.self))
        let buffer = try output(buffer, capacity: capacity, "buf", "capacity")
        let length = try required(length, "length")
        try copy(try run.summaryText(width: Int(width)), to: buffer, length: length)
    }
}

/// `hl_report_write`: `RunInspection(reader:).writeHTMLReport(to:doctor:)`.
@_cdecl("hl_report_write")
public func hl_report_write(
    _ reader: OpaquePointer?, _ htmlPath: UnsafePointer<CChar>?,
    _ options: UnsafePointer<hl_doctor_options>?, _ findingCount: UnsafeMutablePointer<Int>?
) -> Int32 {
    status {
        let run = RunInspection(reader: try object(reader, "reader", as: RunReader.self))
        let html = try text(htmlPath, "html_path")
        let options = try doctorOptions(options)
        let findings = try run.writeHTMLReport(to: html, doctor: options)
        findingCount?.pointee = findings.count
    }
}

/// The caller's options (NULL = defaults), checked by `DoctorOptions.validate()`.
private func doctorOptions(_ pointer: UnsafePointer<hl_doctor_options>?) throws -> DoctorOptions {
    guard let pointer else { return DoctorOptions() }
    let c = try sized(pointer, "hl_doctor_options.size")
    guard c.reserved == 0 else { throw Failure.invalid("hl_doctor_options.reserved must be 0, got \(c.reserved)") }
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
            size: UInt32(MemoryLayout<hl_doctor_options>.size), reserved: 0,
            window: Int32(clamping: options.window), frozen_min_steps: Int32(clamping: options.frozenMinSteps),
            vanishing_scale_floor: options.vanishingScaleFloor, vanishing_drop_factor: options.vanishingDropFactor,
            vanishing_layer_ratio: options.vanishingLayerRatio, exploding_scale_ceiling: options.explodingScaleCeiling,
            exploding_max_abs_ceiling: options.explodingMaxAbsCeiling, exploding_growth_factor: options.explodingGrowthFactor,
            dead_zero_fraction: options.deadZeroFraction)
    }
}
