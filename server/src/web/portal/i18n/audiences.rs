//! Dutch for the portal's audiences pages (see the parent module): audience profiles, the CSV
//! import, targeting suggestions, and the reports' charts, fairness and delivery pages.

pub(super) const CATALOG: &[(&str, &str)] = &[
    // Audience profiles and the CSV import.
    ("Audiences", "Doelgroepen"),
    (
        "Who is in each building when: the estimate behind every impression figure and every targeting suggestion. Aggregates per daypart, never people.",
        "Wie er wanneer in elk gebouw is: de schatting achter elk bereikcijfer en elke suggestie voor gebouwen. Totalen per dagdeel, nooit personen.",
    ),
    ("Profile version", "Versie van het profiel"),
    ("Source", "Bron"),
    ("Last change", "Laatste wijziging"),
    ("none yet", "nog geen"),
    ("Edit the audience profile", "Bezoekersprofiel bewerken"),
    (
        "Import profiles from a CSV file",
        "Profielen inlezen uit een CSV-bestand",
    ),
    (
        "Nothing was imported. Correct these lines and import the file again:",
        "Er is niets ingelezen. Verbeter deze regels en lees het bestand opnieuw in:",
    ),
    ("CSV file", "CSV-bestand"),
    (
        "One line per building, daypart and kind of day. A new profile version for every building in the file; one bad line and nothing is imported.",
        "Eén regel per gebouw, dagdeel en soort dag. Elk gebouw in het bestand krijgt een nieuwe versie van zijn profiel; is één regel fout, dan wordt niets ingelezen.",
    ),
    (
        "The first line names the columns:",
        "De eerste regel noemt de kolommen:",
    ),
    (
        "building: the building's name; day_type: weekday or weekend; visibility and the segment columns: shares from 0 to 1; an empty segment cell counts as 0.",
        "building: de naam van het gebouw; day_type: weekday (weekdag) of weekend; visibility en de kolommen per doelgroep: aandelen van 0 tot 1; een lege cel telt als 0.",
    ),
    ("Import", "Inlezen"),
    (
        "Choose a CSV file to import.",
        "Kies een CSV-bestand om in te lezen.",
    ),
    ("Line", "Regel"),
    (
        "Imported: {count} buildings have a new profile version.",
        "Ingelezen: {count} gebouwen hebben een nieuwe versie van hun profiel.",
    ),
    ("Audience profile", "Bezoekersprofiel"),
    (
        "For each daypart and kind of day: how many visitors pass the screens, how long they stay within sight, and which audiences they belong to. Saving makes a new version; new plays are estimated with it, earlier plays keep theirs.",
        "Per dagdeel en soort dag: hoeveel bezoekers langs de schermen komen, hoe lang ze binnen zicht blijven en tot welke doelgroepen ze horen. Bewaren maakt een nieuwe versie; nieuwe vertoningen worden ermee geschat, eerdere houden de hunne.",
    ),
    ("Source of the figures", "Bron van de cijfers"),
    (
        "Say where the figures come from, e.g. gate counts 2025.",
        "Zeg waar de cijfers vandaan komen, bv. tellingen aan de ingang 2025.",
    ),
    ("Dayparts", "Dagdelen"),
    (
        "Every hour of the day in exactly one daypart; a daypart may run past midnight (22 until 7). Fill in the empty line to add one; empty a name to remove one.",
        "Elk uur van de dag in precies één dagdeel; een dagdeel mag over middernacht lopen (22 tot 7). Vul de lege regel in om er een toe te voegen; maak een naam leeg om er een te schrappen.",
    ),
    ("From hour", "Vanaf uur"),
    ("Until hour", "Tot uur"),
    ("Give an hour from 0 to 23.", "Geef een uur van 0 tot 23."),
    (
        "A daypart's name has at most 40 characters.",
        "De naam van een dagdeel heeft hoogstens 40 tekens.",
    ),
    (
        "Two dayparts have this name.",
        "Twee dagdelen hebben deze naam.",
    ),
    ("Give at least one daypart.", "Geef minstens één dagdeel."),
    (
        "Every hour must be in exactly one daypart: {hour} is in {count}.",
        "Elk uur moet in precies één dagdeel vallen: {hour} valt in {count}.",
    ),
    ("Figures per daypart", "Cijfers per dagdeel"),
    (
        "Share who can see a screen and the audiences: percentages. Audiences overlap (a student can be a newcomer too), so they need not add up to 100 %.",
        "Het deel dat een scherm kan zien en de doelgroepen: percentages. Doelgroepen overlappen (een student kan ook nieuwkomer zijn), dus samen hoeven ze geen 100 % te zijn.",
    ),
    ("Visitors per hour", "Bezoekers per uur"),
    (
        "Seconds within sight of a screen",
        "Seconden binnen zicht van een scherm",
    ),
    ("Share who can see a screen", "Deel dat een scherm kan zien"),
    ("per hour", "per uur"),
    (
        "Give a number from 0 to {max}.",
        "Geef een getal van 0 tot {max}.",
    ),
    (
        "Give a number, such as 12 or 12.5.",
        "Geef een getal, zoals 12 of 12,5.",
    ),
    ("Save as a new version", "Bewaren als nieuwe versie"),
    (
        "Saved as a new version: new plays are estimated with it.",
        "Bewaard als nieuwe versie: nieuwe vertoningen worden ermee geschat.",
    ),
    ("Versions", "Versies"),
    (
        "This building has no audience profile yet: its plays are counted without estimated impressions.",
        "Dit gebouw heeft nog geen bezoekersprofiel: zijn vertoningen worden geteld zonder geschat bereik.",
    ),
    ("By", "Door"),
    ("Weekend", "Weekend"),
    // Targeting suggestions.
    ("Suggested buildings", "Voorgestelde gebouwen"),
    (
        "Tick target audiences to see the buildings whose visitors fit them best.",
        "Vink doelgroepen aan om de gebouwen te zien waarvan de bezoekers er het best bij passen.",
    ),
    (
        "No building has an audience profile yet, so there is nothing to suggest.",
        "Nog geen enkel gebouw heeft een bezoekersprofiel, dus er valt niets voor te stellen.",
    ),
    (
        "For {audiences}, best fit first (estimated from each building's audience profile):",
        "Voor {audiences}, best passend eerst (geschat uit het bezoekersprofiel van elk gebouw):",
    ),
    ("the city's share", "het aandeel in de stad"),
    (
        "{audiences}: {share} of the visitors here, against {city} across the city's buildings.",
        "{audiences}: {share} van de bezoekers hier, tegenover {city} in alle gebouwen van de stad.",
    ),
    (
        "Most on weekdays, {daypart}: {share}.",
        "Het meest op weekdagen, {daypart}: {share}.",
    ),
    (
        "Most at weekends, {daypart}: {share}.",
        "Het meest in het weekend, {daypart}: {share}.",
    ),
    (
        "About {count} of them a week (estimated).",
        "Ongeveer {count} van hen per week (geschat).",
    ),
    (
        "Other buildings with a profile fit less well:",
        "Andere gebouwen met een profiel passen minder goed:",
    ),
    (
        "Without an audience profile, so not ranked:",
        "Zonder bezoekersprofiel, dus niet gerangschikt:",
    ),
    // Reports: charts, the period, fairness and delivery.
    (
        "Give a date such as 2026-12-20.",
        "Geef een datum zoals 2026-12-20.",
    ),
    (
        "The first day must not come after the last day.",
        "De eerste dag mag niet na de laatste dag komen.",
    ),
    (
        "A report covers at most three years.",
        "Een rapport beslaat hoogstens drie jaar.",
    ),
    (
        "Choose one of the groupings in the list.",
        "Kies een van de indelingen in de lijst.",
    ),
    (
        "Plays and estimated impressions",
        "Vertoningen en geschat bereik",
    ),
    ("by", "per"),
    (
        "Most plays: {label}, {count}. Figures under 10 are shown as <10 and drawn without a bar.",
        "De meeste vertoningen: {label}, {count}. Cijfers onder 10 staan er als <10, zonder balk.",
    ),
    (
        "Every figure is under 10, shown as <10 and drawn without a bar.",
        "Elk cijfer is kleiner dan 10 en staat er als <10, zonder balk.",
    ),
    (
        "The chart shows the 15 with the most plays; the table has them all.",
        "De grafiek toont de 15 met de meeste vertoningen; de tabel heeft ze allemaal.",
    ),
    ("per day", "per dag"),
    ("per week (from Monday)", "per week (vanaf maandag)"),
    ("per month", "per maand"),
    ("Week from", "Week vanaf"),
    ("Month", "Maand"),
    ("The figures as a table", "De cijfers als tabel"),
    (
        "Estimated impressions by audience",
        "Geschat bereik per doelgroep",
    ),
    (
        "Audiences overlap, so these figures add up to more than the impressions.",
        "Doelgroepen overlappen, dus samen zijn deze cijfers meer dan het bereik.",
    ),
    ("Audience", "Doelgroep"),
    (
        "Fairness between associations",
        "Eerlijke verdeling tussen verenigingen",
    ),
    (
        "Each association's share of the airtime against the share its approved items hold in the playlists. Under 80 % of what it is entitled to is flagged.",
        "Het aandeel van elke vereniging in de zendtijd tegenover het aandeel dat haar goedgekeurde items in de afspeellijsten hebben. Wie minder dan 80 % krijgt van waar ze recht op heeft, wordt gemarkeerd.",
    ),
    ("Jain's fairness index", "Eerlijkheidsindex van Jain"),
    ("not enough bookings yet", "nog te weinig geboekt"),
    (
        "Under 80 % of their entitlement",
        "Onder 80 % van hun recht",
    ),
    ("nobody", "niemand"),
    (
        "1 is perfectly fair; 1 divided by the number of associations means one gets everything. Entitlement is read from the playlists as they are now.",
        "1 is volkomen eerlijk; 1 gedeeld door het aantal verenigingen betekent dat één alles krijgt. Het recht wordt gelezen uit de afspeellijsten zoals ze nu zijn.",
    ),
    (
        "No association has airtime booked or delivered in this period.",
        "Geen enkele vereniging heeft in deze periode zendtijd geboekt of gekregen.",
    ),
    (
        "Delivered of entitled airtime",
        "Gekregen zendtijd tegenover het recht",
    ),
    ("Association", "Vereniging"),
    ("Share of voice", "Aandeel in de zendtijd"),
    ("Entitled share", "Aandeel waar ze recht op heeft"),
    ("Delivered of entitled", "Gekregen van het recht"),
    ("Under 80 %", "Onder 80 %"),
    ("yes", "ja"),
    ("no", "nee"),
    (
        "Booked and delivered airtime",
        "Geboekte en geleverde zendtijd",
    ),
    (
        "For each approved event: the seconds its place in the playlists books on the screens that were playing, against the seconds it was on screen.",
        "Voor elke goedgekeurde activiteit: de seconden die haar plaats in de afspeellijsten boekt op de schermen die speelden, tegenover de seconden dat ze op het scherm stond.",
    ),
    (
        "Bookings are read from the playlists as they are now. Figures from fewer than 10 plays are shown as <10.",
        "Boekingen worden gelezen uit de afspeellijsten zoals ze nu zijn. Cijfers uit minder dan 10 vertoningen staan er als <10.",
    ),
    (
        "No approved event in this period.",
        "Geen goedgekeurde activiteit in deze periode.",
    ),
    (
        "Seconds booked and delivered",
        "Geboekte en geleverde seconden",
    ),
    (
        "For each event, two bars: the seconds booked and the seconds delivered.",
        "Per activiteit twee balken: de geboekte en de geleverde seconden.",
    ),
    (
        "The chart shows the 15 events with the most airtime booked; the table has them all.",
        "De grafiek toont de 15 activiteiten met de meeste geboekte zendtijd; de tabel heeft ze allemaal.",
    ),
    ("Seconds booked", "Geboekte seconden"),
    ("Seconds delivered", "Geleverde seconden"),
    ("Delivered of booked", "Geleverd van geboekt"),
];
