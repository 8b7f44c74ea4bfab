import CHistLog

// As ABISignatures.swift, for the exports of Exports+Report.swift.
private func checkReportSignatures() {
    var doctorOptionsInit = CHistLog.hl_doctor_options_init; doctorOptionsInit = HistLogCABI.hl_doctor_options_init
    var doctor = CHistLog.hl_doctor; doctor = HistLogCABI.hl_doctor
    var summaryText = CHistLog.hl_summary_text; summaryText = HistLogCABI.hl_summary_text
    var reportWrite = CHistLog.hl_report_write; reportWrite = HistLogCABI.hl_report_write
    _ = (doctorOptionsInit, doctor, summaryText, reportWrite)
}
