#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing

/// Tags as a user meets them: the shipped taxonomy installed as a file, aliases and OR/NOT filters in
/// `corpusctl list`, counts by origin in `corpusctl tags`, and an edit of the taxonomy applied to stored
/// documents by `corpusctl reclassify` — a broken edit refused with its line and column.
@Suite(.serialized)
struct TaggingEndToEndTests {
    func slugs(_ documents: [[String: Any]]) -> [String] {
        documents.compactMap { $0["file"] as? String }.sorted()
    }

    @Test func taxonomyFileAliasesFiltersAndReclassify() throws {
        let harness = try DaemonHarness()
        let taxonomy = harness.root.appendingPathComponent("taxonomy.yaml")
        let printed = try harness.run("corpusd", ["--print-default-taxonomy"])
        #expect(printed.status == 0)
        try printed.stdout.write(to: taxonomy)
        try harness.start(["--taxonomy", taxonomy.path])

        try harness.drop("newsmax.txt", contents: try DaemonHarness.seed("000_cec38e9690f741cb.txt"))
        try harness.drop("scmp.txt", contents: try DaemonHarness.seed("002_c94ece29d17d2aab.txt"))
        #expect(try harness.waitForOutcomes(2)["stored"] == 2)

        // Both seeds carry china, united-states and drugs; any alias names the same tag.
        for tag in ["china", "united-states", "drugs", "u.s.", "USA", "PRC", "narcotics"] {
            #expect(slugs(try harness.list(["--tag", tag])) == ["newsmax.txt", "scmp.txt"], "--tag \(tag)")
        }
        #expect(slugs(try harness.list(["--tag", "china", "--not-tag", "fentanyl"])) == ["scmp.txt"])
        #expect(slugs(try harness.list(["--any-tag", "fentanyl", "--any-tag", "mexico"])) == ["newsmax.txt", "scmp.txt"])
        #expect(slugs(try harness.list(["--any-tag", "sport", "--any-tag", "elections"])).isEmpty)

        // Counts by origin: Newsmax declares china, SCMP earns it by rule.
        let tags = try #require(try harness.ctlJSON(["tags"]) as? [[String: Any]])
        let china = try #require(tags.first { $0["slug"] as? String == "china" })
        #expect(china["documents"] as? Int == 2)
        #expect(china["by_origin"] as? [String: Int] == ["explicit": 1, "rule": 1])
        let text = try harness.ctl(["tags"])
        #expect(text.status == 0)
        #expect(text.text.contains("TAG") && text.text.contains("united-states"))

        // A broken edit is refused with where it is broken; nothing changes.
        let original = try String(contentsOf: taxonomy, encoding: .utf8)
        try (original + "\n  opioid-crisis:\n    keywords: [opioid crisis\n").write(to: taxonomy, atomically: true, encoding: .utf8)
        let refused = try harness.ctl(["reclassify"])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("\(taxonomy.path):"), "\(refused.stderr)")
        #expect(try harness.ctl(["list", "--tag", "opioid-crisis"]).stderr.contains("unknown tag 'opioid-crisis'"))

        // The fixed edit: a new tag, and drugs no longer given by rule. Declared tags stay as they were.
        let edited = original.replacingOccurrences(of: "  drugs:\n", with: "  drugs:\n    veto: [Beijing]\n")
            + "\n  opioid-crisis:\n    name: Opioid crisis\n    keywords: [opioid crisis]\n    min_score: 1\n"
        try edited.write(to: taxonomy, atomically: true, encoding: .utf8)
        let result = try #require(try harness.ctlJSON(["reclassify"]) as? [String: Any])
        #expect(result["documents"] as? Int == 2)
        #expect(result["taxonomy"] as? String == taxonomy.path)
        #expect(slugs(try harness.list(["--tag", "opioid-crisis"])) == ["scmp.txt"])
        #expect(slugs(try harness.list(["--tag", "drugs"])).isEmpty)
        #expect(slugs(try harness.list(["--tag", "fentanyl"])) == ["newsmax.txt"])
        #expect(slugs(try harness.list(["--tag", "u.s."])) == ["newsmax.txt", "scmp.txt"])

