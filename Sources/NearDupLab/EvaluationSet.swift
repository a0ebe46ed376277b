import Foundation

/// One file of the labelled set.
public struct LabelledFile: Sendable {
    /// Why the file exists, for the per-kind report.
    public enum Role: String, Sendable, CaseIterable {
        case original
        // Copies of an original (positives):
        case syndicated, rescraped, edited, typos, reencoded, corrected
        // Other articles (hard negatives):
        case sameEvent = "same-event", followUp = "follow-up", sharedQuote = "shared-quote", rewrite
    }

    public var name: String
    public var bytes: [UInt8]
    /// Files with the same `copyGroup` are copies of one article: each later one is a duplicate.
    public var copyGroup: Int
    /// Files with the same `event` are on one story (and belong in one story cluster).
    public var event: Int
    public var role: Role
}

/// The labelled near-duplicate evaluation set: news articles, their syndicated and re-scraped copies
/// (headline changed, other publishers' wrappers, paragraphs dropped or reordered, typos, other
/// encodings, corrections), and hard negatives (other articles on the same event, follow-ups, a long
/// quote shared by two articles, a rewrite that keeps some paragraphs). Deterministic for a seed.
public enum EvaluationSet {
    public static func make(seed: UInt64 = 2024, events: Int = 70) -> [LabelledFile] {
        var generator = NewsGenerator(seed: seed)
        let base = Date(timeIntervalSince1970: 1_704_067_200)  // 2024-01-01
        var files: [LabelledFile] = []
        var group = 0
        var headlines: [String] = []
        let allEvents = (0..<events).map { generator.event(id: $0, base: base) }
        for event in allEvents { headlines.append(generator.headline(event)) }

        func add(_ article: NewsArticle, event: NewsEvent, style: PublisherStyle, encoding: PageEncoding = .utf8,
                 group: Int, role: LabelledFile.Role, random: inout SeededRandom) {
            let related = (0..<3).map { _ in random.pick(headlines) }
            let text = Publishing.page(article, style: style, city: event.city.name, related: related, random: &random)
            files.append(LabelledFile(name: "\(String(format: "%04d", files.count))-\(role.rawValue).txt",
                                      bytes: Publishing.encode(text, encoding), copyGroup: group, event: event.id, role: role))
        }

        var random = SeededRandom(seed: seed ^ 0xD0C5)
        for event in allEvents {
            let original = generator.article(on: event)
            let originalStyle = random.pick(PublisherStyle.allCases)
            let originalGroup = group
            group += 1
            add(original, event: event, style: originalStyle, group: originalGroup, role: .original, random: &random)

            // Copies: three to five of the kinds of change copies undergo, some combined.
            let roles: [LabelledFile.Role] = [.syndicated, .rescraped, .edited, .typos, .reencoded, .corrected]
            for role in roles.shuffled(using: &random).prefix(Int.random(in: 3...5, using: &random)) {
                var copy = original
                var style = originalStyle
                var encoding = PageEncoding.utf8
                switch role {
                case .syndicated:
                    style = random.pick(PublisherStyle.allCases.filter { $0 != originalStyle })
                    copy.headline = generator.headline(event)
                    if random.chance(0.6) { copy.paragraphs.removeLast() }
                case .rescraped:
                    break  // same article, same publisher: other ads and related links
                case .edited:
                    copy.paragraphs.remove(at: Int.random(in: 1..<copy.paragraphs.count, using: &random))
                    let i = Int.random(in: 1..<(copy.paragraphs.count - 1), using: &random)
                    copy.paragraphs.swapAt(i, i + 1)
                case .typos:
                    copy.paragraphs = copy.paragraphs.map { typos($0, rate: 0.006, random: &random) }
                case .reencoded:
                    encoding = random.pick([.utf8WithBOMAndCRLF, .windows1252, .asciiQuotes])
                    copy.headline = generator.headline(event)
                case .corrected:
                    // One sentence rewritten, a correction note appended.
                    let i = Int.random(in: 1..<copy.paragraphs.count, using: &random)
                    var sentences = copy.paragraphs[i].components(separatedBy: ". ")
                    sentences[Int.random(in: 0..<sentences.count, using: &random)] = generator.sentence(event)
                    copy.paragraphs[i] = sentences.joined(separator: ". ")
                    copy.paragraphs.append("Correction: An earlier version of this story misstated a figure in the \(random.pick(["fourth", "fifth", "sixth"])) paragraph.")
                default:
                    break
                }
                add(copy, event: event, style: style, encoding: encoding, group: originalGroup, role: role, random: &random)
            }

            // Hard negatives on the same event.
            if random.chance(0.6) {
                add(generator.article(on: event), event: event, style: random.pick(PublisherStyle.allCases), group: group,
                    role: .sameEvent, random: &random)
                group += 1
            }
            if random.chance(0.4) {
                // A follow-up a day or two later: new reporting, then the background paragraphs reused verbatim.
                var followUp = generator.article(on: event, paragraphs: Int.random(in: 4...6, using: &random),
                                                 dayOffset: Int.random(in: 1...2, using: &random))
                followUp.paragraphs += original.paragraphs.suffix(Int.random(in: 4...6, using: &random))
                add(followUp, event: event, style: originalStyle, group: group, role: .followUp, random: &random)
                group += 1
            }
            if random.chance(0.3) {
                // Another outlet's story on the event that keeps half of the wire copy and rewrites the rest.
                var rewrite = generator.article(on: event, paragraphs: original.paragraphs.count / 2 + 1)
                rewrite.paragraphs += original.paragraphs.enumerated().filter { $0.offset % 2 == 1 }.map(\.element)
                add(rewrite, event: event, style: random.pick(PublisherStyle.allCases), group: group, role: .rewrite,
                    random: &random)
                group += 1
            }
        }
        // Articles on other events that quote one long statement word for word.
        for _ in 0..<(events / 4) {
            let a = allEvents[Int.random(in: 0..<allEvents.count, using: &random)]
            var b = generator.event(id: allEvents.count + files.count, base: base)
            b.people[0] = a.people[0]
            let quote = generator.quoteParagraph(a, sentences: 4)
            for event in [a, b] {
                var article = generator.article(on: event, paragraphs: 7)
                article.paragraphs.insert(quote, at: 2)
                add(article, event: event, style: random.pick(PublisherStyle.allCases), group: group, role: .sharedQuote,
                    random: &random)
                group += 1
            }
        }
        // Arrival order: shuffled, but every copy arrives after its original (first seen is canonical).
        var order = Array(files.indices).shuffled(using: &random)
        let originals = Dictionary(files.indices.filter { files[$0].role == .original }.map { (files[$0].copyGroup, $0) },
                                   uniquingKeysWith: { a, _ in a })
        var placed = Set<Int>()
        var arranged: [Int] = []
        for index in order {
            if let first = originals[files[index].copyGroup], !placed.contains(first) {
                arranged.append(first)
                placed.insert(first)
            }
            if !placed.contains(index) {
                arranged.append(index)
                placed.insert(index)
            }
        }
        order = arranged
        return order.map { files[$0] }
    }

    /// Swaps, drops or doubles letters in about `rate` of the words.
    static func typos(_ text: String, rate: Double, random: inout SeededRandom) -> String {
        text.split(separator: " ", omittingEmptySubsequences: false).map { word -> String in
            guard word.count > 3, random.chance(rate) else { return String(word) }
            var chars = Array(word)
            let i = Int.random(in: 1..<(chars.count - 1), using: &random)
            switch Int.random(in: 0..<3, using: &random) {
            case 0: chars.swapAt(i, i - 1)
            case 1: chars.remove(at: i)
            default: chars.insert(chars[i], at: i)
            }
            return String(chars)
        }.joined(separator: " ")
    }
}
