import Foundation

/// A deterministic random source (SplitMix64): the same seed gives the same corpus on every machine.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    public mutating func pick<T>(_ items: [T]) -> T { items[Int.random(in: 0..<items.count, using: &self)] }
    public mutating func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &self) < p }
}

/// The facts one news event is written from: every article on the event draws on the same facts.
public struct NewsEvent: Sendable {
    public var id: Int
    var topic: Topic
    var city: (name: String, country: String)
    var people: [(name: String, role: String)]
    var organisation: String
    var figures: [Int]
    public var date: Date
    var keywords: [String]
}

struct Topic: Sendable {
    var name: String
    var nouns: [String]
    var headlines: [String]
    var sentences: [String]
}

/// An article as written: headline, byline, date, paragraphs; a publisher's page wraps it.
public struct NewsArticle: Sendable {
    public var headline: String
    public var author: String
    public var date: Date
    public var paragraphs: [String]
    public var tags: [String]
}

/// Writes realistic-looking news articles from templates and events. Not language modelling: a
/// grammar of news sentences with slots, varied enough that unrelated articles share few word runs,
/// while articles on one event share its names and figures.
public struct NewsGenerator {
    public var random: SeededRandom

    /// Surnames from a long tail (three syllables of 24: 13,824 names) instead of the 40 of `lastNames`: news names
    /// many people a few times each, and their names are the story terms that get posted (the lab bench's
    /// `NEARDUP_BENCH_NAMES=long`). Off by default, so that the labelled set stays as it is.
    public var longTailNames = false

    public init(seed: UInt64) { random = SeededRandom(seed: seed) }

    static let syllables = ["ka", "ro", "mi", "tan", "bel", "sor", "vi", "len", "dra", "mo", "ash", "ur", "pe", "lin", "gro",
                            "zu", "fa", "nes", "tor", "bi", "ha", "qui", "del", "om"]

    mutating func surname() -> String {
        guard longTailNames else { return random.pick(Self.lastNames) }
        let name = (0..<3).map { _ in random.pick(Self.syllables) }.joined()
        return name.prefix(1).uppercased() + name.dropFirst()
    }

    // MARK: events

    public mutating func event(id: Int, base: Date) -> NewsEvent {
        let topic = random.pick(Self.topics)
        let city = random.pick(Self.cities)
        let people = (0..<3).map { _ in (name: "\(random.pick(Self.firstNames)) \(surname())", role: random.pick(Self.roles)) }
        let organisation = random.pick([
            "the \(city.country) Ministry of \(random.pick(Self.departments))",
            "\(random.pick(Self.companyStems))\(random.pick(["tek", "corp", "ia", "on", "ex", " Group", " Holdings"]))",
            "the \(random.pick(Self.agencyAdjectives)) \(random.pick(Self.agencyNouns)) of \(city.country)",
        ])
        let figures = (0..<4).map { _ in Int.random(in: 2...950, using: &random) * random.pick([1, 10, 100, 1000]) }
        let date = base.addingTimeInterval(Double(Int.random(in: 0..<(400 * 86_400), using: &random)))
        return NewsEvent(id: id, topic: topic, city: city, people: people, organisation: organisation, figures: figures,
                         date: date, keywords: [topic.name, city.country.lowercased(), random.pick(topic.nouns)])
    }

    // MARK: articles

    /// A fresh article on `event`: its own choice of sentences, quotes and order.
    public mutating func article(on event: NewsEvent, paragraphs count: Int? = nil, dayOffset: Int = 0) -> NewsArticle {
        let n = count ?? Int.random(in: 8...13, using: &random)
        var paragraphs: [String] = [lead(event)]
        while paragraphs.count < n {
            if random.chance(0.3) {
                paragraphs.append(quoteParagraph(event))
            } else {
                paragraphs.append((0..<Int.random(in: 2...3, using: &random)).map { _ in sentence(event) }.joined(separator: " "))
            }
        }
        return NewsArticle(headline: headline(event), author: "\(random.pick(Self.firstNames)) \(random.pick(Self.lastNames))",
                           date: event.date.addingTimeInterval(Double(dayOffset * 86_400 + Int.random(in: 0..<36_000, using: &random))),
                           paragraphs: paragraphs, tags: event.keywords)
    }

    public mutating func headline(_ event: NewsEvent) -> String {
        fill(random.pick(event.topic.headlines), event).capitalisedFirst
    }

    mutating func lead(_ event: NewsEvent) -> String {
        let opener = fill(random.pick(Self.leads), event)
        return opener + " " + sentence(event)
    }

