import Foundation
import Testing

@testable import Pipeline

/// Export lines written straight (`JSONLine`) are the bytes `JSONEncoder.corpus` writes for the same record.
struct JSONLineTests {
    private func encoded(_ record: DocumentRecord) throws -> String {
        String(decoding: try JSONEncoder.corpus.encode(record), as: UTF8.self) + "\n"
    }

    private func detail(_ text: String, ingestedAt: Date, optional: String?, tags: [String]) -> DocumentDetail {
        DocumentDetail(id: 42, title: "T " + text, source: optional, url: optional.map { "https://example.org/a/b?\($0)" },
                       published: optional, byline: optional, summary: optional, body: text, wordCount: 7, encoding: "utf-8",
                       itemID: -9, file: "in/a \"b\".jsonl#3", ingestedAt: ingestedAt, tags: tags)
    }

    @Test func everyCharacterIsWrittenAsTheEncoderWritesIt() throws {
        var every = ""
        for value in 0..<0x80 { every.unicodeScalars.append(Unicode.Scalar(UInt8(value))) }
        let texts = [every, "", "é ü ß, \u{85}\u{A0} \u{2028}\u{2029} \u{FEFF} 😀 日本語", "a/b\\c\"d", "\u{0}\u{1F}\u{7F}",
                     String(repeating: "line\n", count: 1_000)]
        for text in texts {
            for optional in [nil, text, ""] {
                for tags in [[], ["china", text], ["a"]] {
                    let document = detail(text, ingestedAt: Date(timeIntervalSince1970: 1_796_493_637.75), optional: optional, tags: tags)
                    for (itemID, withTags) in [(false, true), (true, true), (true, false), (false, false)] {
                        let record = DocumentRecord(document, itemID: itemID, tags: withTags)
                        #expect(record.jsonLine() == (try encoded(record)))
                    }
                }
            }
        }
    }

    @Test func datesAreWrittenAsTheEncoderWritesThem() throws {
        // Whole seconds rounded down, before 1970 too; the ends of the range computed here, and outside it (Foundation's
        // calendar is Julian before 1582).
        var times: [TimeInterval] = [0, -0.5, -1.5, 0.999, 951_782_400, 1_796_493_637.999, -2_208_988_800, -2_208_988_800.5,
                                     253_402_300_799.9, 253_402_300_800, -62_135_596_800, -12_219_292_800]
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0..<2_000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            times.append(-2_208_988_800 + Double(state >> 11) / Double(1 << 53) * 255_611_289_600)
        }
        for time in times {
            let record = DocumentRecord(detail("x", ingestedAt: Date(timeIntervalSince1970: time), optional: nil, tags: []))
            #expect(record.jsonLine() == (try encoded(record)), "\(time)")
        }
    }

    @Test func anExportLineIsOneLineOfJSON() throws {
        let document = detail("He said \"no\".\nThen left.", ingestedAt: Date(timeIntervalSince1970: 0), optional: nil, tags: ["a"])
        let line = try ExportFormat.jsonl.record(document)
        #expect(line.hasSuffix("\n") && !line.dropLast().contains("\n"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["body"] as? String == "He said \"no\".\nThen left.")
        #expect(object["ingested_at"] as? String == "1970-01-01T00:00:00Z")
        #expect(object["item_id"] == nil)
    }

    @Test func listingsWrittenStraightAreTheEncodersPrettyArray() throws {
        var every = ""
        for value in 0..<0x80 { every.unicodeScalars.append(Unicode.Scalar(UInt8(value))) }
        var listings: [DocumentListing] = []
        for (index, text) in [every, "", "ünï 😀 \u{2028}", "a/b"].enumerated() {
            for optional in [nil, text] {
                for tags in [[], ["china"], ["a", text]] {
                    for wordCount in [nil, 0, 431] {
                        let summary = DocumentSummary(id: Int64(index) - 1, title: text, source: optional, published: optional,
                                                      byline: optional, url: optional, tags: tags, file: "f/\(text)",
                                                      ingestedAt: Date(timeIntervalSince1970: 1_796_493_637.5 - Double(index)),
                                                      wordCount: 0)
                        var listing = DocumentListing(summary)
                        listing.wordCount = wordCount
                        listings.append(listing)
                    }
                }
            }
        }
        let (written, encoded) = try writtenAndEncoded(listings)
        #expect(written == encoded)
    }
}
