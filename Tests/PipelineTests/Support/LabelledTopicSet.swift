import Foundation
import NearDupLab

@testable import Pipeline

/// A labelled topic set for evaluating the tagger, generated deterministically. Each tag has hand-written
/// news sentences and headlines, and a lexicon (who acts, what they do, what about) from which further
/// sentences are composed. Half of the hand-written sentences and headlines (alternating) only ever appear
/// in training documents and the other half only in test documents; of each lexicon list the first four
/// entries are shared and the rest alternate the same way, so the model is scored on sentences it never saw
/// and on some words it never saw. A document takes one main topic (4–6 sentences, its headline), up to two
/// more (2–3 sentences each) and 1–3 neutral sentences, some of them traps for naive matching (the pronoun
/// "us", "fine china", "New Mexico"). Its labels are the topics it was built from.
enum LabelledTopicSet {
    struct Document {
        var article: ParsedArticle
        var labels: Set<String>
    }

    static func make(trainCount: Int = 360, testCount: Int = 180, seed: UInt64 = 2024) -> (train: [Document], test: [Document]) {
        var random = SplitMix64(seed: seed)
        let train = (0..<trainCount).map { _ in document(half: 0, random: &random) }
        let test = (0..<testCount).map { _ in document(half: 1, random: &random) }
        return (train, test)
    }

    static var tags: [String] { topics.keys.sorted() }

    private static func document(half: Int, random: inout SplitMix64) -> Document {
        let slugs = tags
        let main = slugs[random.next(below: slugs.count)]
        var chosen = [main]
        for _ in 0..<random.next(below: 3) {
            let other = slugs[random.next(below: slugs.count)]
            if !chosen.contains(other) { chosen.append(other) }
        }
        var sentences: [String] = []
        for (index, slug) in chosen.enumerated() {
            let topic = topics[slug]!
            let count = index == 0 ? 4 + random.next(below: 3) : 2 + random.next(below: 2)
            for _ in 0..<count {
                if random.next(below: 2) == 0 {
                    sentences += random.pick(1, from: split(topic.sentences, half: half))
                } else {
                    sentences.append(composed(topic, half: half, random: &random))
                }
            }
        }
        sentences += random.pick(1 + random.next(below: 3), from: neutral)
        random.shuffle(&sentences)
        let headlines = split(topics[main]!.headlines, half: half)
        let title = headlines[random.next(below: headlines.count)]
        return Document(article: ParsedArticle(title: title, paragraphs: [sentences.joined(separator: " ")]),
                        labels: Set(chosen))
    }

    private static func split(_ items: [String], half: Int) -> [String] {
        items.enumerated().filter { $0.offset % 2 == half }.map(\.element)
    }

    /// The first four entries serve both halves; the others alternate.
    private static func lexicon(_ items: [String], half: Int) -> [String] {
        Array(items.prefix(4)) + split(Array(items.dropFirst(4)), half: half)
    }

    private static func composed(_ topic: Topic, half: Int, random: inout SplitMix64) -> String {
        let who = random.pick(1, from: lexicon(topic.actors, half: half))[0]
        let did = random.pick(1, from: lexicon(topic.actions, half: half))[0]
        let what = random.pick(1, from: lexicon(topic.objects, half: half))[0]
        let sentence: String
        switch random.next(below: 4) {
        case 0: sentence = "\(who) \(did) \(what)."
        case 1: sentence = "On \(days[random.next(below: days.count)]), \(who) \(did) \(what), officials said."
        case 2: sentence = "\(who) \(did) \(what), a spokesperson confirmed."
        default: sentence = "Reports said \(who) \(did) \(what) after weeks of debate."
        }
        return sentence.prefix(1).uppercased() + sentence.dropFirst()
    }

