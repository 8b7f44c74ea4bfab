extension Finding {
    /// One JSON object: `{"rule", "severity", "key", "step", "message", "evidence": {name: number}}`,
    /// numbers in shortest round-trip form, `null` where not finite.
    public var json: String {
        let evidenceFields = evidence.map { TextFormatting.json($0.name) + ":" + TextFormatting.json($0.value) }
        return "{" + jsonMembers + ",\"evidence\":{" + evidenceFields.joined(separator: ",") + "}}"
    }

    /// `"rule":…,"severity":…,"key":…,"step":…,"message":…`: the members of `json` before the
    /// evidence (all that the HTML report's data keeps of a finding).
    var jsonMembers: String {
        "\"rule\":" + TextFormatting.json(rule.rawValue) + ",\"severity\":" + TextFormatting.json(severity.rawValue)
            + ",\"key\":" + TextFormatting.json(key) + ",\"step\":" + String(step)
            + ",\"message\":" + TextFormatting.json(message)
    }

    /// A JSON array of `findings`, one object a line (what `hl_doctor` returns).
    public static func json(_ findings: [Finding]) -> String {
        findings.isEmpty ? "[]" : "[\n" + findings.map(\.json).joined(separator: ",\n") + "\n]"
    }
}