        // A person confirms a tag and adds one; both stay through the next reclassify.
        let newsmaxID = try #require(try harness.list(["--tag", "fentanyl"]).first?["id"] as? Int)
        let tagged = try #require(try harness.ctlJSON(["tag", String(newsmaxID), "PRC", "opioid crisis"]) as? [String: Any])
        #expect(tagged["confirmed"] as? [String] == ["china"])
        #expect(tagged["added"] as? [String] == ["opioid-crisis"])
        #expect(try harness.ctl(["reclassify"]).status == 0)
        #expect(slugs(try harness.list(["--tag", "opioid-crisis"])) == ["newsmax.txt", "scmp.txt"])
        let show = try #require(try harness.ctlJSON(["show", String(newsmaxID)]) as? [String: Any])
        let shownTags = try #require(show["tags"] as? [[String: Any]])
        #expect(shownTags.first { $0["slug"] as? String == "opioid-crisis" }?["evidence"] as? String == "added by a user")

        // corpusctl untag: SCMP's rule tag goes and stays gone through reclassify.
        let scmpID = try #require(try harness.list(["--tag", "opioid-crisis"]).first { $0["file"] as? String == "scmp.txt" }?["id"] as? Int)
        let untagged = try #require(try harness.ctlJSON(["untag", String(scmpID), "opioid crisis"]) as? [String: Any])
        #expect(untagged["removed"] as? [String] == ["opioid-crisis"])
        #expect(slugs(try harness.list(["--tag", "opioid-crisis"])) == ["newsmax.txt"])
        #expect(try harness.ctl(["reclassify"]).status == 0)
        #expect(slugs(try harness.list(["--tag", "opioid-crisis"])) == ["newsmax.txt"])
        #expect(try harness.ctl(["untag", "99999", "china"]).status == 1)
        #expect(try harness.stop() == 0)
    }

    @Test func reloadTakesAnEditedTaxonomyAndRefusesABrokenOne() throws {
        let harness = try DaemonHarness()
        let taxonomy = harness.root.appendingPathComponent("taxonomy.yaml")
        try "tags:\n  china:\n    aliases: [prc]\n    keywords: [Beijing]\n".write(to: taxonomy, atomically: true, encoding: .utf8)
        try harness.start(["--taxonomy", taxonomy.path])
        func known() throws -> Set<String> {
            Set(((try harness.ctlJSON(["tags", "--all"]) as? [[String: Any]]) ?? []).compactMap { $0["slug"] as? String })
        }
        #expect(try known() == ["china"])

        // A broken edit: corpusctl reload reports where, exits 1, and the taxonomy in force stays.
        try "tags:\n  china:\n    aliases: [prc\n".write(to: taxonomy, atomically: true, encoding: .utf8)
        let refused = try harness.ctl(["reload"])
        #expect(refused.status == 1)
        #expect(refused.text.contains("taxonomy: kept the previous settings: \(taxonomy.path):4:1:"), "\(refused.text)")
        #expect(try known() == ["china"])

        // A good edit, by SIGHUP as systemctl reload sends it: the new tag is known once READY=1 comes back.
        try "tags:\n  china:\n    keywords: [Beijing]\n  ports:\n    keywords: [harbour]\n".write(to: taxonomy, atomically: true, encoding: .utf8)
        let seen = harness.notifySocket.messages.count
        kill(harness.pid, SIGHUP)
        #expect(harness.notifySocket.waitFor("READY=1", after: seen, timeout: 30))
        #expect(try known() == ["china", "ports"])
        #expect(try harness.stop() == 0)
    }

    @Test func aBrokenTaxonomyStopsTheStartWithLineAndColumn() throws {
        let harness = try DaemonHarness()
        let taxonomy = harness.root.appendingPathComponent("taxonomy.yaml")
        try "tags:\n  china:\n    kewords: [China]\n".write(to: taxonomy, atomically: true, encoding: .utf8)
        let result = try harness.run("corpusd", ["--state-dir", harness.stateDir.path, "--taxonomy", taxonomy.path])
        #expect(result.status != 0)
        #expect(result.stderr.contains("\(taxonomy.path):3:5: unknown key 'kewords'"), "\(result.stderr)")
    }
}