    static let days = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]

    struct Topic {
        var headlines: [String]
        var sentences: [String]
        /// Who acts in composed sentences.
        var actors: [String] = []
        /// What they did (past tense).
        var actions: [String] = []
        /// What it was about.
        var objects: [String] = []
    }

    static let topics: [String: Topic] = [
        "china": Topic(
            headlines: ["Beijing signals new stimulus", "Xi meets provincial leaders", "Chinese exporters face slowdown",
                        "Shenzhen factories reopen", "China's premier tours the north", "Party congress sets priorities"],
            sentences: [
                "Beijing announced a package of measures to support property developers.",
                "The yuan weakened against the dollar after the central bank in Beijing cut a key rate.",
                "Xi Jinping told party cadres that discipline would be tightened.",
                "Factories across Guangdong reported fewer orders for the third month running.",
                "Chinese state media described the visit as a success.",
                "The Politburo met on Friday to review the economy of the world's second-largest economy.",
                "Officials in Shanghai eased rules on home purchases.",
                "The Communist Party's anti-graft watchdog opened an investigation into a provincial official.",
                "Li Qiang promised that the country would stay open to foreign investment.",
                "Local governments in China are struggling with debt built up over a decade.",
                "A spokesperson for the foreign ministry in Beijing rejected the criticism.",
                "Hangzhou and Chengdu reported rising tourism over the Golden Week holiday.",
            ],
            actors: [
                "Beijing",
                "Chinese officials",
                "the Chinese government",
                "China's commerce ministry",
                "the Politburo",
                "Xi Jinping",
                "the People's Bank of China",
                "Guangdong's provincial government",
                "state media in Shanghai",
                "the Communist Party",
                "Premier Li Qiang",
                "Chinese regulators",
            ],
            actions: [
                "announced",
                "unveiled",
                "defended",
                "tightened",
                "relaxed",
                "promised",
                "reviewed",
                "criticised",
            ],
            objects: [
                "support for the property sector",
                "a plan to boost domestic consumption",
                "curbs on yuan trading",
                "rules for Chinese tech platforms",
                "the five-year plan targets",
                "local government debt limits",
                "stimulus for Chinese exporters",
                "the anti-corruption campaign",
                "growth targets for the mainland economy",
                "rules on rare earth exports",
                "the Belt and Road lending programme",
                "controls on Hong Kong's financial hub",
            ]),
        "united-states": Topic(
            headlines: ["White House weighs new rules", "Congress returns to a crowded agenda", "Americans head to the polls early",
                        "Washington braces for shutdown fight", "US governors push back", "Pentagon budget under scrutiny"],
            sentences: [
                "The White House said the president would sign the bill next week.",
                "Republicans in the House of Representatives blocked the measure.",
                "Democrats on Capitol Hill said they would keep pressing for a vote.",
                "The US Supreme Court agreed to hear the case in its next term.",
                "Governors from several American states wrote to federal agencies.",
                "Washington has long argued that the rules protect national security.",
                "The administration in Washington announced new federal funding for states.",
                "Senators from both parties met at the Capitol late into the night.",
                "The US Department of Commerce published the figures on Thursday.",
                "Polls show Americans are divided over the plan.",
                "Federal officials in Texas and California reviewed the new guidance.",
                "The Biden administration said it expects Congress to act before the deadline.",
            ],
            actors: [
                "Washington",
                "the White House",
                "US officials",
                "the US Senate",
                "House Republicans",
                "Senate Democrats",
                "the Biden administration",
                "the US Supreme Court",
                "American lawmakers",
                "the Pentagon",
                "federal regulators",
                "the US Treasury",
            ],
            actions: [
                "approved",
                "blocked",
                "proposed",
                "challenged",
                "announced",
                "extended",
                "debated",
                "rejected",
            ],
            objects: [
                "a federal spending bill",
                "new rules for American companies",
                "funding for US states",
                "a bipartisan infrastructure deal",
                "the debt ceiling increase",
                "a Supreme Court nominee",
                "federal student loan relief",
                "the defence authorisation act",
                "changes to US tax credits",
                "a federal ban",
                "sanctions drawn up in Washington",
                "an executive order",
            ]),
        "drugs": Topic(
            headlines: ["Fentanyl seizures hit record", "Cartel lab dismantled", "Overdose deaths fall slightly",
                        "Opioid settlement money arrives", "Cocaine shipment found at port", "Treatment centres overwhelmed"],
            sentences: [
                "Agents seized enough fentanyl to kill millions of people.",
                "Overdose deaths fell slightly last year but remain near record levels.",
                "The cartel ran laboratories that turned precursor chemicals into synthetic opioids.",
                "Customs officers found two tonnes of cocaine hidden in banana crates.",
                "Addiction specialists said treatment places were scarce.",
                "Naloxone kits were handed out at schools to reverse overdoses.",
                "Traffickers increasingly mix fentanyl into counterfeit pills.",
                "The drug trafficking network moved heroin through three countries.",
                "Counternarcotics police raided warehouses on the outskirts of the city.",
                "Methamphetamine use has surged in rural areas, health workers said.",
                "Pill presses and precursor shipments were intercepted at the border.",
                "Families of people who died from opioid overdoses spoke at the hearing.",
            ],
            actors: [
                "Drug Enforcement Administration agents",
                "anti-narcotics police",
                "the cartel",
                "drug traffickers",
                "addiction doctors",
                "customs officers",
                "harm-reduction charities",
                "prosecutors in the fentanyl case",
                "the coroner",
                "treatment clinics",
                "a smuggling ring",
                "border agents",
            ],
            actions: [
                "seized",
                "warned about",
                "traced",
                "dismantled",
                "reported",
                "intercepted",
                "tracked",
                "shut down",
            ],
            objects: [
                "fentanyl pills",
                "a shipment of cocaine",
                "opioid overdose deaths",
                "a methamphetamine laboratory",
                "heroin trafficking routes",
                "precursor chemicals",
                "counterfeit opioid tablets",
                "synthetic drug markets",
                "a rise in overdoses",
                "naloxone supplies",
                "cartel smuggling tunnels",
                "drug trafficking profits",
            ]),
        "russia": Topic(
            headlines: ["Kremlin rejects accusations", "Putin addresses the nation", "Moscow expels diplomats",
                        "Russian rouble slides", "Kremlin critic jailed", "Russia holds military drills"],
            sentences: [
                "The Kremlin said the accusations were baseless.",
                "Vladimir Putin told officials that the economy had adapted to sanctions.",
                "Moscow expelled two diplomats in a tit-for-tat move.",
                "The rouble slid to its weakest level in a year.",
                "A court in Moscow jailed an opposition activist for nine years.",
                "Dmitry Peskov told reporters there were no plans for talks.",
                "Russian energy exports have shifted towards Asia.",
                "Sergei Lavrov accused the West of escalating tensions.",
                "Russia's central bank raised its key rate again.",
                "State television in Russia broadcast the speech in full.",
                "The Russian defence ministry published footage of the exercises.",
                "Russians queued at exchange offices after the announcement.",
            ],
            actors: [
                "the Kremlin",
                "Moscow",
                "Russian officials",
                "Vladimir Putin",
                "Russia's foreign ministry",
                "Dmitry Peskov",
                "Russian state television",
                "the Russian central bank",
                "Sergei Lavrov",
                "Russian prosecutors",
                "the Duma",
                "Russian energy firms",
            ],
            actions: [
                "condemned",
                "announced",
                "rejected",
                "defended",
                "threatened",
                "ordered",
                "praised",
                "denied",
            ],
            objects: [
                "new Western sanctions",
                "the rouble's fall",
                "Kremlin critics",
                "Russian gas exports",
                "military exercises near the border",
                "the expulsion of diplomats",
                "Russia's wartime budget",
                "a treason case",
                "oil sales to Asia",
                "the mobilisation order",
                "restrictions on Russian media",
                "the Black Sea fleet",
            ]),
        "ukraine": Topic(
            headlines: ["Kyiv asks allies for air defence", "Zelensky visits front-line towns", "Ukraine's grain corridor holds",
                        "Kharkiv hit overnight", "Ukrainian forces advance", "Rebuilding plan for Ukraine unveiled"],
            sentences: [
                "Volodymyr Zelensky urged allies to speed up deliveries of air defence systems.",
                "Officials in Kyiv said power had been restored to most homes.",
                "Ukrainian forces said they had pushed back near the river.",
                "Kharkiv was hit by strikes overnight, the regional governor said.",
                "Ukraine's grain exports through the Black Sea corridor continued.",
                "Zelenskyy said the front line was stable but difficult.",
                "Residents of Odesa spent the night in shelters.",
                "The government in Kyiv announced a plan to rebuild damaged schools.",
                "Volunteers in Ukraine delivered generators to villages near the front.",
                "Ukrainian officials met investors at a reconstruction conference.",
                "Soldiers in the Donbas described constant drone attacks.",
                "Ukrainians living abroad sent record remittances home.",
            ],
            actors: [
                "Kyiv",
                "Ukrainian officials",
                "Volodymyr Zelensky",
                "the Ukrainian army",
                "Ukraine's energy ministry",
                "Ukrainian drones",
                "the mayor of Kharkiv",
                "Ukraine's grain exporters",
                "volunteers in Odesa",
                "Ukrainian troops",
                "Kyiv's allies",
                "Ukraine's parliament",
            ],
            actions: [
                "requested",
                "repaired",
                "defended",
                "reported",
                "welcomed",
                "restored",
                "targeted",
                "secured",
            ],
            objects: [
                "more air defence systems",
                "damaged power plants in Ukraine",
                "positions along the front line",
                "grain shipments from Odesa",
                "Western military aid for Ukraine",
                "reconstruction funds",
                "evacuation of front-line villages",
                "the counteroffensive",
                "shelters for Ukrainian families",
                "artillery shells",
                "Ukraine's bid to join the EU",
                "prisoner exchanges",
            ]),
        "economy": Topic(
            headlines: ["Inflation eases for third month", "Central bank holds rates", "Markets rally on jobs data",
                        "Recession fears grow", "Profits beat forecasts", "Growth slows in the second quarter"],
            sentences: [
                "Inflation eased to 3.1 per cent, the statistics office said.",
                "The central bank left interest rates unchanged.",
                "Stock markets rallied after the jobs report beat expectations.",
                "Economists warned that a recession could arrive next year.",
                "Unemployment rose slightly to 4.2 per cent.",
                "The company reported quarterly profit above analysts' forecasts.",
                "Gross domestic product grew at an annual rate of 1.6 per cent.",
                "Bond yields climbed as investors priced in higher borrowing costs.",
                "Retail sales fell for a second month as households cut back.",
                "The finance ministry revised its growth forecast down.",
                "Consumer confidence improved as wages outpaced prices.",
                "Shares in banks fell after the lender warned on earnings.",
            ],
            actors: [
                "the central bank",
                "economists",
                "investors",
                "the finance ministry",
                "the statistics office",
                "the IMF",
                "bond markets",
                "retailers",
                "the stock exchange",
                "major banks",
                "analysts",
                "manufacturers",
            ],
            actions: [
                "reported",
                "forecast",
                "warned about",
                "priced in",
                "revised",
                "welcomed",
                "cut",
                "raised",
            ],
            objects: [
                "interest rates",
                "inflation figures",
                "quarterly earnings",
                "economic growth",
                "unemployment data",
                "consumer spending",
                "recession risks",
                "bond yields",
                "the growth forecast",
                "profit margins",
                "mortgage rates",
                "wage growth",
            ]),
        "health": Topic(
            headlines: ["Hospitals under strain", "New vaccine approved", "Measles outbreak spreads",
                        "Cancer screening expanded", "Doctors warn of winter surge", "Health service waiting lists grow"],
            sentences: [
                "Hospitals reported record numbers of patients in emergency departments.",
                "Regulators approved a new vaccine for respiratory virus infections.",
                "A measles outbreak has spread to four schools, health officials said.",
                "Doctors warned that waiting lists for surgery were still growing.",
                "The World Health Organization declared the outbreak over.",
                "Nurses voted to strike over pay and staffing.",
                "A clinical trial found the drug reduced the risk of heart attacks.",
                "Public health officials urged older people to get booster shots.",
                "Cancer screening will be offered to people from the age of 45.",
                "Infections in care homes rose during the cold snap.",
                "The ministry of health said more beds would open by winter.",
                "Researchers said the disease had been detected in wastewater samples.",
            ],
            actors: [
                "hospitals",
                "doctors",
                "health officials",
                "the World Health Organization",
                "nurses",
                "researchers at the hospital",
                "the health ministry",
                "vaccine makers",
                "public health experts",
                "care homes",
                "medical regulators",
                "GPs",
            ],
            actions: [
                "reported",
                "warned about",
                "approved",
                "tracked",
                "treated",
                "tested",
                "recommended",
                "investigated",
            ],
            objects: [
                "a measles outbreak",
                "waiting lists for surgery",
                "a new vaccine",
                "patients with respiratory infections",
                "cancer screening",
                "hospital bed shortages",
                "a flu surge",
                "antibiotic resistance",
                "booster shots for older people",
                "a clinical trial",
                "mental health services",
                "the spread of the virus",
            ]),
        "elections": Topic(
            headlines: ["Voters head to the polls", "Opposition candidate leads in polls", "Election results delayed",
                        "Turnout hits record", "Runoff set for next month", "Campaign enters final week"],
            sentences: [
                "Voters queued outside polling stations from early morning.",
                "The opposition candidate leads by six points in the latest poll.",
                "Counting was delayed in several districts after ballot boxes arrived late.",
                "Turnout reached 71 per cent, the election commission said.",
                "The two leading candidates will face each other in a runoff.",
                "The campaign entered its final week with a televised debate.",
                "Observers said the vote was largely free and fair.",
                "Parties spent heavily on advertising before the election.",
                "Early voting opened in twelve states.",
                "The electoral commission rejected complaints about the count.",
                "Exit polls suggested the ruling party would lose its majority.",
                "Candidates made final appeals to undecided voters.",
            ],
            actors: [
                "voters",
                "the election commission",
                "the opposition candidate",
                "the ruling party",
                "pollsters",
                "election observers",
                "campaign staff",
                "both candidates",
                "the incumbent",
                "party activists",
                "the electoral court",
                "turnout monitors",
            ],
            actions: [
                "counted",
                "predicted",
                "criticised",
                "campaigned on",
                "contested",
                "announced",
                "certified",
                "debated",
            ],
            objects: [
                "the election results",
                "the latest opinion polls",
                "early voting",
                "the runoff",
                "ballot counting",
                "the campaign debate",
                "voter turnout",
                "postal ballots",
                "the party's manifesto",
                "exit polls",
                "the presidential race",
                "seat projections",
            ]),
        "sport": Topic(
            headlines: ["Late goal settles derby", "Champion defends title", "Coach sacked after defeat",
                        "Team reaches the final", "Record crowd for opener", "Star striker injured"],
            sentences: [
                "A late goal settled the derby in front of a sold-out stadium.",
                "The champion defended her title in straight sets.",
                "The club sacked its coach after a fifth straight defeat.",
                "The team reached the final for the first time in a decade.",
                "The striker will miss six weeks with a hamstring injury.",
                "The league announced a new broadcasting deal worth billions.",
                "The goalkeeper saved two penalties in the shootout.",
                "Fans celebrated in the streets after the championship win.",
                "The Olympic champion set a world record in the heats.",
                "The tournament will be played in three host cities.",
                "The captain scored a century as the home side won by six wickets.",
                "The referee sent off two players in a bad-tempered match.",
            ],
            actors: [
                "the coach",
                "the striker",
                "the home side",
                "the champion",
                "the club",
                "the league",
                "the captain",
                "fans",
                "the goalkeeper",
                "the Olympic team",
                "the referee",
                "the tournament organisers",
            ],
            actions: [
                "won",
                "celebrated",
                "lost",
                "secured",
                "missed",
                "defended",
                "dominated",
                "praised",
            ],
            objects: [
                "the championship title",
                "a late goal",
                "the cup final",
                "a place in the semi-finals",
                "the derby",
                "the title race",
                "a penalty shootout",
                "the world record",
                "the grand slam",
                "a hat-trick",
                "the relegation battle",
                "the gold medal",
            ]),
        "climate": Topic(
            headlines: ["Emissions hit new high", "Heatwave breaks records", "Climate talks stall",
                        "Coal plants to close early", "Glaciers shrinking faster", "Carbon tax debated"],
            sentences: [
                "Global carbon emissions reached a new high last year.",
                "A heatwave broke temperature records across the region.",
                "Negotiators at the climate summit failed to agree on a fund for poorer nations.",
                "The government will close its remaining coal plants by 2030.",
                "Glaciers in the Alps lost a tenth of their volume in two years.",
                "Environmental groups criticised the plan as too weak.",
                "Greenhouse gas concentrations continue to rise, scientists said.",
                "Wind and solar supplied more electricity than fossil fuels for the first time.",
                "The drought has left reservoirs at a third of capacity.",
                "Campaigners said deforestation in the Amazon had slowed.",
                "A carbon tax on imports will take effect in two years.",
                "Rising sea levels threaten low-lying islands, the report warned.",
            ],
            actors: [
                "climate scientists",
                "environmental groups",
                "the climate summit",
                "negotiators",
                "the environment agency",
                "campaigners",
                "the energy regulator",
                "the UN climate panel",
                "coastal towns",
                "farmers facing drought",
                "the climate minister",
                "carbon market traders",
            ],
            actions: [
                "warned about",
                "measured",
                "criticised",
                "pledged",
                "tracked",
                "called for",
                "reported",
                "backed",
            ],
            objects: [
                "carbon emissions",
                "record heatwaves",
                "melting glaciers",
                "the phase-out of coal",
                "a carbon tax",
                "rising sea levels",
                "greenhouse gas targets",
                "renewable power",
                "deforestation",
                "climate finance",
                "methane leaks",
                "extreme weather",
            ]),
        "technology": Topic(
            headlines: ["Chipmaker unveils new processor", "AI start-up raises billions", "Hackers breach retailer",
                        "Smartphone sales slump", "Regulators target big tech", "Cloud outage disrupts services"],
            sentences: [
                "The chipmaker unveiled a processor built on a three-nanometre process.",
                "An artificial intelligence start-up raised two billion dollars from investors.",
                "Hackers stole customer data in a cyberattack on the retailer.",
                "Smartphone shipments fell for the sixth straight quarter.",
                "Regulators opened an investigation into the app store's fees.",
                "An outage at a cloud provider disrupted websites for hours.",
                "The company will train its chatbot on licensed news archives.",
                "Semiconductor exports rose on demand for data centres.",
                "Engineers said the software update fixed the security flaw.",
                "The social media platform changed its algorithm to promote short videos.",
                "Tech companies lobbied against the proposed rules on online content.",
                "The start-up's robots sort parcels twice as fast as human workers.",
            ],
            actors: [
                "the chipmaker",
                "the start-up",
                "tech companies",
                "software engineers",
                "hackers",
                "the smartphone maker",
                "the social media platform",
                "cloud providers",
                "AI researchers",
                "the app store",
                "cybersecurity firms",
                "data centre operators",
            ],
            actions: [
                "launched",
                "unveiled",
                "patched",
                "released",
                "acquired",
                "trained",
                "breached",
                "upgraded",
            ],
            objects: [
                "a new processor",
                "an artificial intelligence model",
                "a security flaw",
                "a smartphone",
                "the recommendation algorithm",
                "a chatbot",
                "customer data",
                "semiconductor production",
                "cloud computing capacity",
                "an operating system update",
                "encryption tools",
                "the search engine",
            ]),
        "crime": Topic(
            headlines: ["Man charged with murder", "Fraud trial opens", "Police arrest suspects after raid",
                        "Judge sentences former official", "Jury finds executive guilty", "Robbery gang jailed"],
            sentences: [
                "Police arrested three men after a raid on a house in the suburbs.",
                "A 34-year-old man was charged with murder and will appear in court on Monday.",
                "Prosecutors said the fraud cost investors millions.",
                "The judge sentenced the former official to eight years in prison.",
                "A jury found the executive guilty on all counts.",
                "Detectives appealed for witnesses to come forward.",
                "The gang was jailed for a string of armed robberies.",
                "The defendant pleaded not guilty to all charges.",
                "Officers recovered stolen goods worth thousands.",
                "The court heard that the victim had been threatened for months.",
                "The suspect was remanded in custody until the trial.",
                "An appeals court overturned the conviction.",
            ],
            actors: [
                "police",
                "detectives",
                "prosecutors",
                "the judge",
                "the jury",
                "the defendant",
                "officers",
                "the court",
                "the suspect",
                "the appeals court",
                "investigators",
                "the victim's family",
            ],
            actions: [
                "arrested",
                "charged",
                "convicted",
                "sentenced",
                "investigated",
                "questioned",
                "acquitted",
                "appealed",
            ],
            objects: [
                "a man over the stabbing",
                "the fraud case",
                "the murder suspect",
                "the robbery gang",
                "a burglary ring",
                "the money laundering scheme",
                "the manslaughter charge",
                "a prison sentence",
                "the bail decision",
                "stolen goods",
                "the assault case",
                "witness statements",
            ]),
        "immigration": Topic(
            headlines: ["Asylum claims rise", "Border crossings fall", "New visa rules announced",
                        "Migrants rescued at sea", "Deportation flights resume", "Refugee camp overcrowded"],
            sentences: [
                "Asylum applications rose by a fifth compared with last year.",
                "Border crossings fell after the new rules took effect.",
                "The government announced stricter visa rules for foreign students.",
                "Coastguards rescued 120 migrants from an overcrowded boat.",
                "Deportation flights resumed after a court ruling.",
                "The refugee camp holds twice as many people as it was built for.",
                "Immigration officers detained dozens of undocumented workers.",
                "Charities said asylum seekers were sleeping rough.",
                "The number of people granted refugee status fell.",
                "Lawmakers debated a bill to speed up deportations.",
                "Migrant workers make up a third of the farm workforce.",
                "Families waited at the border for their claims to be heard.",
            ],
            actors: [
                "immigration officials",
                "asylum seekers",
                "the Home Office",
                "border guards",
                "refugee charities",
                "migrants",
                "the coastguard",
                "immigration lawyers",
                "the interior ministry",
                "deportation officers",
                "refugees",
                "visa applicants",
            ],
            actions: [
                "processed",
                "rescued",
                "detained",
                "deported",
                "welcomed",
                "rejected",
                "registered",
                "housed",
            ],
            objects: [
                "asylum claims",
                "migrants crossing the sea",
                "new visa rules",
                "undocumented workers",
                "the refugee camp",
                "deportation flights",
                "border crossings",
                "family reunion applications",
                "the asylum backlog",
                "residence permits",
                "small boat arrivals",
                "work visas",
            ]),
    ]

    /// Sentences about nothing in particular, some of them traps for naive matching.
    static let neutral: [String] = [
        "The weather is expected to stay mild over the weekend.",
        "Let us know what you think in the comments.",
        "The restaurant serves its desserts on fine china.",
        "The road trip through New Mexico took four days.",
        "Tickets are available from the box office.",
        "The museum will be closed on Monday for maintenance.",
        "Residents complained about noise from the building site.",
        "Trains will run a reduced timetable during the holidays.",
        "The council said the bridge repairs would finish in spring.",
        "Tell us about it, readers wrote to the editor.",
        "A local bakery won a regional prize for its bread.",
        "The library extended its opening hours.",
    ]
}

/// The lab's deterministic generator (SplitMix64), so the set is the same on every machine.
typealias SplitMix64 = SeededRandom

extension SeededRandom {
    mutating func next(below bound: Int) -> Int { Int(next() % UInt64(bound)) }

    mutating func pick(_ count: Int, from pool: [String]) -> [String] {
        var copy = pool
        shuffle(&copy)
        return Array(copy.prefix(count))
    }

    mutating func shuffle(_ items: inout [String]) {
        guard items.count > 1 else { return }
        for i in stride(from: items.count - 1, to: 0, by: -1) { items.swapAt(i, next(below: i + 1)) }
    }
}