    mutating func sentence(_ event: NewsEvent) -> String {
        let template = random.chance(0.45) ? random.pick(event.topic.sentences) : random.pick(Self.generic)
        return fill(template, event).capitalisedFirst
    }

    /// A quote of two or three sentences attributed to one of the event's people.
    public mutating func quoteParagraph(_ event: NewsEvent, sentences: Int? = nil) -> String {
        let person = random.pick(event.people)
        let body = (0..<(sentences ?? Int.random(in: 2...3, using: &random))).map { _ in fill(random.pick(Self.quotes), event).capitalisedFirst }
        return "“\(body.joined(separator: " "))” \(random.pick(["said", "told reporters", "said in a statement", "added"])) \(person.name), \(person.role)."
    }

    mutating func fill(_ template: String, _ event: NewsEvent) -> String {
        var out = ""
        var rest = Substring(template)
        while let open = rest.firstIndex(of: "{") {
            out += rest[..<open]
            guard let close = rest[open...].firstIndex(of: "}") else { break }
            let slot = rest[rest.index(after: open)..<close]
            out += value(for: slot, event)
            rest = rest[rest.index(after: close)...]
        }
        return out + rest
    }

    mutating func value(for slot: Substring, _ event: NewsEvent) -> String {
        if slot.contains("|") { return random.pick(slot.split(separator: "|").map(String.init)) }
        switch slot {
        case "city": return event.city.name
        case "country": return event.city.country
        case "person": return random.pick(event.people).name
        case "person0": return event.people[0].name
        case "role0": return event.people[0].role
        case "person1": return event.people[1].name
        case "role1": return event.people[1].role
        case "surname": return String(random.pick(event.people).name.split(separator: " ").last ?? "")
        case "org": return event.organisation
        case "noun": return random.pick(event.topic.nouns)
        case "n": return random.pick(event.figures).formatted()
        case "n0": return event.figures[0].formatted()
        case "small": return String(Int.random(in: 2...40, using: &random))
        case "pct": return String(Int.random(in: 3...78, using: &random))
        case "day": return random.pick(["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"])
        case "month": return random.pick(Self.months)
        case "year": return String(Int.random(in: 2015...2024, using: &random))
        case "adj": return random.pick(Self.adjectives)
        case "verb": return random.pick(Self.verbs)
        case "thing": return random.pick(Self.things)
        case "group": return random.pick(Self.groups)
        case "place": return random.pick(Self.cities).name
        case "name": return "\(random.pick(Self.firstNames)) \(random.pick(Self.lastNames))"
        default: return String(slot)
        }
    }

    // MARK: vocabulary

