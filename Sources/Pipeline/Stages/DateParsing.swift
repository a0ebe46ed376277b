import Foundation

/// Finds a publication date written the way news pages write them:
/// `2024-01-26T11:12:00Z`, `Friday, 26 January 2024 11:12 AM EST`, `Jan. 26, 2024`, `26/01/2024`.
/// A date is only returned when day, month and year are all present: a bare year is never a date.
public enum DateParsing {
    public static func find(in line: String) -> PublishedTime? {
        guard hasFourDigits(line) else { return nil }
        return findInTokens(line)
    }

    /// Could `line` hold a year? Every form `find` reads has one (1800–2200, parsed by `Int` from ASCII digits, a
    /// sign at most before them): four ASCII digits in a row. Most lines a page is judged by have none, and need
    /// not be cut into tokens.
    static func hasFourDigits(_ line: String) -> Bool {
        var run = 0
        for b in line.utf8 {
            if b >= 0x30 && b <= 0x39 {
                run += 1
                if run == 4 { return true }
            } else {
                run = 0
            }
        }
        return false
    }

    /// `find` over the line's tokens, without looking for a year first.
    static func findInTokens(_ line: String) -> PublishedTime? {
        let tokens = tokenize(line)
        var i = 0
        while i < tokens.count {
            if let (ymd, consumed) = calendarDate(tokens, at: i) {
                let time = timeOfDay(tokens, from: i + consumed)
                return make(ymd: ymd, time: time)
            }
            i += 1
        }
        return nil
    }

    /// "2 hours ago", "yesterday", "3 days ago", "just now", "Updated 45 mins ago": resolved against `now` (the
    /// file's modification time — when the page was saved). Without `now` a relative date means nothing: nil.
    /// Precision follows the phrase: minutes and hours keep the time of day, days and weeks only the date.
    public static func relative(_ line: String, now: Date?) -> PublishedTime? {
        guard let now else { return nil }
        let words = line.lowercased().split(whereSeparator: { !$0.isLetter && !$0.isNumber })
        guard words.count <= 12 else { return nil }
        if words.contains("yesterday") { return day(now.addingTimeInterval(-86400)) }
        if words.contains("today") || (words.contains("just") && words.contains("now")) {
            return words.contains("today") ? day(now) : PublishedTime(date: now, utcOffset: 0, hasTime: true)
        }
        guard let ago = words.firstIndex(of: "ago"), ago >= 2 else { return nil }
        let unit = words[ago - 1]
        let count: Int
        if let n = Int(words[ago - 2]) { count = n } else if ["a", "an", "one"].contains(words[ago - 2]) { count = 1 } else { return nil }
        let seconds: Double
        var keepsTime = true
        switch unit {
        case "second", "seconds", "sec", "secs", "s": seconds = 1
        case "minute", "minutes", "min", "mins", "m": seconds = 60
        case "hour", "hours", "hr", "hrs", "h": seconds = 3600
        case "day", "days", "d":
            seconds = 86400
            keepsTime = false
        case "week", "weeks", "w", "wk", "wks":
            seconds = 7 * 86400
            keepsTime = false
        default: return nil
        }
        let date = now.addingTimeInterval(-Double(count) * seconds)
        return keepsTime ? PublishedTime(date: date, utcOffset: 0, hasTime: true) : day(date)
    }

