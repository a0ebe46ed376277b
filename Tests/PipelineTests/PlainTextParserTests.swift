import Foundation
import Testing

@testable import Pipeline

/// Each `Fixtures/plain/NAME.txt` is parsed and compared with `NAME.expected.json` beside it.
struct PlainTextFixtureTests {
    struct Expected: Decodable {
        var title: String
        var source: String?
        var published: String?
        var byline: String?
        var explicit_tags: [String]
        var tags_include: [String]
        var first_sentence: String
        var last_sentence: String
        var boilerplate: [String]
        var summary_contains: String?
    }

    static let fixtures: [String] = {
        let dir = Fixtures.url("plain")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.filter { $0.hasSuffix(".txt") }.map { String($0.dropLast(4)) }.sorted()
    }()

    @Test func fixturesArePresent() {
        #expect(Self.fixtures.count >= 2)
    }

    @Test(arguments: fixtures)
    func parsesFixture(_ name: String) throws {
        let dir = Fixtures.url("plain")
        let bytes = try [UInt8](Data(contentsOf: dir.appendingPathComponent(name + ".txt")))
        let expected = try JSONDecoder().decode(
            Expected.self, from: Data(contentsOf: dir.appendingPathComponent(name + ".expected.json")))

        let result = ArticlePipeline().process(SourceFile(name: name + ".txt", bytes: bytes))
        let extracted = try result.get()
        let article = extracted.article

        #expect(article.title == expected.title)
        #expect(article.source == expected.source)
        #expect(article.published?.iso8601 == expected.published)
        #expect(article.byline == expected.byline)
        #expect(article.explicitTags == expected.explicit_tags)
        let slugs = Set(extracted.tags.map(\.slug))
        for tag in expected.tags_include {
            #expect(slugs.contains(tag), "missing tag \(tag) in \(slugs.sorted())")
        }
        #expect(article.paragraphs.first?.hasPrefix(expected.first_sentence) == true,
                "first paragraph: \(article.paragraphs.first ?? "-")")
        #expect(article.paragraphs.last?.hasSuffix(expected.last_sentence) == true,
                "last paragraph: \(article.paragraphs.last ?? "-")")
        for phrase in expected.boilerplate {
            #expect(!article.body.contains(phrase), "boilerplate left in body: \(phrase)")
            #expect(!article.title.contains(phrase))
        }
        if let summary = expected.summary_contains {
            #expect(article.summary?.contains(summary) == true)
        }
    }
}

enum Fixtures {
    static func url(_ sub: String) -> URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
            .appendingPathComponent(sub)
    }
}
