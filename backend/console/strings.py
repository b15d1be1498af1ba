"""Console texts: ``key: (English, Danish)``. Keep both in every entry."""

from __future__ import annotations

STRINGS: dict[str, tuple[str, str]] = {
    # --- frame -------------------------------------------------------------------------------
    "app.name": ("Herald", "Herald"),
    "app.console": ("content console", "indholdskonsol"),
    "app.footer": (
        "Herald: employee advocacy. Numbers are UTC; potential reach is an upper bound.",
        "Herald: medarbejderambassadører. Tal er i UTC; potentiel rækkevidde er en øvre grænse.",
    ),
    "nav.skip": ("Skip to content", "Gå til indhold"),
    "nav.main": ("Main", "Hovedmenu"),
    "nav.home": ("Home", "Forside"),
    "nav.articles": ("Articles", "Artikler"),
    "nav.campaigns": ("Campaigns", "Kampagner"),
    "nav.analytics": ("Analytics", "Analyse"),
    "nav.mentions": ("Mentions", "Omtaler"),
    "nav.guidelines": ("Guidelines", "Retningslinjer"),
    "nav.recommender": ("Recommender", "Anbefalinger"),
    "nav.people": ("People", "Personer"),
    "nav.language": ("Language", "Sprog"),
    "nav.sign_out": ("Sign out", "Log ud"),
    "role.content": ("content", "indhold"),
    "role.admin": ("admin", "administrator"),
    "role.employee": ("employee", "medarbejder"),
    "lang.en": ("English", "Engelsk"),
    "lang.da": ("Danish", "Dansk"),
    # --- generic actions ---------------------------------------------------------------------
    "action.switch": ("Switch", "Skift"),
    "action.filter": ("Apply filters", "Anvend filtre"),
    "action.save": ("Save", "Gem"),
    "action.approve": ("Approve", "Godkend"),
    "action.archive": ("Archive", "Arkivér"),
    "action.restore": ("Restore to draft", "Gendan som kladde"),
    "action.unpublish": ("Back to draft", "Tilbage til kladde"),
    "action.create": ("Create", "Opret"),
    "action.delete": ("Delete", "Slet"),
    "action.download_csv": ("Download CSV", "Hent CSV"),
    "action.print": ("Print", "Udskriv"),
    "filter.all": ("All", "Alle"),
    "filter.any": ("Any time", "Når som helst"),
    "pager.label": ("Pages", "Sider"),
    "pager.prev": ("← Previous", "← Forrige"),
    "pager.next": ("Next →", "Næste →"),
    "form.bad_date": ("Use the format YYYY-MM-DD.", "Brug formatet ÅÅÅÅ-MM-DD."),
    "form.fix_errors": ("Please correct the fields below.", "Ret venligst felterne nedenfor."),
    "form.check_filters": (
        "Some filters were not understood and were ignored.",
        "Nogle filtre blev ikke forstået og er ignoreret.",
    ),
    "status.draft": ("Draft", "Kladde"),
    "status.approved": ("Approved", "Godkendt"),
    "status.archived": ("Archived", "Arkiveret"),
    # --- sign-in -----------------------------------------------------------------------------
    "login.title": ("Sign in", "Log ind"),
    "login.intro": (
        "For the content and communications team. Employees use the browser extension instead.",
        "For indholds- og kommunikationsteamet. Medarbejdere bruger browserudvidelsen.",
    ),
    "login.email": ("E-mail", "E-mail"),
    "login.password": ("Password", "Adgangskode"),
    "login.submit": ("Sign in", "Log ind"),
    "login.help": (
        "No password yet? An administrator sets one with: flask set-password YOUR-EMAIL",
        "Ingen adgangskode endnu? En administrator sætter den med: flask set-password DIN-EMAIL",
    ),
    "login.invalid": ("E-mail or password is wrong.", "E-mail eller adgangskode er forkert."),
    "login.locked": (
        "Too many failed attempts. This account is locked for 15 minutes.",
        "For mange mislykkede forsøg. Kontoen er låst i 15 minutter.",
    ),
    "login.signed_out": ("You are signed out.", "Du er logget ud."),
    # --- errors ------------------------------------------------------------------------------
    "error.400.title": ("The request could not be used", "Forespørgslen kunne ikke bruges"),
    "error.400.csrf": (
        "The form expired or did not come from this console. Go back, reload the page and try "
        "again.",
        "Formularen er udløbet eller kom ikke fra denne konsol. Gå tilbage, genindlæs siden og "
        "prøv igen.",
    ),
    "error.403.title": ("Not for this account", "Ikke for denne konto"),
    "error.403.body": (
        "Your role does not give access to this page.",
        "Din rolle giver ikke adgang til denne side.",
    ),
    "error.403.employee": (
        "The console is for the content team. As an employee you use the Herald browser "
        "extension on LinkedIn.",
        "Konsollen er for indholdsteamet. Som medarbejder bruger du Herald-browserudvidelsen "
        "på LinkedIn.",
    ),
    "error.404.title": ("Not found", "Ikke fundet"),
    "error.404.body": ("This page or item does not exist.", "Siden eller elementet findes ikke."),
    "error.409.title": ("That cannot be done now", "Det kan ikke lade sig gøre nu"),
    "error.413.title": ("The file is too large", "Filen er for stor"),
    "error.422.title": ("Some values are not valid", "Nogle værdier er ugyldige"),
    "error.429.title": ("Too many attempts", "For mange forsøg"),
    "error.429.body": ("Wait a minute and try again.", "Vent et minut og prøv igen."),
    "error.other.title": ("Something went wrong", "Noget gik galt"),
    "error.back": ("Back to the console", "Tilbage til konsollen"),
    # --- home --------------------------------------------------------------------------------
    "home.title": ("Overview", "Overblik"),
    "home.welcome": ("Welcome, {name}.", "Velkommen, {name}."),
    "home.drafts": ("drafts waiting for approval", "kladder venter på godkendelse"),
    "home.approved": ("approved articles", "godkendte artikler"),
    "home.expiring": ("expire within 14 days", "udløber inden for 14 dage"),
    "home.mentions": ("open mentions", "åbne omtaler"),
    "home.employees": ("active employees", "aktive medarbejdere"),
    "home.model": ("active model version", "aktiv modelversion"),
    "home.next": ("What to do next", "Det næste at gøre"),
    "home.next.review": ("Review {n} draft articles", "Gennemgå {n} kladder"),
    "home.next.first_article": (
        "Add your first article so employees get suggestions",
        "Tilføj den første artikel, så medarbejderne får forslag",
    ),
    "home.next.mentions": ("Answer {n} open mentions", "Besvar {n} åbne omtaler"),
    "home.next.analytics": ("See how the programme is doing", "Se hvordan programmet klarer sig"),
    # --- articles ----------------------------------------------------------------------------
    "articles.title": ("Articles", "Artikler"),
    "articles.new": ("New article", "Ny artikel"),
    "articles.edit": ("Edit article", "Redigér artikel"),
    "articles.import": ("Import articles", "Importér artikler"),
    "articles.filters": ("Filter articles", "Filtrér artikler"),
    "articles.search": ("Search title and summary", "Søg i titel og resumé"),
    "articles.status": ("Status", "Status"),
    "articles.language": ("Language", "Sprog"),
    "articles.campaign": ("Campaign", "Kampagne"),
    "articles.no_campaign": ("No campaign (always on)", "Ingen kampagne (altid aktiv)"),
    "articles.expiring": ("Expiring", "Udløber"),
    "articles.within_days": ("within {n} days", "inden for {n} dage"),
    "articles.count": ("{n} articles match.", "{n} artikler passer."),
    "articles.col.title": ("Title", "Titel"),
    "articles.col.expires": ("Expires", "Udløber"),
    "articles.col.actions": ("Actions", "Handlinger"),
    "articles.empty.title": ("No articles match.", "Ingen artikler passer."),
    "articles.empty.body": (
        "Change the filters, or add an article or import a file.",
        "Ændr filtrene, eller tilføj en artikel eller importér en fil.",
    ),
    "articles.created": (
        "“{title}” was created as a draft. Approve it to make it suggestible.",
        "“{title}” er oprettet som kladde. Godkend den, så den kan foreslås.",
    ),
    "articles.saved": ("“{title}” was saved.", "“{title}” er gemt."),
    "articles.status_changed": ("“{title}” is now {status}.", "“{title}” er nu {status}."),
    "articles.f.url": ("Article URL", "Artiklens URL"),
    "articles.f.title": ("Title", "Titel"),
    "articles.f.summary": ("Summary", "Resumé"),
    "articles.f.body": ("Body", "Brødtekst"),
    "articles.f.body_hint": (
        "(the recommender reads the title, summary and the start of the body)",
        "(anbefalingerne læser titel, resumé og starten af brødteksten)",
    ),
    "articles.f.tags": ("Tags", "Emner"),
    "articles.f.tags_hint": ("(separated by commas)", "(adskilt med komma)"),
    "articles.f.image": ("Image URL", "Billed-URL"),
    "articles.f.published": ("Published", "Udgivet"),
    "articles.f.expires": ("Expires", "Udløber"),
    "articles.f.expires_hint": (
        "(not suggested after this day)",
        "(foreslås ikke efter denne dag)",
    ),
    "articles.f.captions": ("Caption variants", "Tekstforslag"),
    "articles.f.captions_hint": (
        "Suggested post texts employees can use. Put a line with --- between variants; "
        "colleagues get different variants so their posts do not look identical.",
        "Forslag til opslagstekst. Sæt en linje med --- mellem varianterne; kolleger får "
        "forskellige varianter, så deres opslag ikke ligner hinanden.",
    ),
    "articles.f.caption_in": ("Captions in {lang}", "Tekster på {lang}"),
    "preview.title": ("Side panel preview", "Forhåndsvisning i sidepanelet"),
    "preview.hint": (
        "How an employee sees this suggestion in the Herald side panel on LinkedIn.",
        "Sådan ser en medarbejder forslaget i Heralds sidepanel på LinkedIn.",
    ),
    "preview.panel": ("Suggested for you", "Forslag til dig"),
    "preview.label": ("Suggestion preview", "Forhåndsvisning af forslag"),
    "preview.no_title": ("(no title yet)", "(ingen titel endnu)"),
    "preview.share": ("Share", "Del"),
    "preview.save": ("Save", "Gem"),
    # --- import ------------------------------------------------------------------------------
    "import.title": ("Import articles", "Importér artikler"),
    "import.intro": (
        "Upload a CSV, JSON Lines or RSS/Atom file. Good rows are imported as drafts; rows with "
        "problems are listed with their row number so you can fix them and upload again. "
        "Importing the same file twice changes nothing.",
        "Upload en CSV-, JSON Lines- eller RSS/Atom-fil. Gode rækker importeres som kladder; "
        "rækker med fejl vises med rækkenummer, så du kan rette dem og uploade igen. Samme fil "
        "to gange ændrer intet.",
    ),
    "import.file": ("File", "Fil"),
    "import.format": ("Format", "Format"),
    "import.auto": ("From the file name", "Ud fra filnavnet"),
    "import.language": ("Language for rows without one", "Sprog for rækker uden sprog"),
    "import.language_from_file": ("As in the file", "Som i filen"),
    "import.dry_run": (
        "Check only (dry run: nothing is saved)",
        "Kun kontrol (prøvekørsel: intet gemmes)",
    ),
    "import.dry_run_short": ("dry run", "prøvekørsel"),
    "import.submit": ("Import", "Importér"),
    "import.no_file": ("Choose a file to import.", "Vælg en fil at importere."),
    "import.unknown_format": (
        "The format could not be told from the file name; choose it in the list.",
        "Formatet kunne ikke ses af filnavnet; vælg det i listen.",
    ),
    "import.report": ("Import report", "Importrapport"),
    "import.rows": ("rows", "rækker"),
    "import.created": ("created", "oprettet"),
    "import.updated": ("updated", "opdateret"),
    "import.unchanged": ("unchanged", "uændret"),
    "import.failed": ("failed", "fejlet"),
    "import.error": ("error", "fejl"),
    "import.per_row": ("Per row", "Pr. række"),
    "import.row": ("Row", "Række"),
    "import.line": ("Line", "Linje"),
    "import.outcome": ("Outcome", "Resultat"),
    "import.detail": ("Article or problem", "Artikel eller problem"),
    "import.review_drafts": (
        "Review the new drafts and approve them",
        "Gennemgå de nye kladder og godkend dem",
    ),
    # --- campaigns ---------------------------------------------------------------------------
    "form.bad_number": ("Enter a whole number.", "Angiv et helt tal."),
    "campaigns.title": ("Campaigns and goals", "Kampagner og mål"),
    "campaigns.new": ("New campaign", "Ny kampagne"),
    "campaigns.priority": ("Priority", "Prioritet"),
    "campaigns.goals": ("Goals", "Mål"),
    "campaigns.no_goals": (
        "No goals yet. Add one (e.g. 200 shares or 30 % participation) to follow progress.",
        "Ingen mål endnu. Tilføj et (fx 200 delinger eller 30 % deltagelse) for at følge "
        "fremskridt.",
    ),
    "campaigns.empty.title": ("No campaigns yet.", "Ingen kampagner endnu."),
    "campaigns.empty.body": (
        "A campaign groups articles, lifts them in suggestions and carries goals.",
        "En kampagne samler artikler, løfter dem i forslagene og har mål.",
    ),
    "campaigns.created": ("Campaign “{name}” was created.", "Kampagnen “{name}” er oprettet."),
    "campaigns.saved": ("Campaign “{name}” was saved.", "Kampagnen “{name}” er gemt."),
    "campaigns.progress_failed": (
        "Progress cannot be computed for this campaign's goals:",
        "Fremdriften for kampagnens mål kan ikke beregnes:",
    ),
    "campaigns.achieved": ("achieved", "nået"),
    "campaigns.add_goal": ("Add goal", "Tilføj mål"),
    "campaigns.goal_added": ("The goal was added.", "Målet er tilføjet."),
    "campaigns.goal_invalid": ("The goal was not added:", "Målet blev ikke tilføjet:"),
    "campaigns.goal_deleted": ("The goal was deleted.", "Målet er slettet."),
    "campaigns.goal_delete": ("Delete goal", "Slet mål"),
    "campaigns.goal_delete_confirm": ("Delete this goal?", "Slet dette mål?"),
    "campaigns.f.name": ("Name", "Navn"),
    "campaigns.f.slug": ("Short name", "Kort navn"),
    "campaigns.f.slug_hint": (
        "(lower-case letters, digits and dashes; used in tracked links)",
        "(små bogstaver, tal og bindestreger; bruges i sporede links)",
    ),
    "campaigns.f.description": ("Description", "Beskrivelse"),
    "campaigns.f.priority_hint": (
        "(-100 to 100; higher lifts its articles in suggestions)",
        "(-100 til 100; højere løfter artiklerne i forslagene)",
    ),
    "campaigns.f.starts": ("Starts", "Starter"),
    "campaigns.f.ends": ("Ends (last day)", "Slutter (sidste dag)"),
    "campaigns.f.metric": ("Measure", "Måling"),
    "campaigns.f.target": ("Target", "Mål"),
    "campaigns.f.target_hint": (
        "(participation is a percentage)",
        "(deltagelse er en procentdel)",
    ),
    "campaigns.f.label": ("Label", "Betegnelse"),
    "campaigns.f.team": ("Team", "Team"),
    "campaigns.f.parent": ("Part of goal", "Del af mål"),
    "campaigns.f.no_parent": ("None (a main goal)", "Intet (et hovedmål)"),
    "campaigns.f.period_start": ("From (optional)", "Fra (valgfrit)"),
    "campaigns.f.period_end": ("To (optional)", "Til (valgfrit)"),
    "cstatus.draft": ("draft", "kladde"),
    "cstatus.active": ("active", "aktiv"),
    "cstatus.paused": ("paused", "sat på pause"),
    "cstatus.ended": ("ended", "afsluttet"),
    "metric.shares": ("Shares", "Delinger"),
    "metric.participation": ("Participation", "Deltagelse"),
    "metric.leads": ("Leads", "Leads"),
    "metric.sales": ("Sales", "Salg"),
    "metric.clicks": ("Clicks", "Klik"),
    "metric.reach": ("Potential reach", "Potentiel rækkevidde"),
    "metric.reactions": ("Reactions", "Reaktioner"),
    # --- mentions ----------------------------------------------------------------------------
    "mentions.title": ("Mentions inbox", "Indbakke for omtaler"),
    "mentions.intro": (
        "LinkedIn posts about the company that employees flagged for the comms team.",
        "LinkedIn-opslag om virksomheden, som medarbejdere har sendt til kommunikationsteamet.",
    ),
    "mentions.filter": ("Show", "Vis"),
    "mentions.show.open": ("Open", "Åbne"),
    "mentions.show.resolved": ("Handled", "Løste"),
    "mentions.show.all": ("All", "Alle"),
    "mentions.resolved": ("The mention was marked as handled.", "Omtalen er markeret som løst."),
    "mentions.status.open": ("open", "åben"),
    "mentions.status.resolved": ("handled", "løst"),
    "mentions.flagged_by": ("Flagged by {name}, {when}", "Sendt af {name}, {when}"),
    "mentions.resolved_by": ("Handled by {name}, {when}", "Løst af {name}, {when}"),
    "mentions.note": ("Note (optional)", "Note (valgfri)"),
    "mentions.resolve": ("Mark as handled", "Markér som løst"),
    "mentions.empty.title": ("Nothing here.", "Intet her."),
    "mentions.empty.body": (
        "When employees flag a LinkedIn post about the company from the side panel, it appears "
        "here.",
        "Når medarbejdere sender et LinkedIn-opslag om virksomheden fra sidepanelet, vises det "
        "her.",
    ),
    # --- guidelines --------------------------------------------------------------------------
    "guidelines.title": ("Guidelines and training", "Retningslinjer og træning"),
    # --- analytics ---------------------------------------------------------------------------
    "an.title": ("Analytics", "Analyse"),
    "an.overview": ("Overview", "Overblik"),
    "an.dashboards": ("Dashboards", "Oversigter"),
    "an.filters": ("Date range and team", "Periode og team"),
    "an.from": ("From", "Fra"),
    "an.to": ("To (included)", "Til (inklusive)"),
    "an.team": ("Team", "Team"),
    "an.all_teams": ("All teams", "Alle teams"),
    "an.period": ("{start} to {end}, UTC", "{start} til {end}, UTC"),
    "an.data_table": ("Show the numbers as a table", "Vis tallene som tabel"),
    "an.none": ("Nothing in this period.", "Intet i denne periode."),
    "an.bots": (
        "{n} clicks by bots and link-preview fetchers are left out of every number.",
        "{n} klik fra robotter og link-forhåndsvisninger er udeladt af alle tal.",
    ),
    "an.empty.title": ("No activity in this period yet.", "Ingen aktivitet i perioden endnu."),
    "an.empty.body": (
        "Numbers appear when employees share articles from the side panel. Approve articles, "
        "invite employees, or widen the date range.",
        "Tallene kommer, når medarbejdere deler artikler fra sidepanelet. Godkend artikler, "
        "invitér medarbejdere, eller vælg en længere periode.",
    ),
    "an.empty.link": ("Approve draft articles", "Godkend kladder"),
    "an.clicks": ("Clicks", "Klik"),
    "an.unique_clicks": ("Unique visitors", "Unikke besøgende"),
    "an.potential_reach": ("Potential reach", "Potentiel rækkevidde"),
    "an.potential": ("Potential", "Potentiel"),
    "an.measured": ("Measured", "Målt"),
    "an.reactions": ("Reactions", "Reaktioner"),
    "an.comments": ("Comments", "Kommentarer"),
    "an.reposts": ("Reposts", "Genopslag"),
    "an.shares": ("Shares", "Delinger"),
    "an.sharers": ("Employees who shared", "Medarbejdere der delte"),
    "an.active_employees": ("Active employees", "Aktive medarbejdere"),
    "an.participation_pct": ("Participation", "Deltagelse"),
    "an.leads": ("Leads", "Leads"),
    "an.signups": ("Sign-ups", "Tilmeldinger"),
    "an.sales": ("Sales", "Salg"),
    "an.sales_value": ("Sales value", "Salgsværdi"),
    "an.currency": ("Currency", "Valuta"),
    "an.emv": ("Earned-media value", "Værdi af omtale (EMV)"),
    "an.article": ("Article", "Artikel"),
    "an.employee": ("Employee", "Medarbejder"),
    "an.campaign": ("Campaign", "Kampagne"),
    "an.network": ("Network", "Netværk"),
    "an.with_snapshots": ("Employees with profile data", "Medarbejdere med profildata"),
    "an.connections_growth": ("New connections", "Nye forbindelser"),
    "an.followers_growth": ("New followers", "Nye følgere"),
    "an.connections_first": ("Connections at start", "Forbindelser ved start"),
    "an.connections_last": ("Connections at end", "Forbindelser ved slut"),
    "an.traffic.title": ("Traffic", "Trafik"),
    "an.traffic.intro": (
        "Visits to your articles through employees' tracked links, day by day.",
        "Besøg på jeres artikler via medarbejdernes sporede links, dag for dag.",
    ),
    "an.traffic.chart": ("Clicks per day", "Klik pr. dag"),
    "an.traffic.by_article": ("Most visited articles", "Mest besøgte artikler"),
    "an.traffic.empty": (
        "No clicks yet. Clicks are counted when people open links employees shared.",
        "Ingen klik endnu. Klik tælles, når folk åbner links, som medarbejdere har delt.",
    ),
    "an.reach.title": ("Reach", "Rækkevidde"),
    "an.reach.intro": (
        "Potential reach is the sum of the sharers' network sizes: an upper bound. Clicks and "
        "reactions are measured.",
        "Potentiel rækkevidde er summen af delernes netværk: en øvre grænse. Klik og reaktioner "
        "er målt.",
    ),
    "an.reach.chart": (
        "Potential reach and measured response",
        "Potentiel rækkevidde og målt respons",
    ),
    "an.reach.by_team": ("Per team", "Pr. team"),
    "an.reach.empty": (
        "No shares yet, so no reach. Reach grows when employees share.",
        "Ingen delinger endnu, så ingen rækkevidde. Den vokser, når medarbejdere deler.",
    ),
    "an.shares.title": ("Shares and reactions", "Delinger og reaktioner"),
    "an.shares.intro": (
        "Shares made through Herald and the latest reactions seen on those posts.",
        "Delinger via Herald og de seneste reaktioner set på opslagene.",
    ),
    "an.shares.chart": ("Shares and reactions per day", "Delinger og reaktioner pr. dag"),
    "an.shares.by_network": ("Per network", "Pr. netværk"),
    "an.shares.empty": (
        "No shares in this period. Approve fresh articles so the side panel has something to "
        "suggest.",
        "Ingen delinger i perioden. Godkend nye artikler, så sidepanelet har noget at foreslå.",
    ),
    "an.participation.title": ("Participation", "Deltagelse"),
    "an.participation.intro": (
        "The share of active employees who shared at least once, week by week and per team.",
        "Andelen af aktive medarbejdere, der delte mindst én gang, uge for uge og pr. team.",
    ),
    "an.participation.weekly": ("Participation week by week (%)", "Deltagelse uge for uge (%)"),
    "an.participation.teams": ("Participation per team (%)", "Deltagelse pr. team (%)"),
    "an.participation.empty": (
        "Nobody shared in this period. Invite employees on the People page and approve fresh "
        "articles so the side panel has something to suggest.",
        "Ingen delte i perioden. Invitér medarbejdere på siden Personer, og godkend nye artikler, "
        "så sidepanelet har noget at foreslå.",
    ),
    "an.growth.title": ("Connection growth", "Vækst i netværk"),
    "an.growth.intro": (
        "Growth in connections and followers from the profile numbers employees chose to share.",
        "Vækst i forbindelser og følgere ud fra de profiltal, medarbejderne har valgt at dele.",
    ),
    "an.growth.chart": ("Growth per team", "Vækst pr. team"),
    "an.growth.top": ("Fastest-growing employees", "Medarbejdere med størst vækst"),
    "an.growth.empty": (
        "No profile numbers yet. Employees can opt in to sharing them in the side panel.",
        "Ingen profiltal endnu. Medarbejdere kan vælge at dele dem i sidepanelet.",
    ),
    "an.conversions.title": ("Leads and sales", "Leads og salg"),
    "an.conversions.intro": (
        "Leads, sign-ups and sales your website or CRM attributed to employees' links.",
        "Leads, tilmeldinger og salg, som hjemmesiden eller CRM har tilskrevet medarbejdernes "
        "links.",
    ),
    "an.conversions.chart": ("Conversions per day", "Konverteringer pr. dag"),
    "an.conversions.by_employee": ("Per employee", "Pr. medarbejder"),
    "an.conversions.empty": (
        "No conversions yet. Connect the website or CRM (see docs/tracking.md) to count leads.",
        "Ingen konverteringer endnu. Forbind hjemmesiden eller CRM (se docs/tracking.md) for at "
        "tælle leads.",
    ),
    "an.top.title": ("Top articles and advocates", "Topartikler og ambassadører"),
    "an.top.intro": (
        "What was shared and clicked most, and who shared it.",
        "Hvad der blev delt og klikket mest, og hvem der delte.",
    ),
    "an.top.articles": ("Top articles", "Topartikler"),
    "an.top.advocates": ("Top advocates", "Top-ambassadører"),
    "an.top.empty": (
        "Nothing shared in this period yet.",
        "Intet delt i perioden endnu.",
    ),
    "an.emv.title": ("Earned-media value", "Værdi af omtale"),
    "an.emv.intro": (
        "What the same clicks, impressions and reactions would have cost as paid media.",
        "Hvad de samme klik, visninger og reaktioner ville have kostet som betalt annoncering.",
    ),
    "an.emv.parts": ("Where the value comes from", "Hvor værdien kommer fra"),
    "an.emv.clicks": ("Clicks", "Klik"),
    "an.emv.impressions": ("Potential impressions", "Potentielle visninger"),
    "an.emv.reactions": ("Reactions", "Reaktioner"),
    "an.emv.by_campaign": ("Per campaign", "Pr. kampagne"),
    "an.emv.empty": (
        "No value yet: it grows with clicks, reach and reactions.",
        "Ingen værdi endnu: den vokser med klik, rækkevidde og reaktioner.",
    ),
    "an.emv.settings": ("How the value is computed", "Sådan beregnes værdien"),
    "an.emv.cpc": ("Cost per click", "Pris pr. klik"),
    "an.emv.cpm": ("Cost per 1,000 impressions", "Pris pr. 1.000 visninger"),
    "an.emv.vpr": ("Value per reaction", "Værdi pr. reaktion"),
    "an.emv.ipr": ("Impressions per reached person", "Visninger pr. nået person"),
    "an.emv.settings_saved": ("The EMV settings were saved.", "EMV-indstillingerne er gemt."),
    "an.emv.settings_invalid": ("Not saved:", "Ikke gemt:"),
    "an.emv.formula": (
        "EMV = {cpc} × clicks + {cpm} × potential impressions / 1000 + {vpr} × reactions "
        "({currency}; potential impressions = potential reach × {ipr}).",
        "EMV = {cpc} × klik + {cpm} × potentielle visninger / 1000 + {vpr} × reaktioner "
        "({currency}; potentielle visninger = potentiel rækkevidde × {ipr}).",
    ),
    # --- recommender -------------------------------------------------------------------------
    "rec.title": ("Recommender", "Anbefalinger"),
    "rec.intro": (
        "Which model ranks the suggestions, how good it is, and retraining on the latest "
        "engagement.",
        "Hvilken model rangerer forslagene, hvor god den er, og gentræning på de nyeste data.",
    ),
    "rec.active": ("active model version", "aktiv modelversion"),
    "rec.serving": ("served by the API now", "bruges af API'et nu"),
    "rec.degraded": (
        "Suggestions run on the popularity/freshness fallback:",
        "Forslagene kører på reserveløsningen (popularitet/friskhed):",
    ),
    "rec.switching": (
        "The API picks up a newly active version within a few seconds, without a restart.",
        "API'et tager en ny aktiv version i brug inden for få sekunder, uden genstart.",
    ),
    "rec.metric": ("Metric", "Måling"),
    "rec.value": ("Value", "Værdi"),
    "rec.retrain": ("Retrain now", "Gentræn nu"),
    "rec.retrain_hint": (
        "Retraining embeds new articles, fits a candidate on the logged impressions and "
        "evaluates it against the active model. Nothing changes for employees until you "
        "publish the candidate.",
        "Gentræning indlejrer nye artikler, træner en kandidat på de loggede visninger og "
        "evaluerer den mod den aktive model. Intet ændres for medarbejderne, før du udgiver "
        "kandidaten.",
    ),
    "rec.rollback": ("Roll back to the previous version", "Rul tilbage til forrige version"),
    "rec.rollback_confirm": (
        "Switch every server back to the previously active model?",
        "Skift alle servere tilbage til den tidligere aktive model?",
    ),
    "rec.busy": ("A retraining job is already running.", "En gentræning kører allerede."),
    "rec.started": (
        "Retraining started. Progress is shown below.",
        "Gentræningen er startet. Fremdriften vises nedenfor.",
    ),
    "rec.evaluating": ("Evaluating {version}.", "Evaluerer {version}."),
    "rec.job": ("Retraining", "Gentræning"),
    "rec.progress": ("Progress", "Fremdrift"),
    "rec.log": ("Log", "Log"),
    "rec.reload": ("Reload to see progress", "Genindlæs for at se fremdrift"),
    "rec.no_job": ("No job is running.", "Intet job kører."),
    "rec.recent_jobs": ("Recent jobs", "Seneste job"),
    "rec.started_at": ("Started", "Startet"),
    "rec.kind": ("Job", "Job"),
    "rec.detail": ("Detail", "Detaljer"),
    "rec.versions": ("Model versions", "Modelversioner"),
    "rec.version": ("Version", "Version"),
    "rec.encoder": ("Encoder", "Encoder"),
    "rec.created": ("Created", "Oprettet"),
    "rec.report": ("Evaluation report", "Evalueringsrapport"),
    "rec.open_report": ("Open report", "Åbn rapport"),
    "rec.no_report": ("Not evaluated yet.", "Ikke evalueret endnu."),
    "rec.no_versions.title": ("No model versions yet.", "Ingen modelversioner endnu."),
    "rec.no_versions.body": (
        "Suggestions use sensible fixed weights until a model is trained. Press “Retrain now” "
        "once employees have used the side panel for a while.",
        "Forslagene bruger faste vægte, indtil en model er trænet. Tryk “Gentræn nu”, når "
        "medarbejderne har brugt sidepanelet et stykke tid.",
    ),
    "rec.never": ("Articles that are never suggested", "Artikler der aldrig foreslås"),
    "rec.never_intro": (
        "Approved articles the side panel cannot or did not suggest, and why. ({drafts} drafts "
        "and {archived} archived articles are never suggested until approved.)",
        "Godkendte artikler, som sidepanelet ikke kan eller ikke har foreslået, og hvorfor. "
        "({drafts} kladder og {archived} arkiverede artikler foreslås ikke, før de godkendes.)",
    ),
    "rec.never_none": (
        "Every approved article can be suggested.",
        "Alle godkendte artikler kan foreslås.",
    ),
    "rec.why": ("Why", "Hvorfor"),
    "rec.show_articles": ("Show the articles", "Vis artiklerne"),
    "rec.and_more": ("… and {n} more.", "… og {n} mere."),
    "rec.held_out": (
        "of 100 acted-on suggestions in its top 3 (data it did not train on)",
        "af 100 brugte forslag i top 3 (data den ikke er trænet på)",
    ),
    "rec.fit_metrics": ("Numbers from training", "Tal fra træningen"),
    "rec.active_metrics": ("The active model in numbers", "Den aktive model i tal"),
    "rec.trained_on": (
        "Trained on {n} suggestions shown from {start} to {end}.",
        "Trænet på {n} viste forslag fra {start} til {end}.",
    ),
    "rec.top3_col": ("Top 3 per 100 acted-on", "Top 3 pr. 100 brugte"),
    "rec.headline": (
        "Out of 100 suggestions people acted on, the new model would have put {new} in the top "
        "3, the current one {current}.",
        "Ud af 100 forslag, som folk brugte, ville den nye model have sat {new} i top 3, den "
        "nuværende {current}.",
    ),
    "rec.headline_alone": (
        "Out of 100 suggestions people acted on, this model would have put {new} in the top 3.",
        "Ud af 100 forslag, som folk brugte, ville denne model have sat {new} i top 3.",
    ),
    "rec.floors": (
        "For comparison: a random order puts {random} there, matching the page alone {context}.",
        "Til sammenligning: en tilfældig rækkefølge sætter {random} der, match med siden alene "
        "{context}.",
    ),
    "rec.size": (
        "Measured on {acted} suggestions people opened, shared or saved, in {requests} "
        "suggestion lists shown from {start} on: data neither model was trained on.",
        "Målt på {acted} forslag, som folk åbnede, delte eller gemte, i {requests} "
        "forslagslister vist fra {start}: data ingen af modellerne er trænet på.",
    ),
    "rec.too_few": (
        "Only {acted} acted-on suggestions so far: fewer than {min}, too few to tell the models "
        "apart. Wait until people have used the side panel more before publishing.",
        "Kun {acted} brugte forslag indtil videre: færre end {min}, for få til at skelne "
        "modellerne. Vent, til sidepanelet er brugt mere, før du udgiver.",
    ),
    "rec.verdict.worse": (
        "Verdict: the new model is worse beyond chance ({diff} per 100, range {lo} to {hi}); "
        "publishing it is refused. An admin can publish it anyway, and that is logged.",
        "Vurdering: den nye model er dårligere ud over tilfældigheder ({diff} pr. 100, interval "
        "{lo} til {hi}); udgivelse afvises. En administrator kan udgive den alligevel, og det "
        "logges.",
    ),
    "rec.verdict.better": (
        "Verdict: the new model is better beyond chance ({diff} per 100, range {lo} to {hi}).",
        "Vurdering: den nye model er bedre ud over tilfældigheder ({diff} pr. 100, interval "
        "{lo} til {hi}).",
    ),
    "rec.verdict.same": (
        "Verdict: no difference beyond chance ({diff} per 100, range {lo} to {hi}); publishing "
        "is allowed.",
        "Vurdering: ingen forskel ud over tilfældigheder ({diff} pr. 100, interval {lo} til "
        "{hi}); udgivelse er tilladt.",
    ),
    "rec.verdict.too_few": (
        "Verdict: too little new data to judge; publishing is allowed, but the numbers above "
        "may be chance.",
        "Vurdering: for lidt nye data til at vurdere; udgivelse er tilladt, men tallene ovenfor "
        "kan være tilfældige.",
    ),
    "rec.verdict.no_active": (
        "Verdict: there is no active model to compare with; publishing is allowed.",
        "Vurdering: der er ingen aktiv model at sammenligne med; udgivelse er tilladt.",
    ),
    "rec.range": ("95 % range", "95 %-interval"),
    "rec.details": ("Details for data scientists", "Detaljer til dataanalytikere"),
    "rec.role.candidate": ("New model {version}", "Ny model {version}"),
    "rec.role.active": ("Current model {version}", "Nuværende model {version}"),
    "rec.role.context": ("Matching the page alone", "Kun match med siden"),
    "rec.role.random": ("Random order", "Tilfældig rækkefølge"),
    "rec.role.baseline": ("{name}", "{name}"),
    "rec.plot_alt": (
        "Acted-on suggestions in the top 3 for {version}: per model, and per day for the new and "
        "the current model",
        "Brugte forslag i top 3 for {version}: pr. model og pr. dag for den nye og den "
        "nuværende model",
    ),
    "rec.plot.bars": ("Per model, with its 95 % range", "Pr. model med 95 %-interval"),
    "rec.plot.daily": (
        "Per day: the new model against the current one",
        "Pr. dag: den nye model mod den nuværende",
    ),
    "rec.evaluated_at": ("Evaluated {at} UTC.", "Evalueret {at} UTC."),
    "rec.confirm_worse": (
        "Publish even if the guard refuses it (admins only; logged)",
        "Udgiv, selv om vagten afviser den (kun administratorer; logges)",
    ),
    "rec.admin_only": (
        "Not published: only an admin can publish a model the guard refused.",
        "Ikke udgivet: kun en administrator kan udgive en model, som vagten har afvist.",
    ),
    "rec.model": ("Model", "Model"),
    "rec.evaluate": ("Evaluate again", "Evaluér igen"),
    "rec.publish": ("Publish", "Udgiv"),
    "rec.publish_button": ("Publish {version}", "Udgiv {version}"),
    "rec.publish_hint": (
        "Publishing switches every server to this version without a restart. You can roll "
        "back at any time.",
        "Udgivelse skifter alle servere til denne version uden genstart. Du kan altid rulle "
        "tilbage.",
    ),
    "rec.publish_refused": ("Not published: {reason}", "Ikke udgivet: {reason}"),
    "rec.published": ("{version} is now active.", "{version} er nu aktiv."),
    "rec.rollback_failed": ("Not rolled back: {reason}", "Ikke rullet tilbage: {reason}"),
    "rec.rolled_back": ("Rolled back.", "Rullet tilbage."),
    "job.queued": ("queued", "i kø"),
    "job.running": ("running", "kører"),
    "job.done": ("done", "færdig"),
    "job.failed": ("failed", "fejlet"),
    "job.step.embed": ("Embedding articles", "Indlejrer artikler"),
    "job.step.fit": ("Training the ranker", "Træner rangeringen"),
    "job.step.evaluate": ("Evaluating", "Evaluerer"),
    "job.kind.retrain": ("Retrain", "Gentræning"),
    "job.kind.evaluate": ("Evaluation", "Evaluering"),
    "mstatus.active": ("active", "aktiv"),
    "mstatus.candidate": ("candidate", "kandidat"),
    "mstatus.retired": ("retired", "udfaset"),
    "never.expired": ("Expired", "Udløbet"),
    "never.not_embedded": (
        "Not embedded for the serving encoder yet (retrain, or wait a minute)",
        "Endnu ikke indlejret for den aktive encoder (gentræn, eller vent et minut)",
    ),
    "never.language": (
        "No active employee reads its language",
        "Ingen aktive medarbejdere læser sproget",
    ),
    "never.outranked": (
        "Eligible, but not shown once in 30 days: other articles always rank higher (try a "
        "campaign, tags or a caption)",
        "Kan foreslås, men er ikke vist én gang på 30 dage: andre artikler rangerer altid højere "
        "(prøv en kampagne, emner eller en tekst)",
    ),
    "guidelines.intro": (
        "The company's social media guidelines: each employee acknowledges the current version "
        "in the side panel. Training cards are short tips shown there too.",
        "Virksomhedens retningslinjer for sociale medier: hver medarbejder bekræfter den "
        "gældende version i sidepanelet. Træningskort er korte tips, der også vises der.",
    ),
    "guidelines.current": ("Current guidelines", "Gældende retningslinjer"),
    "guidelines.version": ("version {n}", "version {n}"),
    "guidelines.acks": (
        "{n} of {total} active employees have acknowledged this version.",
        "{n} af {total} aktive medarbejdere har bekræftet denne version.",
    ),
    "guidelines.acks_label": ("Acknowledged", "Bekræftet"),
    "guidelines.none.title": ("No guidelines yet.", "Ingen retningslinjer endnu."),
    "guidelines.none.body": (
        "Write the first version in the form; employees are asked to acknowledge it.",
        "Skriv den første version i formularen; medarbejderne bliver bedt om at bekræfte den.",
    ),
    "guidelines.history": ("Earlier versions", "Tidligere versioner"),
    "guidelines.new": ("Publish a new version", "Udgiv en ny version"),
    "guidelines.new_hint": (
        "A new version asks every employee to acknowledge again. Fill in one or both languages.",
        "En ny version beder alle medarbejdere om at bekræfte igen. Udfyld ét eller begge sprog.",
    ),
    "guidelines.f.title": ("Title", "Titel"),
    "guidelines.f.body": ("Text", "Tekst"),
    "guidelines.publish": ("Publish new version", "Udgiv ny version"),
    "guidelines.published": ("Version {version} is published.", "Version {version} er udgivet."),
    "guidelines.invalid": ("Not published:", "Ikke udgivet:"),
    "cards.title": ("Training cards", "Træningskort"),
    "cards.intro": (
        "Short tips on sharing well, shown in the side panel in the employee's language.",
        "Korte tips om at dele godt, vist i sidepanelet på medarbejderens sprog.",
    ),
    "cards.none.title": ("No training cards yet.", "Ingen træningskort endnu."),
    "cards.none.body": (
        "Add a first tip, e.g. “Add one sentence of your own before you share”.",
        "Tilføj et første tip, fx “Skriv én sætning selv, før du deler”.",
    ),
    "cards.new": ("New training card", "Nyt træningskort"),
    "cards.add": ("Add card", "Tilføj kort"),
    "cards.position": ("Position", "Placering"),
    "cards.added": ("The card was added.", "Kortet er tilføjet."),
    "cards.deleted": ("The card was deleted.", "Kortet er slettet."),
    "cards.invalid": ("The card was not added:", "Kortet blev ikke tilføjet:"),
    "cards.delete_confirm": ("Delete this card?", "Slet dette kort?"),
    # --- people ------------------------------------------------------------------------------
    "people.title": ("People", "Personer"),
    "people.invite": ("Invite an employee", "Invitér en medarbejder"),
    "people.ambassadors": ("Ambassador discovery", "Find ambassadører"),
    "people.taking_part": ("Who is taking part", "Hvem deltager"),
    "people.sharing": ("shared in the last {days} days", "har delt de seneste {days} dage"),
    "people.paired": ("have connected the extension", "har forbundet udvidelsen"),
    "people.active": ("active employees", "aktive medarbejdere"),
    "people.people": ("People", "Personer"),
    "people.paired_short": ("Extension", "Udvidelse"),
    "people.sharing_short": ("Shared in {days} days", "Delt på {days} dage"),
    "people.employees": ("Employees", "Medarbejdere"),
    "people.filter": ("Filter employees", "Filtrér medarbejdere"),
    "people.search": ("Name or e-mail", "Navn eller e-mail"),
    "people.show.yes": ("Active", "Aktive"),
    "people.show.no": ("Deactivated", "Deaktiverede"),
    "people.show.all": ("All", "Alle"),
    "people.name": ("Name", "Navn"),
    "people.role": ("Role", "Rolle"),
    "people.extension": ("Extension", "Udvidelse"),
    "people.shares": ("Shares ({days} d)", "Delinger ({days} d)"),
    "people.last_activity": ("Last activity", "Seneste aktivitet"),
    "people.inactive": ("deactivated", "deaktiveret"),
    "people.paired_yes": ("connected", "forbundet"),
    "people.paired_no": ("not yet", "ikke endnu"),
    "people.new_code": ("New pairing code", "Ny parringskode"),
    "people.deactivate": ("Deactivate", "Deaktivér"),
    "people.reactivate": ("Reactivate", "Genaktivér"),
    "people.deactivate_confirm": (
        "Deactivate {name}? Their extension stops working; their history is kept.",
        "Deaktivér {name}? Udvidelsen holder op med at virke; historikken bevares.",
    ),
    "people.deactivated": (
        "{name} is deactivated. Their history is kept.",
        "{name} er deaktiveret. Historikken bevares.",
    ),
    "people.reactivated": ("{name} is active again.", "{name} er aktiv igen."),
    "people.not_yourself": ("You cannot deactivate yourself.", "Du kan ikke deaktivere dig selv."),
    "people.empty.title": ("No employees match.", "Ingen medarbejdere passer."),
    "people.empty.body": (
        "Invite employees so they can connect the side panel.",
        "Invitér medarbejdere, så de kan forbinde sidepanelet.",
    ),
    "people.invite_intro": (
        "Adds the employee and shows a one-time pairing code to type into the Herald extension.",
        "Opretter medarbejderen og viser en engangskode, der skal indtastes i Herald-udvidelsen.",
    ),
    "people.invite_submit": ("Invite and show pairing code", "Invitér og vis parringskode"),
    "people.job_title": ("Job title", "Stillingsbetegnelse"),
    "people.department": ("Department", "Afdeling"),
    "people.location": ("Location", "Lokation"),
    "people.languages": ("Reads articles in", "Læser artikler på"),
    "code.title": ("Pairing code", "Parringskode"),
    "code.once": (
        "This code is shown only once and is not stored. Print it or pass it on now.",
        "Koden vises kun én gang og gemmes ikke. Udskriv den eller giv den videre nu.",
    ),
    "code.heading": ("Herald for {name}", "Herald til {name}"),
    "code.step1": (
        "1. Install the Herald extension and open its side panel on linkedin.com.",
        "1. Installér Herald-udvidelsen, og åbn sidepanelet på linkedin.com.",
    ),
    "code.step2": ("2. Type this code:", "2. Indtast denne kode:"),
    "code.expires": (
        "Valid until {when}; it works once.",
        "Gyldig til {when}; den virker én gang.",
    ),
    "code.server": ("Server: {url}", "Server: {url}"),
    "amb.intro": (
        "Employees ranked by activity, network size and how well their role and interests fit "
        "the themes you publish about: good candidates for an ambassador programme.",
        "Medarbejdere rangeret efter aktivitet, netværk og hvor godt rolle og interesser passer "
        "til de emner, I skriver om: gode kandidater til et ambassadørprogram.",
    ),
    "amb.themes": ("Themes in this period:", "Emner i perioden:"),
    "amb.weights": (
        "Score = {activity} × activity + {network} × network + {fit} × fit (each 0–1).",
        "Score = {activity} × aktivitet + {network} × netværk + {fit} × match (hver 0–1).",
    ),
    "amb.score": ("Score", "Score"),
    "amb.network": ("Network", "Netværk"),
    "amb.why": ("Why", "Hvorfor"),
    "amb.empty.title": ("No candidates yet.", "Ingen kandidater endnu."),
    "amb.empty.body": (
        "Candidates appear once there are active employees and approved articles.",
        "Kandidater vises, når der er aktive medarbejdere og godkendte artikler.",
    ),
}
