import Foundation
import Testing

@testable import Pipeline

/// `list --json` streams: the store hands the listing over a page at a time and the writer prints the array as
/// it goes. Both must give exactly what the whole listing and its one-piece encoding give.
struct ListingStreamTests {
    private func corpus() throws -> CorpusDatabase {
        let db = try CorpusDatabase.inMemory()
        let scale = ScaleTests()
        var texts: [String] = []
        for n in 0..<23 {
            texts.append(scale.page(n, tags: n % 3 == 0 ? ["china"] : n % 3 == 1 ? ["sport", "china"] : ["sport"],
                                    date: n % 4 == 0 ? nil : "2024-01-\(10 + n % 15)"))
            // Every fifth page arrives twice: an exact copy listed as its duplicate.
            if n % 5 == 0 { texts.append(texts.last!) }
        }
        try scale.record(texts, in: db)
        return db
    }

    private func streamed(_ db: CorpusDatabase, _ filter: DocumentFilter, sort: DocumentSort, limit: Int, offset: Int,
                          page: Int, withCopies: Bool = false) throws -> ([DocumentSummary], [Int64: [DocumentCopy]], Int) {
        var all: [DocumentSummary] = []
        var copies: [Int64: [DocumentCopy]] = [:]
        var pages = 0
        try db.forEachDocumentPage(filter: filter, sort: sort, limit: limit, offset: offset, page: page, withCopies: withCopies) {
            #expect($0.count <= page)
            all += $0
            copies.merge($1) { a, _ in a }
            pages += 1
        }
        return (all, copies, pages)
    }

    @Test func pagesGiveWhatTheWholeListingGives() throws {
        let db = try corpus()
        let filters = [DocumentFilter(), DocumentFilter(allTags: ["china"]), DocumentFilter(allTags: ["sport", "china"]),
                       DocumentFilter(notTags: ["china"]), DocumentFilter(text: "harbour")]
        var compared = 0
        for filter in filters {
            for sort in [DocumentSort.ingested, .published] {
                for (limit, offset) in [(50, 0), (5, 3), (1000, 7), (0, 0)] {
                    let whole = try db.documents(filter: filter, sort: sort, limit: limit, offset: offset)
                    for page in [1, 2, 500] {
                        let (paged, copies, pages) = try streamed(db, filter, sort: sort, limit: limit, offset: offset, page: page)
                        #expect(paged == whole, "\(filter) \(sort) \(limit)/\(offset) by \(page)")
                        #expect(pages == (whole.count + page - 1) / page)
                        #expect(copies.isEmpty)
                        compared += whole.count
                    }
                }
            }
        }
        #expect(compared > 300)
        // No limit: everything.
        #expect(try streamed(db, DocumentFilter(), sort: .ingested, limit: -1, offset: 0, page: 4).0.count == 23)
    }

    @Test func eachPageCarriesItsDocumentsDuplicates() throws {
        let db = try corpus()
        let whole = try db.documents(filter: DocumentFilter(), limit: 100)
        let expected = try db.copies(ofDocuments: whole.map(\.id))
        #expect(expected.values.map(\.count).reduce(0, +) == 5)
        let (_, copies, _) = try streamed(db, DocumentFilter(), sort: .ingested, limit: 100, offset: 0, page: 3, withCopies: true)
        #expect(copies == expected)
    }

    @Test func theWriterPrintsWhatTheEncoderPrintsForTheWholeArray() throws {
        let db = try corpus()
        var listings = try db.documents(filter: DocumentFilter(), limit: 6).map(DocumentListing.init)
        let copies = try db.copies(ofDocuments: listings.map(\.id))
        for index in listings.indices where index % 2 == 0 { listings[index].duplicates = copies[listings[index].id] ?? [] }
        listings[1].title = "Line one\nline \"two\" — ünïcode \\ / tab\t"
        for count in [0, 1, 2, listings.count] {
            let (written, encoded) = try writtenAndEncoded(Array(listings.prefix(count)))
            #expect(written == encoded, "\(count) elements")
        }
    }
}
