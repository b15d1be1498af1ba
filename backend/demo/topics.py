"""Topic banks for the demo articles, in English and Danish.

Articles are built combinatorially: a topic's phrases fill a format's title and summary templates,
and the body is an opening for the format, three of the topic's paragraphs and a closing line.
Every phrase is written to fit every template it can land in, in both languages.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Topic:
    key: str
    tags: tuple[str, ...]
    campaign: str | None
    departments: tuple[str, ...]  # who cares most (drives the demo's engagement)
    en: dict[str, str]
    da: dict[str, str]
    paragraphs_en: tuple[str, ...]
    paragraphs_da: tuple[str, ...]
    case_en: tuple[str, str]  # title, summary
    case_da: tuple[str, str]


TOPICS: tuple[Topic, ...] = (
    Topic(
        key="cloud-migration",
        tags=("cloud", "migration", "azure"),
        campaign=None,
        departments=("Engineering", "Sales", "Leadership"),
        en={
            "name": "cloud migration",
            "Name": "Cloud migration",
            "action": "moving your core systems to the cloud",
            "audience": "IT managers",
            "projects": "cloud migrations",
            "expert": "our principal cloud architect",
        },
        da={
            "name": "cloud-migrering",
            "Name": "Cloud-migrering",
            "action": "flytter jeres kernesystemer i skyen",
            "audience": "IT-chefer",
            "projects": "cloud-migreringer",
            "expert": "vores ledende cloud-arkitekt",
        },
        paragraphs_en=(
            "Start with an honest inventory. Most companies find 20 to 30 percent more servers, "
            "scheduled jobs and integrations than their documentation admits, and every one of "
            "them needs an owner and a decision: move, rebuild, replace or retire.",
            "Lift-and-shift is a fine first step for systems you plan to replace within two "
            "years. For everything else, budget time to use managed databases and platform "
            "services, or you will pay cloud prices for a data centre way of working.",
            "Build the landing zone before the first workload moves: identity, network, "
            "logging, backup and cost tags. It feels slow in month one and saves months later.",
            "Plan the cut-over with the business, not around it. A rehearsed migration weekend "
            "with a tested way back is worth more than any tool.",
        ),
        paragraphs_da=(
            "Start med en ærlig oversigt. De fleste virksomheder finder 20 til 30 procent flere "
            "servere, planlagte job og integrationer, end dokumentationen viser, og hver eneste "
            "skal have en ejer og en beslutning: flyt, genopbyg, erstat eller luk.",
            "Lift-and-shift er et fint første skridt for systemer, I alligevel vil udskifte "
            "inden for to år. For resten bør I afsætte tid til managed databaser og "
            "platformtjenester, ellers betaler I cloud-priser for en datacenter-arbejdsform.",
            "Byg landingszonen, før den første workload flytter: identitet, netværk, logning, "
            "backup og omkostningsmærkning. Det føles langsomt den første måned og sparer "
            "måneder senere.",
            "Planlæg omlægningen sammen med forretningen, ikke uden om den. En øvet "
            "migreringsweekend med en testet vej tilbage er mere værd end noget værktøj.",
        ),
        case_en=(
            "How a Jutland manufacturer moved 140 servers to Azure in nine months",
            "A mid-sized manufacturer closed its server room without a single day of lost "
            "production. The plan, the surprises and the numbers.",
        ),
        case_da=(
            "Sådan flyttede en jysk producent 140 servere til Azure på ni måneder",
            "En mellemstor produktionsvirksomhed lukkede sit serverrum uden en eneste dags "
            "tabt produktion. Planen, overraskelserne og tallene.",
        ),
    ),
    Topic(
        key="finops",
        tags=("cloud", "finops", "cost"),
        campaign="cloud-cost-control",
        departments=("Sales", "Leadership", "Engineering"),
        en={
            "name": "cloud cost control",
            "Name": "Cloud cost control",
            "action": "trying to cut your cloud bill",
            "audience": "finance and IT leaders",
            "projects": "cloud cost reviews",
            "expert": "our FinOps lead",
        },
        da={
            "name": "styring af cloud-omkostninger",
            "Name": "Styring af cloud-omkostninger",
            "action": "forsøger at skære i cloud-regningen",
            "audience": "økonomi- og IT-chefer",
            "projects": "gennemgange af cloud-omkostninger",
            "expert": "vores FinOps-ansvarlige",
        },
        paragraphs_en=(
            "The fastest savings are rarely technical. Test environments that run all weekend, "
            "oversized databases and forgotten snapshots typically make up a fifth of the bill.",
            "Tag every resource with an owner and a cost centre, and show each team its own "
            "bill every month. Costs that nobody sees are costs that nobody cuts.",
            "Reservations and savings plans pay off once usage is stable. Commit too early and "
            "you lock in the waste you meant to remove.",
            "Make cost a design question. An architecture review that asks what a feature "
            "will cost per customer prevents the expensive surprises.",
        ),
        paragraphs_da=(
            "De hurtigste besparelser er sjældent tekniske. Testmiljøer, der kører hele "
            "weekenden, overdimensionerede databaser og glemte snapshots udgør typisk en "
            "femtedel af regningen.",
            "Mærk hver ressource med en ejer og et omkostningssted, og vis hvert team dets egen "
            "regning hver måned. Omkostninger, som ingen ser, er omkostninger, som ingen "
            "skærer i.",
            "Reservationer og savings plans betaler sig, når forbruget er stabilt. Binder I jer "
            "for tidligt, låser I det spild fast, som I ville fjerne.",
            "Gør omkostninger til et designspørgsmål. En arkitekturgennemgang, der spørger, hvad "
            "en funktion koster pr. kunde, forebygger de dyre overraskelser.",
        ),
        case_en=(
            "How a Danish pension fund cut its cloud bill by 31 percent",
            "Six weeks of tagging, rightsizing and one honest conversation about test "
            "environments: what worked and what the fund does differently now.",
        ),
        case_da=(
            "Sådan skar en dansk pensionskasse 31 procent af cloud-regningen",
            "Seks ugers mærkning, tilpasning af ressourcer og en ærlig snak om testmiljøer: det "
            "virkede, og det gør pensionskassen anderledes i dag.",
        ),
    ),
    Topic(
        key="nis2",
        tags=("security", "nis2", "compliance"),
        campaign="nis2-ready",
        departments=("Sales", "Leadership", "Engineering"),
        en={
            "name": "NIS2",
            "Name": "NIS2",
            "action": "starting your NIS2 programme",
            "audience": "boards and IT leaders",
            "projects": "NIS2 gap analyses",
            "expert": "our head of security",
        },
        da={
            "name": "NIS2",
            "Name": "NIS2",
            "action": "starter jeres NIS2-arbejde",
            "audience": "bestyrelser og IT-chefer",
            "projects": "NIS2-gapanalyser",
            "expert": "vores sikkerhedschef",
        },
        paragraphs_en=(
            "NIS2 makes management personally accountable for cyber risk. The directive expects "
            "the board to approve risk measures, follow their progress and take part in training.",
            "Start by finding out whether you are an essential or an important entity, and which "
            "of your suppliers are critical. Many companies discover that a customer will ask "
            "for NIS2 evidence long before any authority does.",
            "Incident reporting has tight deadlines: an early warning within 24 hours and a "
            "fuller notification within 72. Practise the process before you need it.",
            "Documentation is not the goal. A short risk register that people actually use beats "
            "a binder of policies that nobody has read.",
        ),
        paragraphs_da=(
            "NIS2 gør ledelsen personligt ansvarlig for cyberrisici. Direktivet forventer, at "
            "bestyrelsen godkender tiltagene, følger fremdriften og selv deltager i træning.",
            "Start med at afklare, om I er en væsentlig eller en vigtig enhed, og hvilke af "
            "jeres leverandører der er kritiske. Mange opdager, at en kunde beder om "
            "dokumentation for NIS2, længe før en myndighed gør det.",
            "Hændelsesrapportering har stramme frister: en tidlig varsling inden for 24 timer og "
            "en egentlig underretning inden for 72 timer. Øv processen, før I får brug for den.",
            "Dokumentation er ikke målet. Et kort risikoregister, som folk faktisk bruger, slår "
            "en mappe med politikker, som ingen har læst.",
        ),
        case_en=(
            "How a regional utility got NIS2-ready in six months",
            "From an unclear scope to a board-approved risk plan and a tested incident "
            "process: the utility's project, step by step.",
        ),
        case_da=(
            "Sådan blev et regionalt forsyningsselskab klar til NIS2 på seks måneder",
            "Fra et uklart omfang til en risikoplan godkendt af bestyrelsen og en testet "
            "beredskabsproces: forsyningens projekt trin for trin.",
        ),
    ),
    Topic(
        key="zero-trust",
        tags=("security", "zero-trust", "identity"),
        campaign=None,
        departments=("Engineering", "Sales"),
        en={
            "name": "zero trust",
            "Name": "Zero trust",
            "action": "rolling out zero trust",
            "audience": "security teams",
            "projects": "zero-trust projects",
            "expert": "our identity architect",
        },
        da={
            "name": "zero trust",
            "Name": "Zero trust",
            "action": "ruller zero trust ud",
            "audience": "sikkerhedsteams",
            "projects": "zero trust-projekter",
            "expert": "vores identitetsarkitekt",
        },
        paragraphs_en=(
            "Zero trust is not a product. It is the habit of checking identity, device and "
            "context on every request instead of trusting whatever is inside the network.",
            "Identity is the new perimeter. Phishing-resistant multi-factor authentication and "
            "conditional access remove most of the attacks we see in incident response.",
            "Begin with the crown jewels: the five applications that would hurt most if an "
            "attacker reached them. Protect those well before you try to cover everything.",
        ),
        paragraphs_da=(
            "Zero trust er ikke et produkt. Det er en vane: at kontrollere identitet, enhed og "
            "kontekst ved hver forespørgsel i stedet for at stole på alt, der er inden for "
            "netværket.",
            "Identiteten er den nye perimeter. Phishing-resistent multifaktorgodkendelse og "
            "betinget adgang fjerner de fleste af de angreb, vi ser i vores beredskabsarbejde.",
            "Begynd med kronjuvelerne: de fem applikationer, der ville gøre mest ondt, hvis en "
            "angriber nåede dem. Beskyt dem ordentligt, før I forsøger at dække alt.",
        ),
        case_en=(
            "How a logistics company replaced its VPN with zero trust",
            "3,000 users, 40 applications and no big-bang weekend: how the company moved to "
            "identity-based access one application at a time.",
        ),
        case_da=(
            "Sådan erstattede en logistikvirksomhed sin VPN med zero trust",
            "3.000 brugere, 40 applikationer og ingen stor omlægningsweekend: sådan gik "
            "virksomheden over til identitetsbaseret adgang én applikation ad gangen.",
        ),
    ),
    Topic(
        key="ransomware",
        tags=("security", "ransomware", "incident-response"),
        campaign="nis2-ready",
        departments=("Engineering", "Leadership", "Sales"),
        en={
            "name": "ransomware readiness",
            "Name": "Ransomware readiness",
            "action": "testing your ransomware readiness",
            "audience": "management teams",
            "projects": "ransomware exercises",
            "expert": "our incident response lead",
        },
        da={
            "name": "ransomware-beredskab",
            "Name": "Ransomware-beredskab",
            "action": "tester jeres ransomware-beredskab",
            "audience": "direktioner",
            "projects": "ransomware-øvelser",
            "expert": "vores beredskabsansvarlige",
        },
        paragraphs_en=(
            "Backups only count if you can restore them. Test a full restore of a critical "
            "system at least twice a year, and keep one copy that an attacker with admin "
            "rights cannot delete.",
            "The first hour decides a lot. Who may disconnect a site, who calls the insurer and "
            "who speaks to customers should be agreed and written down in advance.",
            "A tabletop exercise with the management team takes two hours and reveals more gaps "
            "than most audits. Run it with a realistic scenario and a clock on the wall.",
        ),
        paragraphs_da=(
            "En backup tæller kun, hvis I kan gendanne den. Test en fuld gendannelse af et "
            "kritisk system mindst to gange om året, og hav én kopi, som en angriber med "
            "administratorrettigheder ikke kan slette.",
            "Den første time afgør meget. Hvem der må lukke en lokation ned, hvem der ringer til "
            "forsikringen, og hvem der taler med kunderne, bør være aftalt og skrevet ned på "
            "forhånd.",
            "En skrivebordsøvelse med direktionen tager to timer og afslører flere huller end de "
            "fleste revisioner. Kør den med et realistisk scenarie og et ur på væggen.",
        ),
        case_en=(
            "What a ransomware exercise taught a Danish retailer's management",
            "Two hours, one scenario and four decisions nobody had made before: the lessons "
            "from a tabletop exercise, shared with permission.",
        ),
        case_da=(
            "Det lærte en dansk detailkædes ledelse af en ransomware-øvelse",
            "To timer, ét scenarie og fire beslutninger, som ingen havde truffet før: "
            "erfaringerne fra en skrivebordsøvelse, delt med tilladelse.",
        ),
    ),
    Topic(
        key="platform-engineering",
        tags=("devops", "kubernetes", "platform-engineering"),
        campaign=None,
        departments=("Engineering",),
        en={
            "name": "platform engineering",
            "Name": "Platform engineering",
            "action": "building an internal developer platform",
            "audience": "engineering managers",
            "projects": "platform teams",
            "expert": "our platform engineering lead",
        },
        da={
            "name": "platform engineering",
            "Name": "Platform engineering",
            "action": "bygger en intern udviklerplatform",
            "audience": "udviklingschefer",
            "projects": "platformteams",
            "expert": "vores ansvarlige for platform engineering",
        },
        paragraphs_en=(
            "A platform is a product with developers as its customers. Interview them, measure "
            "how long it takes to ship a first change and treat every manual ticket as a bug.",
            "Kubernetes is a good foundation and a poor interface. Give teams golden paths with "
            "sensible defaults for builds, deployments, secrets and monitoring.",
            "Keep the platform team small and the paved road optional. If teams choose it "
            "because it is easier, you have built the right thing.",
        ),
        paragraphs_da=(
            "En platform er et produkt, hvor udviklerne er kunderne. Interview dem, mål hvor "
            "lang tid den første ændring tager at få i drift, og behandl hver manuel sag som en "
            "fejl.",
            "Kubernetes er et godt fundament og en dårlig brugerflade. Giv teamene gyldne stier "
            "med fornuftige standarder for build, udrulning, hemmeligheder og overvågning.",
            "Hold platformteamet lille og den asfalterede vej frivillig. Hvis teamene vælger "
            "den, fordi den er nemmest, har I bygget det rigtige.",
        ),
        case_en=(
            "How a fintech cut its lead time for changes from weeks to hours",
            "A small platform team, a handful of golden paths and a lot of listening: the "
            "fintech's developer platform after one year.",
        ),
        case_da=(
            "Sådan gik en fintech fra uger til timer fra ændring til drift",
            "Et lille platformteam, en håndfuld gyldne stier og meget lytten: fintech-"
            "virksomhedens udviklerplatform efter et år.",
        ),
    ),
    Topic(
        key="data-platform",
        tags=("data", "analytics", "lakehouse"),
        campaign=None,
        departments=("Engineering", "Leadership"),
        en={
            "name": "modern data platforms",
            "Name": "Modern data platforms",
            "action": "choosing a new data platform",
            "audience": "data leaders",
            "projects": "data platform projects",
            "expert": "our data and AI lead",
        },
        da={
            "name": "moderne dataplatforme",
            "Name": "Moderne dataplatforme",
            "action": "vælger en ny dataplatform",
            "audience": "datachefer",
            "projects": "dataplatformprojekter",
            "expert": "vores leder af data og AI",
        },
        paragraphs_en=(
            "Start from the decisions the business wants to make, not from the tools. A "
            "platform that answers three important questions well beats one that stores "
            "everything and answers nothing.",
            "Data quality is an ownership problem. Every important table needs a named owner, a "
            "definition people agree on and a test that fails loudly.",
            "Lakehouse platforms have made storage cheap and flexible. The expensive part is "
            "still the people who understand both the data and the business.",
        ),
        paragraphs_da=(
            "Tag udgangspunkt i de beslutninger, forretningen vil træffe, ikke i værktøjerne. En "
            "platform, der besvarer tre vigtige spørgsmål godt, slår en, der gemmer alt og "
            "besvarer intet.",
            "Datakvalitet er et ejerskabsproblem. Hver vigtig tabel skal have en navngiven ejer, "
            "en definition, som folk er enige om, og en test, der fejler tydeligt.",
            "Lakehouse-platforme har gjort lagring billig og fleksibel. Den dyre del er stadig "
            "de mennesker, der forstår både data og forretning.",
        ),
        case_en=(
            "How a hospital region built one source of truth for bed capacity",
            "Twelve systems, one definition of an available bed and a dashboard that staff "
            "actually open every morning.",
        ),
        case_da=(
            "Sådan fik en hospitalsregion ét fælles overblik over sengekapaciteten",
            "Tolv systemer, én definition af en ledig seng og et dashboard, som personalet "
            "faktisk åbner hver morgen.",
        ),
    ),
    Topic(
        key="genai",
        tags=("ai", "llm", "data"),
        campaign=None,
        departments=("Engineering", "Leadership", "Marketing"),
        en={
            "name": "generative AI",
            "Name": "Generative AI",
            "action": "putting generative AI into production",
            "audience": "business leaders",
            "projects": "AI pilots",
            "expert": "our machine learning engineer",
        },
        da={
            "name": "generativ AI",
            "Name": "Generativ AI",
            "action": "sætter generativ AI i drift",
            "audience": "forretningsledere",
            "projects": "AI-piloter",
            "expert": "vores machine learning-ingeniør",
        },
        paragraphs_en=(
            "The best first use cases are boring: summarising cases, drafting replies and "
            "searching internal documents. They save time every day and are easy to check.",
            "Decide early what data the model may see. Access rights, logging and a clear "
            "policy for customer data matter more than which model you pick.",
            "Measure the result the way a manager would: minutes saved, errors caught and how "
            "often people use it after the first month.",
        ),
        paragraphs_da=(
            "De bedste første anvendelser er kedelige: at opsummere sager, skrive udkast til "
            "svar og søge i interne dokumenter. De sparer tid hver dag og er lette at "
            "kontrollere.",
            "Beslut tidligt, hvilke data modellen må se. Adgangsrettigheder, logning og en klar "
            "politik for kundedata betyder mere end valget af model.",
            "Mål resultatet, som en leder ville gøre det: sparede minutter, fangede fejl og hvor "
            "ofte folk bruger løsningen efter den første måned.",
        ),
        case_en=(
            "How a Danish insurer answers customer e-mails 40 percent faster with AI",
            "Drafts written by a language model, checked by people: the setup, the guardrails "
            "and what the case handlers think.",
        ),
        case_da=(
            "Sådan svarer et dansk forsikringsselskab 40 procent hurtigere på kundemails med AI",
            "Udkast skrevet af en sprogmodel og tjekket af mennesker: opsætningen, "
            "sikkerhedsrammerne og hvad sagsbehandlerne siger.",
        ),
    ),
    Topic(
        key="gdpr",
        tags=("gdpr", "privacy", "compliance"),
        campaign=None,
        departments=("Engineering", "HR", "Leadership"),
        en={
            "name": "GDPR in the cloud",
            "Name": "GDPR in the cloud",
            "action": "moving personal data to cloud services",
            "audience": "data protection officers",
            "projects": "data protection reviews",
            "expert": "our GRC consultant",
        },
        da={
            "name": "GDPR i skyen",
            "Name": "GDPR i skyen",
            "action": "flytter persondata til cloud-tjenester",
            "audience": "databeskyttelsesrådgivere",
            "projects": "gennemgange af databeskyttelse",
            "expert": "vores GRC-konsulent",
        },
        paragraphs_en=(
            "Know where personal data lives and who can reach it. A data map that covers your "
            "SaaS tools is the foundation for every other GDPR decision.",
            "Transfers outside the EU need a legal basis and a realistic risk assessment. Check "
            "the supplier's sub-processors, not only the main contract.",
            "Privacy by design is cheaper than privacy by retrofit. Ask what data a new feature "
            "really needs, and how long it needs to keep it.",
        ),
        paragraphs_da=(
            "Vid, hvor persondata ligger, og hvem der kan tilgå dem. En datakortlægning, der "
            "også dækker jeres SaaS-værktøjer, er fundamentet for alle andre beslutninger om "
            "GDPR.",
            "Overførsler uden for EU kræver et lovligt grundlag og en realistisk "
            "risikovurdering. Tjek leverandørens underdatabehandlere, ikke kun hovedkontrakten.",
            "Databeskyttelse gennem design er billigere end at rette op bagefter. Spørg, hvilke "
            "data en ny funktion virkelig har brug for, og hvor længe de skal gemmes.",
        ),
        case_en=(
            "How a municipality mapped personal data across 60 cloud services",
            "A three-month project that started as a compliance task and ended with fewer "
            "systems, clearer ownership and lower licence costs.",
        ),
        case_da=(
            "Sådan kortlagde en kommune persondata i 60 cloud-tjenester",
            "Et projekt på tre måneder, der startede som en compliance-opgave og endte med færre "
            "systemer, klarere ejerskab og lavere licensudgifter.",
        ),
    ),
    Topic(
        key="green-it",
        tags=("sustainability", "cloud", "esg"),
        campaign=None,
        departments=("Leadership", "Marketing", "Engineering"),
        en={
            "name": "sustainable IT",
            "Name": "Sustainable IT",
            "action": "reporting the climate footprint of your IT",
            "audience": "ESG and IT leaders",
            "projects": "IT climate assessments",
            "expert": "our cloud architect",
        },
        da={
            "name": "bæredygtig IT",
            "Name": "Bæredygtig IT",
            "action": "opgør jeres IT's klimaaftryk",
            "audience": "ESG- og IT-chefer",
            "projects": "klimaopgørelser for IT",
            "expert": "vores cloud-arkitekt",
        },
        paragraphs_en=(
            "IT's footprint is mostly hardware and electricity. Keeping laptops for five years "
            "instead of three often matters more than any data centre choice.",
            "Cloud providers publish emissions data per region and service. It is imperfect but "
            "good enough to compare options and to report a trend.",
            "The greenest workload is the one you switch off. Idle environments waste money and "
            "energy in equal measure.",
        ),
        paragraphs_da=(
            "IT's klimaaftryk er mest hardware og strøm. At beholde bærbare computere i fem år "
            "i stedet for tre betyder ofte mere end valget af datacenter.",
            "Cloud-udbyderne offentliggør udledningsdata pr. region og tjeneste. Tallene er ikke "
            "perfekte, men gode nok til at sammenligne muligheder og rapportere en udvikling.",
            "Den grønneste workload er den, I slukker. Ubrugte miljøer spilder penge og energi i "
            "lige høj grad.",
        ),
        case_en=(
            "How an engineering firm cut the emissions of its IT by a quarter",
            "Longer device lifetimes, a greener cloud region and switching off what nobody "
            "used: the firm's first year of IT climate reporting.",
        ),
        case_da=(
            "Sådan skar en ingeniørvirksomhed en fjerdedel af udledningen fra sin IT",
            "Længere levetid for udstyr, en grønnere cloud-region og at slukke det, ingen "
            "brugte: virksomhedens første år med klimaregnskab for IT.",
        ),
    ),
    Topic(
        key="modernisation",
        tags=("software", "modernisation", "devops"),
        campaign=None,
        departments=("Engineering", "Sales"),
        en={
            "name": "legacy modernisation",
            "Name": "Legacy modernisation",
            "action": "replacing a legacy system",
            "audience": "product owners",
            "projects": "modernisation projects",
            "expert": "our engineering manager",
        },
        da={
            "name": "modernisering af gamle systemer",
            "Name": "Modernisering af gamle systemer",
            "action": "udskifter et gammelt system",
            "audience": "produktejere",
            "projects": "moderniseringsprojekter",
            "expert": "vores udviklingschef",
        },
        paragraphs_en=(
            "Big-bang rewrites fail more often than they succeed. Replace the old system piece "
            "by piece, behind a stable interface, and retire each part as soon as the new one "
            "carries real traffic.",
            "The old system is the best specification you have. Record what it actually does "
            "with automated tests before you change anything.",
            "Modernisation is a business project. Agree on the first user-visible improvement "
            "and ship it within three months, or support for the programme will fade.",
        ),
        paragraphs_da=(
            "Store omskrivninger i ét hug fejler oftere, end de lykkes. Udskift det gamle system "
            "bid for bid bag en stabil grænseflade, og luk hver del, så snart den nye bærer "
            "rigtig trafik.",
            "Det gamle system er den bedste specifikation, I har. Fastlæg, hvad det faktisk gør, "
            "med automatiske test, før I ændrer noget.",
            "Modernisering er et forretningsprojekt. Aftal den første forbedring, brugerne kan "
            "se, og lever den inden for tre måneder, ellers svinder opbakningen.",
        ),
        case_en=(
            "How a housing association replaced a 25-year-old case system",
            "Module by module over eighteen months, with no freeze on new features: the "
            "approach, the setbacks and the result.",
        ),
        case_da=(
            "Sådan udskiftede et boligselskab et 25 år gammelt sagssystem",
            "Modul for modul over 18 måneder og uden stop for nye funktioner: tilgangen, "
            "tilbageslagene og resultatet.",
        ),
    ),
)

# Formats: (key, English title, English summary, Danish title, Danish summary, opening EN, DA).
# Slots: {name} {Name} {action} {audience} {projects} {expert} {n} {n2} {year}.
FORMATS: tuple[tuple[str, str, str, str, str, str, str], ...] = (
    (
        "guide",
        "A practical guide to {name}",
        "Where to start, what to skip and how to measure progress: our consultants' guide to "
        "{name} for {audience}.",
        "En praktisk guide til {name}",
        "Hvor I skal starte, hvad I kan springe over, og hvordan I måler fremskridt: vores "
        "konsulenters guide til {name} for {audience}.",
        "This guide collects what our consultants wish every customer knew on day one.",
        "Denne guide samler det, vores konsulenter ville ønske, at alle kunder vidste fra dag ét.",
    ),
    (
        "questions",
        "{n} questions to ask before {action}",
        "Get clear answers to these questions first. Most projects that go wrong skipped at "
        "least two of them.",
        "{n} spørgsmål, I bør stille, før I {action}",
        "Få klare svar på disse spørgsmål først. De fleste projekter, der går galt, har "
        "sprunget mindst to af dem over.",
        "The questions below come from real projects, including a few that went wrong.",
        "Spørgsmålene nedenfor kommer fra rigtige projekter, også nogle, der gik galt.",
    ),
    (
        "mistakes",
        "{n} common mistakes when {action}",
        "The same mistakes come up in project after project. Here is how to avoid them, and "
        "what to do instead.",
        "{n} typiske fejl, når I {action}",
        "De samme fejl går igen i mange projekter. Her er, hvordan I undgår dem, og hvad I "
        "gør i stedet.",
        "None of these mistakes is exotic. That is exactly why they are so common.",
        "Ingen af disse fejl er eksotiske. Det er netop derfor, de er så almindelige.",
    ),
    (
        "board",
        "Why {name} belongs on the board agenda",
        "{Name} is no longer only an IT question. What boards should ask, and what good "
        "answers sound like.",
        "Derfor hører {name} hjemme på bestyrelsens dagsorden",
        "{Name} er ikke længere kun et IT-spørgsmål. Det bør bestyrelsen spørge om, og sådan "
        "lyder et godt svar.",
        "Boards do not need the technical details, but they do need the right questions.",
        "Bestyrelsen har ikke brug for de tekniske detaljer, men den har brug for de rigtige "
        "spørgsmål.",
    ),
    (
        "lessons",
        "What we learned from {n2} {projects}",
        "After {n2} {projects} with Danish companies, a few lessons stand out. The biggest one "
        "is about people, not technology.",
        "Det har vi lært af {n2} {projects}",
        "Efter {n2} {projects} hos danske virksomheder står nogle erfaringer tydeligt frem. Den "
        "vigtigste handler om mennesker, ikke teknologi.",
        "We looked back at our own projects and wrote down what held true every time.",
        "Vi har kigget tilbage på vores egne projekter og skrevet ned, hvad der holdt stik "
        "hver gang.",
    ),
    (
        "year",
        "{Name} in {year}: what changes for {audience}",
        "Rules, tools and prices keep moving. A short overview of what {audience} should plan "
        "for this year.",
        "{Name} i {year}: hvad ændrer sig for {audience}",
        "Regler, værktøjer og priser flytter sig. Et kort overblik over, hvad {audience} bør "
        "planlægge efter i år.",
        "Here is what we expect to change this year, and what we think will stay the same.",
        "Her er, hvad vi forventer ændrer sig i år, og hvad vi tror forbliver det samme.",
    ),
    (
        "myths",
        "{n} myths about {name}, and what is actually true",
        "Half-truths about {name} cost time and money. We go through the ones we hear most often.",
        "{n} myter om {name}, og hvad der faktisk er sandt",
        "Halve sandheder om {name} koster tid og penge. Vi gennemgår dem, vi oftest hører.",
        "We hear these claims in almost every first meeting. Some are half true.",
        "Vi hører disse påstande til næsten hvert første møde. Nogle af dem er halvt sande.",
    ),
    (
        "webinar",
        "Webinar: {name} in practice for {audience}",
        "Join {expert} and a customer for 45 minutes on {name}: concrete examples, no sales "
        "pitch and time for questions.",
        "Webinar: {name} i praksis for {audience}",
        "Vær med, når {expert} og en kunde bruger 45 minutter på {name}: konkrete eksempler, "
        "ingen salgstale og tid til spørgsmål.",
        "In this webinar we go through a real project from start to finish.",
        "I dette webinar gennemgår vi et rigtigt projekt fra start til slut.",
    ),
)

CLOSINGS_EN = (
    "Want to compare notes? Our consultants are happy to spend an hour on your situation.",
    "If this sounds familiar, we would like to hear how you are approaching it.",
    "Questions or a different experience? Write to us; we learn from every conversation.",
)
CLOSINGS_DA = (
    "Vil I sparre om jeres situation? Vores konsulenter tager gerne en time med jer.",
    "Lyder det bekendt, vil vi gerne høre, hvordan I griber det an.",
    "Spørgsmål eller andre erfaringer? Skriv til os; vi bliver klogere af hver samtale.",
)

# Caption templates an employee may post with an article. {title} is the article title.
CAPTIONS_EN = (
    "Our team wrote down what we see again and again with {name}. Worth five minutes if you "
    "own this area.",
    "Good read from my colleagues: {title}",
    "{title}. Practical, short and based on real projects. Curious what others think.",
    "If {name} is on your list this year, start here.",
)
CAPTIONS_DA = (
    "Mine kolleger har samlet det, vi ser igen og igen med {name}. Værd at bruge fem "
    "minutter på, hvis det er dit område.",
    "God læsning fra mine kolleger: {title}",
    "{title}. Praktisk, kort og baseret på rigtige projekter. Jeg er spændt på at høre, hvad "
    "andre tænker.",
    "Står {name} på jeres liste i år, så start her.",
)


@dataclass(frozen=True)
class NewsItem:
    key: str
    language: str
    title: str
    summary: str
    body: str
    tags: tuple[str, ...]
    campaign: str | None
    departments: tuple[str, ...]


NEWS: tuple[NewsItem, ...] = (
    NewsItem(
        "hiring-aarhus",
        "en",
        "We are hiring 12 engineers and consultants in Aarhus",
        "Our Aarhus office is growing. We are looking for cloud, security and software people "
        "who like working close to customers.",
        "Nordvind's Aarhus office has doubled in two years, and we are hiring again: platform "
        "engineers, security consultants and full-stack developers.\n\nYou will work in small "
        "teams with customers across Jutland, with a clear career path and time set aside for "
        "learning and certifications.\n\nEnglish is our office language, so you do not need to "
        "speak Danish to join.",
        ("hiring", "careers", "aarhus"),
        "join-nordvind",
        ("HR", "Leadership", "Engineering"),
    ),
    NewsItem(
        "hiring-aarhus-da",
        "da",
        "Vi ansætter 12 udviklere og konsulenter i Aarhus",
        "Vores kontor i Aarhus vokser. Vi søger folk inden for cloud, sikkerhed og software, "
        "som kan lide at arbejde tæt på kunderne.",
        "Nordvinds kontor i Aarhus er fordoblet på to år, og vi ansætter igen: "
        "platformudviklere, sikkerhedskonsulenter og fullstack-udviklere.\n\nDu kommer til at "
        "arbejde i små teams med kunder i hele Jylland, med en klar karrierevej og tid afsat "
        "til læring og certificeringer.\n\nVores kontorsprog er engelsk, og vi har kolleger "
        "fra otte lande.",
        ("hiring", "careers", "aarhus"),
        "join-nordvind",
        ("HR", "Leadership", "Engineering"),
    ),
    NewsItem(
        "graduate-programme",
        "en",
        "Applications open for the Nordvind graduate programme",
        "Two years, three rotations and a mentor from day one. Applications close at the end of "
        "the month.",
        "Our graduate programme takes eight new graduates a year into cloud, security and "
        "software delivery.\n\nGraduates rotate between three teams, work on real customer "
        "projects and get a mentor and a certification budget.\n\nWe welcome applications "
        "from all backgrounds, including career changers.",
        ("hiring", "graduates", "careers"),
        "join-nordvind",
        ("HR", "Engineering"),
    ),
    NewsItem(
        "graduate-programme-da",
        "da",
        "Nu kan du søge Nordvinds graduate-program",
        "To år, tre rotationer og en mentor fra første dag. Ansøgningsfristen er ved udgangen "
        "af måneden.",
        "Vores graduate-program optager hvert år otte nyuddannede inden for cloud, sikkerhed "
        "og softwareudvikling.\n\nDu roterer mellem tre teams, arbejder på rigtige "
        "kundeprojekter og får en mentor og et budget til certificeringer.\n\nVi opfordrer "
        "alle til at søge, også dem, der skifter karriere.",
        ("hiring", "graduates", "careers"),
        "join-nordvind",
        ("HR", "Engineering"),
    ),
    NewsItem(
        "life-security",
        "en",
        "A week in the life of our security team",
        "Incident exercises on Monday, a NIS2 workshop on Wednesday and Friday breakfast in "
        "Aarhus: what the work is really like.",
        "People often ask what a security consultant actually does all week. We followed our "
        "security team for five days.\n\nThe answer: a lot of listening, a fair amount of "
        "writing and some very focused hours when a customer has an incident.\n\nIf that sounds "
        "like your kind of week, we are hiring.",
        ("careers", "security", "culture"),
        "join-nordvind",
        ("HR", "Engineering"),
    ),
    NewsItem(
        "iso27001",
        "en",
        "Nordvind is now ISO 27001 certified",
        "We passed the certification audit for our information security management system "
        "covering both offices and all consulting services.",
        "We ask our customers to take information security seriously, so we hold ourselves to "
        "the same standard.\n\nThe certification covers our Copenhagen and Aarhus offices and "
        "all consulting and managed services.\n\nThanks to everyone who wrote procedures, "
        "joined interviews and fixed the findings.",
        ("company", "security", "iso27001"),
        None,
        ("Leadership", "Sales", "Engineering"),
    ),
    NewsItem(
        "iso27001-da",
        "da",
        "Nordvind er nu ISO 27001-certificeret",
        "Vi har bestået certificeringen af vores ledelsessystem for informationssikkerhed for "
        "begge kontorer og alle konsulentydelser.",
        "Vi beder vores kunder om at tage informationssikkerhed alvorligt, så vi stiller de "
        "samme krav til os selv.\n\nCertificeringen dækker kontorerne i København og Aarhus og "
        "alle konsulent- og driftsydelser.\n\nTak til alle, der skrev procedurer, deltog i "
        "interviews og rettede fundene.",
        ("company", "security", "iso27001"),
        None,
        ("Leadership", "Sales", "Engineering"),
    ),
    NewsItem(
        "new-office",
        "da",
        "Vi flytter ind i større lokaler i Aarhus",
        "Efter to års vækst flytter Aarhus-kontoret til Åboulevarden med plads til 60 "
        "kolleger og et rum til meetups.",
        "Vi er vokset ud af vores nuværende kontor i Aarhus og flytter til nye lokaler på "
        "Åboulevarden.\n\nDer bliver plads til 60 kolleger, projektrum til kundeworkshops og "
        "et stort mødelokale, som vi åbner for byens tech-meetups.\n\nVi glæder os til at se "
        "jer til indflytningsreceptionen.",
        ("company", "aarhus", "culture"),
        None,
        ("Leadership", "HR", "Marketing"),
    ),
    NewsItem(
        "partner-award",
        "en",
        "Nordvind named a Nordic cloud security partner of the year",
        "The award recognises our work with Danish customers on secure cloud landing zones and "
        "identity.",
        "We are proud to be named a Nordic cloud security partner of the year.\n\nThe award "
        "recognises two years of work with Danish customers on secure landing zones, identity "
        "and incident readiness.\n\nThe credit goes to our consultants and to the customers "
        "who trusted us with their most important systems.",
        ("company", "cloud", "security"),
        None,
        ("Leadership", "Sales", "Marketing"),
    ),
    NewsItem(
        "breakfast-seminar",
        "da",
        "Morgenseminar i København: NIS2 uden jura-sprog",
        "Kom til morgenmad og en time om NIS2 forklaret i almindelige ord, med konkrete "
        "eksempler fra danske virksomheder.",
        "NIS2 fylder meget, men meget af det, der bliver skrevet, er svært at omsætte til "
        "handling.\n\nVores sikkerhedschef gennemgår, hvad direktivet betyder i praksis, og "
        "hvad I kan nå de næste tre måneder.\n\nDer er morgenmad fra kl. 8, og vi slutter kl. "
        "9.30.",
        ("nis2", "security", "event"),
        "nis2-ready",
        ("Sales", "Marketing", "Engineering"),
    ),
    NewsItem(
        "four-day-learning",
        "en",
        "Why every consultant at Nordvind gets a learning day a month",
        "One day a month, every consultant steps away from customer work to learn. Here is why "
        "we think it pays off.",
        "Technology moves faster than any training plan, so we set aside one day a month for "
        "every consultant to learn something new.\n\nSome take certifications, some build "
        "prototypes, and some teach each other.\n\nOur customers get consultants who are up to "
        "date, and we keep the people we hire.",
        ("culture", "careers", "learning"),
        "join-nordvind",
        ("HR", "Leadership", "Engineering"),
    ),
    NewsItem(
        "customer-day",
        "da",
        "Kundedag 2025: tak for en fantastisk dag",
        "120 kunder og kolleger mødtes i København til en dag om cloud, sikkerhed og data. Her "
        "er højdepunkterne.",
        "Over 120 kunder og kolleger var samlet til årets kundedag i København.\n\nDagens "
        "højdepunkter var en ærlig snak om en ransomware-hændelse og en workshop om "
        "cloud-omkostninger.\n\nSlides og optagelser ligger nu klar til alle deltagere.",
        ("company", "event", "customers"),
        None,
        ("Marketing", "Sales", "Leadership"),
    ),
)