    private static func day(_ date: Date) -> PublishedTime {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 0)!
        return PublishedTime(date: calendar.startOfDay(for: date), utcOffset: nil, hasTime: false)
    }

    // MARK: - Tokens

    static func tokenize(_ line: String) -> [Substring] {
        line.split(whereSeparator: { $0 == " " || $0 == "," || $0 == "\t" || $0 == "|" || $0 == "(" || $0 == ")" })
    }

    private static let months: [String: Int] = [
        "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4, "april": 4,
        "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8,
        "sep": 9, "sept": 9, "september": 9, "oct": 10, "october": 10, "nov": 11, "november": 11,
        "dec": 12, "december": 12,
    ]

    /// UTC offsets of the zone abbreviations common on English-language news pages, in seconds.
    static let zones: [String: Int] = [
        "utc": 0, "gmt": 0, "z": 0, "wet": 0, "bst": 3600, "ist": 19800, "cet": 3600, "cest": 7200,
        "eet": 7200, "eest": 10800, "msk": 10800, "hkt": 28800, "sgt": 28800, "jst": 32400,
        "kst": 32400, "aest": 36000, "aedt": 39600, "awst": 28800, "nzst": 43200, "nzdt": 46800,
        "est": -18000, "edt": -14400, "cst": -21600, "cdt": -18000, "mst": -25200, "mdt": -21600,
        "pst": -28800, "pdt": -25200, "akst": -32400, "akdt": -28800, "hst": -36000,
    ]

    private struct YMD { var year: Int, month: Int, day: Int }
    private struct Clock { var hour: Int, minute: Int, second: Int, offset: Int? }

    private static func number(_ token: Substring) -> Int? {
        var t = token
        while let last = t.last, last == "." || last == "," { t = t.dropLast() }
        // "26th", "1st"
        for suffix in ["st", "nd", "rd", "th"] where t.lowercased().hasSuffix(suffix) && t.count > 2 {
            t = t.dropLast(2)
            break
        }
        guard !t.isEmpty, t.count <= 4, t.allSatisfy(\.isASCII), t.allSatisfy(\.isNumber) else { return nil }
        return Int(t)
    }

    private static func month(_ token: Substring) -> Int? {
        var t = token.lowercased()
        while t.hasSuffix(".") { t.removeLast() }
        return months[t]
    }

    private static func valid(_ d: YMD) -> YMD? {
        guard (1800...2200).contains(d.year), (1...12).contains(d.month), (1...31).contains(d.day) else { return nil }
        return d
    }

    /// A calendar date starting at `i`; returns how many tokens it used.
    private static func calendarDate(_ t: [Substring], at i: Int) -> (YMD, Int)? {
        let token = t[i]
        if let iso = isoDate(token) { return (iso, 1) }
        if let numeric = numericDate(token) { return (numeric, 1) }
        // "26 January 2024"
        if let day = number(token), i + 2 < t.count, let m = month(t[i + 1]), let y = number(t[i + 2]),
            let d = valid(YMD(year: y, month: m, day: day))
        {
            return (d, 3)
        }
        // "January 26, 2024" / "Jan. 26 2024"
        if let m = month(token), i + 2 < t.count, let day = number(t[i + 1]), let y = number(t[i + 2]),
            let d = valid(YMD(year: y, month: m, day: day))
        {
            return (d, 3)
        }
        return nil
    }

    /// `2024-01-26`, optionally with `T11:12:00`, fractional seconds and a zone, all in one token.
    private static func isoDate(_ token: Substring) -> YMD? {
        let chars = Array(token.utf8)
        guard chars.count >= 10, chars[4] == UInt8(ascii: "-"), chars[7] == UInt8(ascii: "-") else { return nil }
        guard let y = Int(token.prefix(4)), let m = Int(token.dropFirst(5).prefix(2)),
            let d = Int(token.dropFirst(8).prefix(2))
        else { return nil }
        return valid(YMD(year: y, month: m, day: d))
    }

    /// `26/01/2024`, `26.01.2024`: day first unless that is impossible.
    private static func numericDate(_ token: Substring) -> YMD? {
        for separator in ["/", "."] as [Character] {
            let parts = token.split(separator: separator)
            guard parts.count == 3, parts[2].count == 4, let a = Int(parts[0]), let b = Int(parts[1]),
                let y = Int(parts[2])
            else { continue }
            if a > 12, let d = valid(YMD(year: y, month: b, day: a)) { return d }
            if b > 12, let d = valid(YMD(year: y, month: a, day: b)) { return d }
            return valid(YMD(year: y, month: b, day: a))
        }
        return nil
    }

    /// A time after the date: inside an ISO token (`T11:12:00Z`) or as `11:12`, `11:12 AM`, `11.12am`, then a zone.
    private static func timeOfDay(_ t: [Substring], from start: Int) -> Clock? {
        // ISO: the time rides in the date token.
        if start > 0, let tIndex = t[start - 1].firstIndex(where: { $0 == "T" || $0 == "t" }),
            isoDate(t[start - 1]) != nil
        {
            let rest = t[start - 1][t[start - 1].index(after: tIndex)...]
            return isoClock(rest) ?? nil
        }
        if start < t.count, isoDate(t[start - 1]) != nil, let clock = isoClock(t[start]) {
            return clock
        }
        var i = start
        // Skip a connective: "26 January 2024 at 11:12", "Jan 26, 2024 - 11:12".
        if i < t.count, ["at", "-", "–", "—", "@"].contains(t[i].lowercased()) { i += 1 }
        guard i < t.count else { return nil }
        var token = t[i].lowercased()
        var meridiem: String?
        for suffix in ["a.m.", "p.m.", "am", "pm"] where token.hasSuffix(suffix) && token.count > suffix.count {
            meridiem = String(suffix.prefix(1))
            token.removeLast(suffix.count)
            break
        }
        let pieces = token.split(whereSeparator: { $0 == ":" || $0 == "." })
        guard pieces.count >= 2, pieces.count <= 3, let h = Int(pieces[0]), let m = Int(pieces[1]),
            (0...23).contains(h), (0...59).contains(m)
        else { return nil }
        let s = pieces.count == 3 ? Int(pieces[2]) ?? 0 : 0
        i += 1
        if meridiem == nil, i < t.count {
            let next = t[i].lowercased()
            if ["am", "a.m.", "pm", "p.m."].contains(next) {
                meridiem = String(next.prefix(1))
                i += 1
            }
        }
        var hour = h
        if meridiem == "p", hour < 12 { hour += 12 }
        if meridiem == "a", hour == 12 { hour = 0 }
        let offset = i < t.count ? zoneOffset(t[i]) : nil
        return Clock(hour: hour, minute: m, second: s, offset: offset)
    }

    private static func isoClock(_ text: Substring) -> Clock? {
        var body = text
        var offset: Int?
        if body.hasSuffix("Z") || body.hasSuffix("z") {
            offset = 0
            body = body.dropLast()
        } else if let signIndex = body.lastIndex(where: { $0 == "+" || $0 == "-" }), signIndex != body.startIndex {
            offset = zoneOffset(body[signIndex...])
            body = body[..<signIndex]
        }
        if let dot = body.firstIndex(of: ".") { body = body[..<dot] }
        let parts = body.split(separator: ":")
        guard parts.count >= 2, let h = Int(parts[0]), let m = Int(parts[1]), (0...23).contains(h),
            (0...59).contains(m)
        else { return nil }
        let s = parts.count > 2 ? Int(parts[2]) ?? 0 : 0
        return Clock(hour: h, minute: m, second: s, offset: offset)
    }

    /// `EST`, `GMT+8`, `UTC-05:00`, `+0800`, `+08:00`.
    static func zoneOffset(_ token: Substring) -> Int? {
        var t = token.lowercased()
        while t.hasSuffix(".") || t.hasSuffix(",") { t.removeLast() }
        if let known = zones[t] { return known }
        for prefix in ["gmt", "utc"] where t.hasPrefix(prefix) {
            t.removeFirst(prefix.count)
        }
        guard let sign = t.first, sign == "+" || sign == "-" else { return nil }
        let digits = t.dropFirst().filter { $0 != ":" }
        guard !digits.isEmpty, digits.allSatisfy(\.isNumber), digits.count <= 4 else { return nil }
        let hours: Int
        let minutes: Int
        if digits.count <= 2 {
            hours = Int(digits)!
            minutes = 0
        } else {
            hours = Int(digits.prefix(digits.count - 2))!
            minutes = Int(digits.suffix(2))!
        }
        guard hours <= 14, minutes < 60 else { return nil }
        return (sign == "-" ? -1 : 1) * (hours * 3600 + minutes * 60)
    }

    private static func make(ymd: YMD, time: Clock?) -> PublishedTime? {
        var calendar = Calendar(identifier: .gregorian)
        let offset = time?.offset
        calendar.timeZone = TimeZone(secondsFromGMT: offset ?? 0)!
        var components = DateComponents(year: ymd.year, month: ymd.month, day: ymd.day)
        components.hour = time?.hour ?? 0
        components.minute = time?.minute ?? 0
        components.second = time?.second ?? 0
        guard let date = calendar.date(from: components),
            calendar.component(.day, from: date) == ymd.day
        else { return nil }
        return PublishedTime(date: date, utcOffset: time == nil ? nil : offset, hasTime: time != nil)
    }
}
