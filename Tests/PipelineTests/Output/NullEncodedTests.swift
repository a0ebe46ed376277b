import Foundation
import Testing

@testable import Pipeline

/// The reports' JSON writes a missing value as `null` (every key always present), and reads back JSON
/// where such a key is `null` or missing.
struct NullEncodedTests {
    private func json<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try JSONEncoder.corpus.encode(value), as: UTF8.self)
    }

    @Test func missingValuesAreWrittenAsNullAndPresentOnesAsThemselves() throws {
        let copy = DocumentCopy(itemID: 7, documentID: 3, kind: .exactBytes, similarity: 1, file: "a.txt",
                                source: "Wire", title: nil, url: nil, published: "2024-01-02",
                                seenAt: Date(timeIntervalSince1970: 0))
        #expect(try json(copy) == """
            {"document_id":3,"file":"a.txt","item_id":7,"kind":"exact-bytes","published":"2024-01-02",\
            "seen_at":"1970-01-01T00:00:00Z","similarity":1,"source":"Wire","title":null,"url":null}
            """)
        let brief = DocumentBrief(id: 1, title: "T", source: nil, published: nil, file: "f")
        #expect(try json(brief) == #"{"file":"f","id":1,"published":null,"source":null,"title":"T"}"#)
        let daemon = StatusReport.Daemon(running: false, pid: nil, control: nil, started: nil)
        #expect(try json(daemon) == #"{"control":null,"pid":null,"running":false,"started":null}"#)
    }

    @Test func aKeyThatIsMissingOrNullReadsAsNoValue() throws {
        let missing = try JSONDecoder.corpus.decode(SourceCount.self, from: Data("""
            {"documents":2,"last_ingested":"1970-01-01T00:00:00Z"}
            """.utf8))
        #expect(missing.source == nil && missing.firstPublished == nil && missing.lastPublished == nil)
        let null = try JSONDecoder.corpus.decode(SourceCount.self, from: Data("""
            {"documents":2,"source":null,"first_published":"2024-05-01","last_ingested":"1970-01-01T00:00:00Z"}
            """.utf8))
        #expect(null.source == nil && null.firstPublished == "2024-05-01")
        // And what is written is read back whole.
        #expect(try JSONDecoder.corpus.decode(SourceCount.self, from: JSONEncoder.corpus.encode(null)) == null)
    }
}
