import Foundation
import Testing

@testable import Pipeline

/// Choosing the inbox name a retried original moves back to.
struct FreeInboxPathTests {
    struct Broken: Error {}

    func makeInbox() throws -> (InboxFiles, URL) {
        let root = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("free-name-\(UUID())")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        return (InboxFiles(inbox: root.path, archive: root.path + "/a", failed: root.path + "/f", maxFileSize: 1 << 20), root)
    }

    @Test func takesTheSameNameWhenFreeAndASuffixWhenNot() throws {
        let (files, root) = try makeInbox()
        defer { try? FileManager.default.removeItem(at: root) }
        #expect(try files.freeInboxPath(like: InboxPath("a.txt")) { _ in false } == InboxPath("a.txt"))
        try Data("x".utf8).write(to: root.appendingPathComponent("a.txt"))
        #expect(try files.freeInboxPath(like: InboxPath("a.txt")) { _ in false } == InboxPath("a.txt.retry1"))
        // A name a live item holds is taken too, even without a file.
        #expect(try files.freeInboxPath(like: InboxPath("a.txt")) { $0 == InboxPath("a.txt.retry1") } == InboxPath("a.txt.retry2"))
    }

    @Test func failsInsteadOfSearchingForeverWhenANameCannotBeJudged() throws {
        let (files, root) = try makeInbox()
        defer { try? FileManager.default.removeItem(at: root) }
        // The folder the original came from is now a file: every candidate gives ENOTDIR.
        try Data("x".utf8).write(to: root.appendingPathComponent("china"))
        #expect(throws: DisposalError.self) { try files.freeInboxPath(like: InboxPath("china/a.txt")) { _ in false } }
        // The database cannot say whether a name is taken.
        #expect(throws: Broken.self) { try files.freeInboxPath(like: InboxPath("b.txt")) { _ in throw Broken() } }
        // Every name taken.
        #expect(throws: DisposalError.self) { try files.freeInboxPath(like: InboxPath("c.txt")) { _ in true } }
    }
}
