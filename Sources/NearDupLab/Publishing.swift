import Foundation

/// How a publisher's page wraps an article when it is copied as plain text: navigation, ads, bylines,
/// datelines, related links, footers. Each style is modelled on a kind of site, not copied from one.
public enum PublisherStyle: String, CaseIterable, Sendable {
    case wire, tabloid, broadsheet, blog, agency, local

    var name: String {
        switch self {
        case .wire: return "Wirenews"
        case .tabloid: return "Daily Clarion"
        case .broadsheet: return "The Morning Ledger"
        case .blog: return "Briefing Room"
        case .agency: return "Press Association of Nations"
        case .local: return "Valley Courier"
        }
    }
}

/// The bytes of one page as a scraper would save them.
public enum PageEncoding: CaseIterable, Sendable {
    case utf8, utf8WithBOMAndCRLF, windows1252, asciiQuotes
}

public enum Publishing {
    /// A page of `style` around `article`, with `ads` furniture lines placed among the paragraphs.
    public static func page(_ article: NewsArticle, style: PublisherStyle, city: String, related: [String],
                            random: inout SeededRandom) -> String {
        var lines: [String] = []
        let date = article.date
        var paragraphs = article.paragraphs
        func furniture() -> String {
            random.pick(["Advertisement", "ADVERTISEMENT", "Story continues below advertisement",
                         "READ MORE: \(random.pick(related))", "Related: \(random.pick(related))",
                         "Sign up for our morning newsletter", "Share this article", "Listen to this article · 4 min"])
        }
        switch style {
        case .wire:
            lines += ["Skip to main content", "World", "", article.headline, "", "By \(article.author)", dateLine(date, .wire), ""]
            paragraphs[0] = "\(city.uppercased()), \(shortDate(date)) (\(style.name)) - " + paragraphs[0]
            lines += body(paragraphs, furniture: furniture, every: 5)
            lines += ["", "Reporting by \(article.author); Editing by \(random.pick(["Alex Richardson", "Nick Macfie", "Sandra Maler"]))",
                      "Our Standards: The Trust Principles.", "© \(year(date)) \(style.name). All rights reserved."]
        case .tabloid:
            lines += ["Skip to main content", "Tags: " + article.tags.joined(separator: " | "), "", article.headline, "",
                      "By \(article.author)    |   \(dateLine(date, .tabloid))", ""]
            lines += body(paragraphs, furniture: furniture, every: 3)
            lines += ["", "© \(year(date)) \(style.name) Media, Inc. All rights reserved."]
        case .broadsheet:
            lines += ["Advertisement", "Advertisement", random.pick(["World", "Asia", "Economy", "Politics"]),
                      "Get more with myNEWS", "A personalised news feed of stories that matter to you", "Learn more", "",
                      article.headline, "", "  • " + firstSentence(paragraphs[0]), ""]
            lines += body(paragraphs, furniture: furniture, every: 4)
            lines += ["", "Copyright © \(year(date)) \(style.name). All rights reserved."]
        case .blog:
            lines += ["Home > News > World", "", article.headline, "", "Published \(dateLine(date, .blog))", "Share this article", ""]
            lines += body(paragraphs, furniture: furniture, every: 2)
            lines += ["", "Sign up for our daily newsletter", "Related stories"] + related.prefix(3) + ["Copyright \(style.name)"]
        case .agency:
            lines += [article.headline, "", "By \(article.author.uppercased()) Associated Press", dateLine(date, .agency), ""]
            paragraphs[0] = "\(city.uppercased()) (AP) — " + paragraphs[0]
            lines += body(paragraphs, furniture: furniture, every: 6)
            lines += ["", "Associated Press writer \(random.pick(NewsGenerator.firstNames)) \(random.pick(NewsGenerator.lastNames)) contributed to this report."]
        case .local:
            lines += [style.name, "", article.headline, "", "\(article.author), Staff Writer", "Updated \(dateLine(date, .local))", ""]
            lines += body(paragraphs, furniture: furniture, every: 4)
            lines += ["", "Comments (\(Int.random(in: 0...90, using: &random)))", "Most Read"] + related.prefix(2)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func body(_ paragraphs: [String], furniture: () -> String, every: Int) -> [String] {
        var out: [String] = []
        for (index, paragraph) in paragraphs.enumerated() {
            out += [paragraph, ""]
            if index > 0 && index % every == 0 && index < paragraphs.count - 1 { out += [furniture(), ""] }
        }
        return out
    }

    /// The page's bytes in `encoding`.
    public static func encode(_ text: String, _ encoding: PageEncoding) -> [UInt8] {
        switch encoding {
        case .utf8:
            return Array(text.utf8)
        case .utf8WithBOMAndCRLF:
            return [0xEF, 0xBB, 0xBF] + Array(text.replacingOccurrences(of: "\n", with: "\r\n").utf8)
        case .windows1252:
            var out: [UInt8] = []
            for scalar in text.unicodeScalars {
                switch scalar {
                case "“": out.append(0x93)
                case "”": out.append(0x94)
                case "‘": out.append(0x91)
                case "’": out.append(0x92)
                case "—": out.append(0x97)
                case "–": out.append(0x96)
                case "•": out.append(0x95)
                case "·": out.append(0xB7)
                default: out.append(scalar.value < 256 ? UInt8(scalar.value) : UInt8(ascii: "?"))
                }
            }
            return out
        case .asciiQuotes:
            return Array(text.replacingOccurrences(of: "“", with: "\"").replacingOccurrences(of: "”", with: "\"")
                .replacingOccurrences(of: "’", with: "'").replacingOccurrences(of: "—", with: "--")
                .replacingOccurrences(of: "\u{a0}", with: " ").utf8)
        }
    }

    enum DateStyle { case wire, tabloid, blog, agency, local }

    static func dateLine(_ date: Date, _ style: DateStyle) -> String {
        let c = components(date)
        let month = NewsGenerator.months[c.month! - 1]
        let weekday = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"][c.weekday! - 1]
        let hour12 = (c.hour! + 11) % 12 + 1
        let ampm = c.hour! < 12 ? "AM" : "PM"
        switch style {
        case .wire: return "\(month) \(c.day!), \(c.year!) \(hour12):\(String(format: "%02d", c.minute!)) \(ampm) UTC"
        case .tabloid: return "\(weekday), \(c.day!) \(month) \(c.year!) \(hour12):\(String(format: "%02d", c.minute!)) \(ampm) EST"
        case .blog: return String(format: "%04d-%02d-%02d", c.year!, c.month!, c.day!)
        case .agency: return "\(month) \(c.day!), \(c.year!)"
        case .local: return "\(month.prefix(3)) \(c.day!), \(c.year!)"
        }
    }

    static func shortDate(_ date: Date) -> String {
        let c = components(date)
        return "\(NewsGenerator.months[c.month! - 1].prefix(3)) \(c.day!)"
    }

    static func year(_ date: Date) -> Int { components(date).year! }

    static func components(_ date: Date) -> DateComponents {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar.dateComponents([.year, .month, .day, .hour, .minute, .weekday], from: date)
    }

    static func firstSentence(_ text: String) -> String {
        guard let end = text.firstIndex(of: ".") else { return text }
        return String(text[...end])
    }
}
