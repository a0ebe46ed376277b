import Foundation

/// The instants corpusctl's `--since` / `--until` accept. Pure: `now` is given.
public enum DateArgument {
    /// "7d", "36h", "15m", "2w" (that long before `now`), "2024-01-26" (midnight UTC), or a full ISO 8601 time.
    public static func parse(_ text: String, now: Date) -> Date? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let unit = trimmed.last, let amount = Double(trimmed.dropLast()), amount >= 0 {
            let seconds: Double? = switch unit {
            case "s": 1
            case "m": 60
            case "h": 3600
            case "d": 86400
            case "w": 7 * 86400
            default: nil
            }
            if let seconds { return now.addingTimeInterval(-amount * seconds) }
        }
        let day = DateFormatter()
        day.locale = Locale(identifier: "en_US_POSIX")
        day.timeZone = TimeZone(identifier: "UTC")
        day.dateFormat = "yyyy-MM-dd"
        if trimmed.count == 10, let date = day.date(from: trimmed) { return date }
        let full = ISO8601DateFormatter()
        if let date = full.date(from: trimmed) { return date }
        full.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return full.date(from: trimmed)
    }

    public static let help = "a date (2024-01-26), a time (2024-01-26T10:00:00Z) or an age (7d, 36h, 15m, 2w)"
}