    static let months = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
                         "November", "December"]
    static let firstNames = ["Maria", "James", "Li", "Ahmed", "Olga", "Carlos", "Priya", "Kenji", "Fatima", "Daniel", "Sofia",
                             "Wei", "Hannah", "Tomás", "Aisha", "Pierre", "Elena", "Samuel", "Mei", "Omar", "Grace", "Lukas",
                             "Amara", "Jonas", "Yuki", "Rafael", "Ingrid", "Kwame", "Nadia", "Viktor", "Leila", "Hugo",
                             "Zhang", "Anjali", "Marco", "Esther", "Dmitri", "Chloe", "Tariq", "Beatriz"]
    static let lastNames = ["Okafor", "Schneider", "Tanaka", "Haddad", "Novak", "Reyes", "Kowalski", "Chen", "Nakamura",
                            "Moreau", "Andersson", "Patel", "Silva", "Müller", "Ivanova", "Hassan", "O'Brien", "Rossi",
                            "Kim", "Mensah", "Dubois", "García", "Yilmaz", "Lindqvist", "Adeyemi", "Costa", "Fischer",
                            "Sato", "Khan", "Barros", "Wójcik", "Laurent", "Huang", "Osei", "Petrov", "Jensen", "Ferrari",
                            "Abdullah", "Nguyen", "Varga"]
    static let roles = ["the deputy minister for security", "a senior government official", "the company's chief executive",
                        "a spokesperson for the ministry", "the mayor", "an analyst at a research firm", "the head of the agency",
                        "a professor of economics", "the opposition leader", "the regional governor", "a union representative",
                        "the police commissioner", "the central bank governor", "a lawyer for the families", "the fire chief"]
    static let cities: [(name: String, country: String)] = [
        ("Beijing", "China"), ("Lagos", "Nigeria"), ("São Paulo", "Brazil"), ("Manila", "Philippines"), ("Warsaw", "Poland"),
        ("Istanbul", "Turkey"), ("Nairobi", "Kenya"), ("Jakarta", "Indonesia"), ("Lima", "Peru"), ("Hanoi", "Vietnam"),
        ("Madrid", "Spain"), ("Toronto", "Canada"), ("Osaka", "Japan"), ("Cairo", "Egypt"), ("Mumbai", "India"),
        ("Berlin", "Germany"), ("Sydney", "Australia"), ("Bogotá", "Colombia"), ("Seoul", "South Korea"), ("Athens", "Greece"),
        ("Dhaka", "Bangladesh"), ("Kyiv", "Ukraine"), ("Santiago", "Chile"), ("Accra", "Ghana"), ("Lisbon", "Portugal"),
        ("Karachi", "Pakistan"), ("Bangkok", "Thailand"), ("Mexico City", "Mexico"), ("Zürich", "Switzerland"),
        ("Johannesburg", "South Africa"), ("Oslo", "Norway"), ("Chicago", "United States"), ("Marseille", "France"),
        ("Tehran", "Iran"), ("Riyadh", "Saudi Arabia"), ("Kraków", "Poland"), ("Dublin", "Ireland"), ("Auckland", "New Zealand"),
    ]
    static let departments = ["Finance", "Health", "Public Security", "Transport", "Energy", "Trade", "Agriculture",
                              "Foreign Affairs", "Labour", "Environment"]
    static let companyStems = ["Nova", "Helio", "Quant", "Vertex", "Aster", "Borea", "Cobalt", "Lumen", "Meridian", "Orbis",
                               "Pyra", "Solstice", "Tessera", "Umbra", "Zephyr", "Kestrel"]
    static let agencyAdjectives = ["National", "Federal", "Independent", "Central", "Regional"]
    static let agencyNouns = ["Disaster Management Authority", "Election Commission", "Competition Bureau", "Narcotics Control Board",
                              "Civil Aviation Authority", "Water Board", "Statistics Office"]
    static let adjectives = ["sharp", "unexpected", "modest", "significant", "widespread", "gradual", "dramatic", "limited",
                             "prolonged", "temporary", "unprecedented", "steady", "serious", "renewed", "cautious"]
    static let verbs = ["review", "expand", "suspend", "strengthen", "investigate", "approve", "reject", "delay", "fund",
                        "restructure", "monitor", "challenge", "support", "reconsider", "accelerate"]
    static let things = ["the budget", "the new rules", "the inquiry", "the agreement", "the relief effort", "the programme",
                         "the proposal", "emergency measures", "the reforms", "the contracts", "the safety review",
                         "the investment plan", "the negotiations", "the licence", "the evacuation"]
    static let groups = ["residents", "farmers", "investors", "teachers", "shop owners", "families", "workers", "students",
                         "doctors", "drivers", "exporters", "pensioners", "fishermen", "nurses", "commuters"]

    static let leads = [
        "{city} — ",
        "{org} said on {day} that",
        "Officials in {city} on {day} confirmed that",
        "In a move that surprised many {group},",
        "After weeks of speculation,",
        "More than {n} {group} were affected on {day} as",
        "The government of {country} announced on {day} that",
    ]

    static let generic = [
        "{person} said the {noun} would be {verb}ed within {small} days, according to a statement released on {day}.",
        "The {adj} change comes as {group} across {country} face rising costs and growing uncertainty.",
        "Critics argued that {org} had failed to {verb} {thing} despite repeated warnings from {group}.",
        "Figures published by the statistics office showed a {adj} rise of {pct} per cent compared with {month} {year}.",
        "Local media reported that at least {n} {group} had gathered outside the offices of {org} in {city}.",
        "It was not immediately clear how the decision would affect {thing} or the {noun} planned for {month}.",
        "{person}, who has held the post since {year}, did not respond to a request for comment.",
        "The announcement followed a {adj} meeting between representatives of {org} and {group} from {place}.",
        "Analysts said the {noun} could weigh on growth in {country} for the rest of the year.",
        "Opposition politicians called for an independent inquiry into {thing} and the role of {org}.",
        "Under the plan, {org} will {verb} {thing} and report back to parliament by {month}.",
        "{group} in {city} described the situation as {adj}, with some saying they had waited {small} hours for help.",
        "The {noun} is the latest in a series of {adj} setbacks for {org}, which has faced criticism since {year}.",
        "A spokesperson for {org} said it was working closely with authorities in {city} to {verb} {thing}.",
        "Similar measures were introduced in {place} in {year}, with mixed results, according to researchers.",
        "{country} has spent about {n} million dollars on {thing} over the past {small} years.",
        "The move was welcomed by {group}, although some warned it did not go far enough.",
        "Officials declined to say when {thing} would be completed, citing the {adj} nature of the {noun}.",
        "Shares in companies linked to the {noun} fell by {pct} per cent in early trading on {day}.",
        "The ministry said {n} people had been affected so far and that the figure was expected to rise.",
        "Human rights groups have urged {org} to publish the full details of {thing}.",
        "The last time {country} faced a comparable {noun} was in {year}, when {group} took to the streets of {city}.",
        "Negotiators from both sides are expected to meet again in {place} next {day}.",
        "The head of {org} told lawmakers that the {noun} had been handled in line with existing rules.",
        "A report by an independent panel last {month} found that {thing} had been underfunded for years.",
        "Witnesses said emergency vehicles arrived within minutes, and roads around {city} were closed until late {day}.",
        "Economists polled by a news agency had expected a {adj} slowdown in the second half of the year.",
        "{surname} said the government would not {verb} {thing} without consulting {group} first.",
        "The {noun} has drawn attention to long-standing problems with {thing} in the region.",
        "Several {group} interviewed in {city} said they had little confidence in {org}.",
        "In a separate development, authorities in {place} said they would {verb} {thing} from next {month}.",
        "The decision can be appealed within {small} days, a court official said.",
        "According to the latest estimates, the cost of the {noun} could exceed {n} million dollars.",
        "Diplomats said privately that talks on {thing} had stalled over the question of funding.",
        "The number of {group} registered for assistance has doubled since {month}, officials said.",
        "{org} has previously denied any wrongdoing in connection with {thing}.",
    ]

    static let quotes = [
        "we will not allow {thing} to be used as an excuse for inaction",
        "our priority is to protect {group} and to {verb} {thing} as quickly as possible",
        "this is a {adj} moment for {country} and we must respond together",
        "nobody should be under any illusion about the scale of the {noun}",
        "we have asked {org} to {verb} {thing} and to report back within {small} days",
        "the people of {city} deserve answers, and they deserve them now",
        "we are committed to working with our partners to {verb} {thing}",
        "there is still a great deal of work to do before we can say the {noun} is over",
        "I have spoken to {group} who told me they feel abandoned",
        "the figures speak for themselves: {n} {group} cannot be ignored",
        "we expect a {adj} improvement over the coming months, but risks remain",
        "it would be irresponsible to {verb} {thing} at this stage",
    ]

    static let topics: [Topic] = [
        Topic(name: "drugs", nouns: ["fentanyl trafficking", "counternarcotics operation", "drug seizure", "precursor chemicals"],
              headlines: ["{country} and partners launch talks on {noun}", "{city} police report record {noun}",
                          "Officials in {country} vow crackdown after {noun}", "{org} targets {noun} in new push"],
              sentences: ["Investigators seized {n} kilograms of precursor chemicals in a warehouse outside {city}.",
                          "The {noun} involved officers from {small} agencies and lasted several weeks.",
                          "Overdose deaths linked to synthetic opioids have risen {pct} per cent since {year}.",
                          "Prosecutors said the network moved chemicals through ports in {place} and {city}."]),
        Topic(name: "earthquake", nouns: ["earthquake", "aftershock", "rescue operation", "tremor"],
              headlines: ["Magnitude {small} earthquake strikes near {city}", "Rescuers search rubble after {noun} in {country}",
                          "{noun} leaves thousands homeless in {country}", "Death toll rises after {noun} near {city}"],
              sentences: ["The quake struck at a depth of {small} kilometres, according to the geological survey.",
                          "Rescue teams used dogs and thermal cameras to search collapsed buildings in {city}.",
                          "More than {n} aftershocks were recorded in the hours after the main {noun}.",
                          "Hospitals in {city} said they had treated {n} people for injuries."]),
        Topic(name: "election", nouns: ["election", "vote count", "runoff", "campaign"],
              headlines: ["{person0} claims victory in {country} {noun}", "{country} heads to the polls in tight {noun}",
                          "Turnout high as {country} votes in {noun}", "{noun} result disputed in {country}"],
              sentences: ["With {pct} per cent of ballots counted, {person0} held a narrow lead.",
                          "Observers reported long queues at polling stations in {city} and {place}.",
                          "The electoral commission said final results would be announced on {day}.",
                          "Turnout reached {pct} per cent, the highest since {year}."]),
        Topic(name: "economy", nouns: ["interest rate decision", "inflation figure", "currency slide", "budget deficit"],
              headlines: ["{country} central bank surprises markets with {noun}", "{noun} puts pressure on {country} government",
                          "Markets react to {country} {noun}", "{person0} defends handling of {noun}"],
              sentences: ["The central bank raised its benchmark rate by {small} basis points to {pct} per cent.",
                          "Inflation in {country} reached {pct} per cent in {month}, driven by food and energy prices.",
                          "The currency fell to a record low against the dollar before recovering slightly.",
                          "Bond yields rose sharply after the {noun} was announced."]),
        Topic(name: "wildfire", nouns: ["wildfire", "bushfire", "evacuation order", "blaze"],
              headlines: ["{noun} forces thousands to flee near {city}", "Firefighters battle {noun} in {country}",
                          "{country} declares emergency as {noun} spreads", "Winds fan {noun} outside {city}"],
              sentences: ["The fire has burned more than {n} hectares of forest and farmland.",
                          "Strong winds and temperatures above {small} degrees hampered efforts to contain the {noun}.",
                          "Aircraft dropped water and retardant over hills north of {city}.",
                          "Authorities issued evacuation orders for {small} villages."]),
        Topic(name: "technology", nouns: ["merger", "data breach", "chip factory", "antitrust case"],
              headlines: ["{org} announces {noun} worth {n0} million", "Regulators probe {org} over {noun}",
                          "{noun} rattles investors in {country}", "{org} confirms {noun} affecting customers"],
              sentences: ["The deal values the company at about {n} million dollars, including debt.",
                          "Regulators in {country} said they would examine whether the {noun} harms competition.",
                          "The breach exposed the personal data of {n} customers, the company said.",
                          "Construction of the plant outside {city} is expected to create {n} jobs."]),
        Topic(name: "transport", nouns: ["rail strike", "train derailment", "airport closure", "port blockade"],
              headlines: ["{noun} disrupts travel across {country}", "Investigators examine cause of {noun} near {city}",
                          "Unions call {noun} in {country}", "{noun} strands thousands in {city}"],
              sentences: ["Services between {city} and {place} were cancelled for the rest of the day.",
                          "The operator said {pct} per cent of scheduled trains ran during the {noun}.",
                          "Investigators recovered the data recorder and expected a preliminary report in {month}.",
                          "Freight worth {n} million dollars was held up at the port."]),
        Topic(name: "health", nouns: ["outbreak", "vaccination campaign", "hospital strike", "drug shortage"],
              headlines: ["{country} steps up response to {noun}", "{noun} strains hospitals in {city}",
                          "Doctors warn of {noun} in {country}", "{org} launches {noun}"],
              sentences: ["Health officials confirmed {n} new cases in the past week.",
                          "The vaccination campaign aims to reach {n} children before the rainy season.",
                          "Hospitals in {city} postponed non-urgent operations to free up beds.",
                          "Pharmacies reported shortages of {small} common medicines."]),
        Topic(name: "climate", nouns: ["climate summit", "emissions target", "flood defence plan", "heatwave"],
              headlines: ["{country} pledges new {noun} at talks in {city}", "{noun} tests {country} infrastructure",
                          "Activists criticise {country} over {noun}", "{city} hosts {noun} amid protests"],
              sentences: ["Delegates from {small} countries attended the {noun} in {city}.",
                          "The plan commits {country} to cutting emissions by {pct} per cent by 2035.",
                          "Temperatures reached {small} degrees, breaking records set in {year}.",
                          "Campaigners said the {noun} lacked binding commitments."]),
        Topic(name: "courts", nouns: ["court ruling", "corruption trial", "appeal", "sentencing"],
              headlines: ["Court rules against {org} in landmark case", "{person0} goes on trial in {city}",
                          "{country} supreme court delivers {noun}", "Judge delays {noun} of former official"],
              sentences: ["The judge said the evidence presented by prosecutors was overwhelming.",
                          "Defence lawyers said they would appeal the {noun} to the supreme court.",
                          "The trial in {city} is expected to last {small} weeks.",
                          "The case centres on contracts worth {n} million dollars awarded in {year}."]),
    ]
}

extension String {
    var capitalisedFirst: String {
        guard let first else { return self }
        return first.uppercased() + dropFirst()
    }
}
