"""Campaigns with goals, social media guidelines (v1, v2 in English and Danish) and training
cards for the demo company."""

from __future__ import annotations

# slug, name, description, priority, goals: (label, metric, target, team)
CAMPAIGNS: tuple[tuple[str, str, str, int, tuple[tuple[str, str, float, str | None], ...]], ...] = (
    (
        "nis2-ready",
        "NIS2 Ready",
        "Help Danish companies understand NIS2 and book a gap analysis with our security team.",
        3,
        (
            ("200 shares this quarter", "shares", 200, None),
            ("50 leads this quarter", "leads", 50, None),
            ("Sales shares 100 of them", "shares", 100, "Sales"),
        ),
    ),
    (
        "cloud-cost-control",
        "Cloud Cost Control",
        "Position Nordvind as the FinOps partner for mid-sized Danish companies.",
        2,
        (
            ("30% of employees take part", "participation", 30, None),
            ("1,500 clicks", "clicks", 1500, None),
        ),
    ),
    (
        "join-nordvind",
        "Join Nordvind",
        "Employer branding: fill 12 positions in Aarhus and the graduate programme.",
        1,
        (
            ("150 shares", "shares", 150, None),
            ("25 applications", "signups", 25, None),
            ("40% of Engineering takes part", "participation", 40, "Engineering"),
        ),
    ),
)

GUIDELINES: tuple[tuple[int, str, str, str], ...] = (
    (
        1,
        "en",
        "Sharing Nordvind content on social media",
        "1. Share what you find useful; nobody is required to share anything.\n"
        "2. Write in your own voice. Edit the suggested captions as much as you like.\n"
        "3. Never share customer names, prices or project details that are not already public.\n"
        "4. Say that you work at Nordvind when you share our content.\n"
        "5. When in doubt, ask the marketing team before you post.",
    ),
    (
        1,
        "da",
        "Deling af Nordvind-indhold på sociale medier",
        "1. Del det, du synes er nyttigt; ingen er forpligtet til at dele noget.\n"
        "2. Skriv med din egen stemme. Du må gerne rette de foreslåede tekster så meget, du vil.\n"
        "3. Del aldrig kundenavne, priser eller projektdetaljer, der ikke allerede er offentlige.\n"
        "4. Fortæl, at du arbejder hos Nordvind, når du deler vores indhold.\n"
        "5. Er du i tvivl, så spørg marketingteamet, før du poster.",
    ),
    (
        2,
        "en",
        "Sharing Nordvind content on social media (2025)",
        "1. Share what you find useful; nobody is required to share anything, and nobody is "
        "ranked without their consent.\n"
        "2. Write in your own voice. Edit the suggested captions as much as you like.\n"
        "3. Never share customer names, prices or project details that are not already public.\n"
        "4. Say that you work at Nordvind when you share our content (#ad is not required, "
        "but transparency is).\n"
        "5. Do not reply to critical comments about Nordvind on your own; flag them to the "
        "comms team with the side panel's mention button.\n"
        "6. Links you share are tracked per person so you can see your own impact; your name "
        "never appears in the link.",
    ),
    (
        2,
        "da",
        "Deling af Nordvind-indhold på sociale medier (2025)",
        "1. Del det, du synes er nyttigt; ingen er forpligtet til at dele noget, og ingen "
        "bliver rangeret uden samtykke.\n"
        "2. Skriv med din egen stemme. Du må gerne rette de foreslåede tekster så meget, du vil.\n"
        "3. Del aldrig kundenavne, priser eller projektdetaljer, der ikke allerede er offentlige.\n"
        "4. Fortæl, at du arbejder hos Nordvind, når du deler vores indhold.\n"
        "5. Svar ikke selv på kritiske kommentarer om Nordvind; send dem til "
        "kommunikationsteamet med sidepanelets knap til omtale.\n"
        "6. De links, du deler, spores pr. person, så du kan se din egen effekt; dit navn "
        "står aldrig i linket.",
    ),
)

TRAINING_CARDS: tuple[tuple[str, str, str], ...] = (
    (
        "en",
        "Write the first line for the feed",
        "LinkedIn shows about two lines before 'see more'. Put your own point of view there, not "
        "the article title.",
    ),
    (
        "en",
        "Add one sentence of your own",
        "Posts with a personal sentence get more comments than a bare link. Say why it matters "
        "to you or to your customers.",
    ),
    (
        "en",
        "Post when your network is online",
        "Tuesday to Thursday mornings work well for most Danish B2B audiences. Avoid Friday "
        "afternoons.",
    ),
    (
        "en",
        "Answer comments in the first hour",
        "Early replies keep the conversation going and show the post to more people.",
    ),
    (
        "en",
        "Keep customer details private",
        "Only share customer names and numbers that are already public in a published case.",
    ),
    (
        "en",
        "Tag with care",
        "Tag colleagues who contributed, not a long list of people who did not ask for it.",
    ),
    (
        "da",
        "Skriv den første linje til feedet",
        "LinkedIn viser cirka to linjer før 'se mere'. Skriv dit eget synspunkt der, ikke "
        "artiklens titel.",
    ),
    (
        "da",
        "Tilføj én sætning fra dig selv",
        "Opslag med en personlig sætning får flere kommentarer end et link alene. Skriv, hvorfor "
        "det betyder noget for dig eller dine kunder.",
    ),
    (
        "da",
        "Del, når dit netværk er online",
        "Tirsdag til torsdag om formiddagen virker godt for de fleste danske B2B-målgrupper. Undgå "
        "fredag eftermiddag.",
    ),
    (
        "da",
        "Svar på kommentarer i den første time",
        "Hurtige svar holder samtalen i gang og viser opslaget til flere.",
    ),
    (
        "da",
        "Hold kundedetaljer private",
        "Del kun kundenavne og tal, der allerede er offentlige i en udgivet case.",
    ),
    (
        "da",
        "Tag med omtanke",
        "Tag de kolleger, der har bidraget, ikke en lang liste af folk, der ikke har bedt om det.",
    ),
)

MENTIONS: tuple[tuple[str, str], ...] = (
    (
        "https://www.linkedin.com/posts/demo-customer-cio_nis2-activity-7201",
        "Great NIS2 workshop with the Nordvind security team today - clear and practical.",
    ),
    (
        "https://www.linkedin.com/posts/demo-analyst_cloud-costs-activity-7202",
        "Interesting numbers from Nordvind on cloud waste in test environments.",
    ),
    (
        "https://www.linkedin.com/posts/demo-former-employee_activity-7203",
        "Har nogen erfaring med Nordvind som arbejdsplads? Overvejer at søge i Aarhus.",
    ),
    (
        "https://www.linkedin.com/posts/demo-competitor_activity-7204",
        "Nordvind's zero trust claims seem a bit optimistic to me - VPNs are not dead yet.",
    ),
    (
        "https://www.linkedin.com/posts/demo-journalist_activity-7205",
        "Working on a story about Danish ransomware readiness, Nordvind quoted.",
    ),
)
