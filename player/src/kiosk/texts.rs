//! The kiosk view's words in Dutch, French, English and German, and dates, times and opening
//! hours written as each language writes them. Events and services keep the words their
//! authors wrote; only the kiosk's own words change with the language switch.

use chrono::{DateTime, Datelike, TimeZone, Timelike, Utc, Weekday};
use civicast_shared::api::events::{AudienceSegment, EventCategory};
use civicast_shared::api::kiosk::KioskLanguage;
use civicast_shared::schedule::OpeningHours;

/// Keeps a day or a time range on one line.
const NBSP: char = '\u{a0}';

/// The kiosk's own words in one language.
#[derive(Debug)]
pub struct Texts {
    /// The language's name on its own switch.
    pub code: &'static str,
    pub whats_on: &'static str,
    pub find_your_way: &'static str,
    pub city_services: &'static str,
    pub close: &'static str,
    pub back: &'static str,
    pub day: &'static str,
    pub category: &'static str,
    pub audience: &'static str,
    pub all: &'static str,
    pub today: &'static str,
    pub this_weekend: &'static str,
    pub next_7_days: &'static str,
    pub no_events: &'static str,
    pub previous: &'static str,
    pub next: &'static str,
    pub when: &'static str,
    pub place: &'static str,
    pub organiser: &'static str,
    pub take_along: &'static str,
    pub scan_event: &'static str,
    pub scan_website: &'static str,
    pub you_are_here: &'static str,
    pub opening_hours: &'static str,
    pub no_map: &'static str,
    pub search_hint: &'static str,
    pub no_services: &'static str,
    pub services_found: &'static str,
    pub service_found: &'static str,
    pub desk: &'static str,
    pub hours: &'static str,
    pub phone: &'static str,
    pub space: &'static str,
    pub clear: &'static str,
    weekdays: [&'static str; 7],
    months: [&'static str; 12],
}

pub const DUTCH: Texts = Texts {
    code: "NL",
    whats_on: "Wat is er te doen",
    find_your_way: "De weg vinden",
    city_services: "Stadsdiensten",
    close: "Sluiten",
    back: "Terug",
    day: "Wanneer",
    category: "Soort",
    audience: "Voor wie",
    all: "Alles",
    today: "Vandaag",
    this_weekend: "Dit weekend",
    next_7_days: "Komende 7 dagen",
    no_events: "Geen activiteiten gevonden. Kies een andere dag of soort.",
    previous: "Vorige",
    next: "Volgende",
    when: "Wanneer",
    place: "Waar",
    organiser: "Organisatie",
    take_along: "Neem mee op je telefoon",
    scan_event: "Scan de code met je telefoon om deze activiteit mee te nemen",
    scan_website: "Scan voor de website",
    you_are_here: "U bent hier",
    opening_hours: "Open",
    no_map: "Voor deze zuil is nog geen kaart ingesteld.",
    search_hint: "Typ een woord, bijvoorbeeld paspoort",
    no_services: "Geen dienst gevonden. Probeer een ander woord.",
    services_found: "diensten",
    service_found: "dienst",
    desk: "Loket",
    hours: "Open",
    phone: "Telefoon",
    space: "spatie",
    clear: "Wissen",
    weekdays: ["ma", "di", "wo", "do", "vr", "za", "zo"],
    months: [
        "januari",
        "februari",
        "maart",
        "april",
        "mei",
        "juni",
        "juli",
        "augustus",
        "september",
        "oktober",
        "november",
        "december",
    ],
};

pub const FRENCH: Texts = Texts {
    code: "FR",
    whats_on: "Agenda",
    find_your_way: "S'orienter",
    city_services: "Services de la ville",
    close: "Fermer",
    back: "Retour",
    day: "Quand",
    category: "Catégorie",
    audience: "Pour qui",
    all: "Tout",
    today: "Aujourd'hui",
    this_weekend: "Ce week-end",
    next_7_days: "7 prochains jours",
    no_events: "Aucune activité trouvée. Choisissez un autre jour ou une autre catégorie.",
    previous: "Précédent",
    next: "Suivant",
    when: "Quand",
    place: "Où",
    organiser: "Organisateur",
    take_along: "Emporter sur votre téléphone",
    scan_event: "Scannez le code avec votre téléphone pour emporter cette activité",
    scan_website: "Scannez pour le site web",
    you_are_here: "Vous êtes ici",
    opening_hours: "Ouvert",
    no_map: "Aucun plan n'est encore prévu pour cette borne.",
    search_hint: "Tapez un mot, par exemple passeport",
    no_services: "Aucun service trouvé. Essayez un autre mot.",
    services_found: "services",
    service_found: "service",
    desk: "Guichet",
    hours: "Ouvert",
    phone: "Téléphone",
    space: "espace",
    clear: "Effacer",
    weekdays: ["lun", "mar", "mer", "jeu", "ven", "sam", "dim"],
    months: [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ],
};

pub const ENGLISH: Texts = Texts {
    code: "EN",
    whats_on: "What's on",
    find_your_way: "Find your way",
    city_services: "City services",
    close: "Close",
    back: "Back",
    day: "When",
    category: "Category",
    audience: "For",
    all: "All",
    today: "Today",
    this_weekend: "This weekend",
    next_7_days: "Next 7 days",
    no_events: "No events found. Choose another day or category.",
    previous: "Previous",
    next: "Next",
    when: "When",
    place: "Where",
    organiser: "Organiser",
    take_along: "Take it along on your phone",
    scan_event: "Scan the code with your phone to take this event along",
    scan_website: "Scan for the website",
    you_are_here: "You are here",
    opening_hours: "Open",
    no_map: "No map has been set for this kiosk yet.",
    search_hint: "Type a word, for example passport",
    no_services: "No service found. Try another word.",
    services_found: "services",
    service_found: "service",
    desk: "Desk",
    hours: "Open",
    phone: "Phone",
    space: "space",
    clear: "Clear",
    weekdays: ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
    months: [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
};

pub const GERMAN: Texts = Texts {
    code: "DE",
    whats_on: "Veranstaltungen",
    find_your_way: "Wegweiser",
    city_services: "Städtische Dienste",
    close: "Schließen",
    back: "Zurück",
    day: "Wann",
    category: "Kategorie",
    audience: "Für wen",
    all: "Alle",
    today: "Heute",
    this_weekend: "Dieses Wochenende",
    next_7_days: "Nächste 7 Tage",
    no_events: "Keine Veranstaltungen gefunden. Wählen Sie einen anderen Tag oder eine andere Kategorie.",
    previous: "Vorherige",
    next: "Weiter",
    when: "Wann",
    place: "Wo",
    organiser: "Veranstalter",
    take_along: "Auf das Handy mitnehmen",
    scan_event: "Scannen Sie den Code mit Ihrem Handy, um die Veranstaltung mitzunehmen",
    scan_website: "Für die Website scannen",
    you_are_here: "Sie sind hier",
    opening_hours: "Geöffnet",
    no_map: "Für diese Säule ist noch kein Plan eingerichtet.",
    search_hint: "Geben Sie ein Wort ein, zum Beispiel Reisepass",
    no_services: "Kein Dienst gefunden. Versuchen Sie ein anderes Wort.",
    services_found: "Dienste",
    service_found: "Dienst",
    desk: "Schalter",
    hours: "Geöffnet",
    phone: "Telefon",
    space: "Leertaste",
    clear: "Löschen",
    weekdays: ["Mo", "Di", "Mi", "Do", "Fr", "Sa", "So"],
    months: [
        "Januar",
        "Februar",
        "März",
        "April",
        "Mai",
        "Juni",
        "Juli",
        "August",
        "September",
        "Oktober",
        "November",
        "Dezember",
    ],
};

/// The hint over the attract loop: every language at once, as a visitor does not know yet
/// which one the kiosk speaks.
pub const TOUCH_TO_EXPLORE: &str =
    "Raak aan om te ontdekken · Touchez pour découvrir · Touch to explore · Berühren zum Entdecken";

/// "19:30".
fn hm<T: Timelike>(time: &T) -> String {
    format!("{:02}:{:02}", time.hour(), time.minute())
}

/// The kiosk's words in `language`.
pub fn of(language: KioskLanguage) -> &'static Texts {
    match language {
        KioskLanguage::Dutch => &DUTCH,
        KioskLanguage::French => &FRENCH,
        KioskLanguage::English => &ENGLISH,
        KioskLanguage::German => &GERMAN,
    }
}

impl Texts {
    pub fn category(&self, category: EventCategory) -> &'static str {
        use EventCategory as C;
        let [nl, fr, en, de] = match category {
            C::Sports => ["Sport", "Sport", "Sports", "Sport"],
            C::Culture => ["Cultuur", "Culture", "Culture", "Kultur"],
            C::Music => ["Muziek", "Musique", "Music", "Musik"],
            C::Youth => ["Jeugd", "Jeunesse", "Youth", "Jugend"],
            C::Family => ["Gezin", "Famille", "Family", "Familie"],
            C::Seniors => ["Senioren", "Seniors", "Seniors", "Senioren"],
            C::Education => ["Vorming", "Formation", "Learning", "Bildung"],
            C::Community => ["Buurt", "Quartier", "Community", "Nachbarschaft"],
            C::Charity => ["Goed doel", "Solidarité", "Charity", "Wohltätigkeit"],
            C::City => ["Stad", "Ville", "City", "Stadt"],
            C::Other => ["Andere", "Autre", "Other", "Sonstiges"],
        };
        self.pick([nl, fr, en, de])
    }

    pub fn audience(&self, audience: AudienceSegment) -> &'static str {
        use AudienceSegment as A;
        let [nl, fr, en, de] = match audience {
            A::Youth => ["Jongeren", "Jeunes", "Young people", "Jugendliche"],
            A::Families => ["Gezinnen", "Familles", "Families", "Familien"],
            A::Seniors => ["Senioren", "Seniors", "Seniors", "Senioren"],
            A::Students => ["Studenten", "Étudiants", "Students", "Studierende"],
            A::Sports => ["Sporters", "Sportifs", "Sports fans", "Sportler"],
            A::Culture => [
                "Cultuurliefhebbers",
                "Amateurs de culture",
                "Culture lovers",
                "Kulturfreunde",
            ],
            A::Newcomers => [
                "Nieuwkomers",
                "Nouveaux venus",
                "Newcomers",
                "Neuankömmlinge",
            ],
            A::Tourists => ["Bezoekers", "Touristes", "Visitors", "Besucher"],
        };
        self.pick([nl, fr, en, de])
    }

    fn pick(&self, words: [&'static str; 4]) -> &'static str {
        match self.code {
            "NL" => words[0],
            "FR" => words[1],
            "EN" => words[2],
            _ => words[3],
        }
    }

    fn weekday(&self, day: Weekday) -> &'static str {
        self.weekdays[day.num_days_from_monday() as usize]
    }

    /// "za 28 november" / "sam 28 novembre" / "Sat 28 November" / "Sa 28. November".
    pub fn day<Z: TimeZone>(&self, at: DateTime<Utc>, tz: &Z) -> String {
        let local = at.with_timezone(tz);
        let month = self.months[local.month0() as usize];
        let dot = if self.code == "DE" { "." } else { "" };
        format!(
            "{}{NBSP}{}{dot}{NBSP}{month}",
            self.weekday(local.weekday()),
            local.day()
        )
    }

    /// When an event runs, in the building's time zone: "za 28 november, 19:30–22:30", or both
    /// ends with their days when it runs over several.
    pub fn when<Z: TimeZone>(&self, starts: DateTime<Utc>, ends: DateTime<Utc>, tz: &Z) -> String {
        let (from, to) = (starts.with_timezone(tz), ends.with_timezone(tz));
        if from.date_naive() == to.date_naive() {
            format!(
                "{}, {}{NBSP}–{NBSP}{}",
                self.day(starts, tz),
                hm(&from),
                hm(&to)
            )
        } else {
            format!(
                "{} {} – {} {}",
                self.day(starts, tz),
                hm(&from),
                self.day(ends, tz),
                hm(&to)
            )
        }
    }

    /// Opening hours, one rule a line: "ma–vr 09:00–17:00".
    pub fn opening_hours(&self, rules: &[OpeningHours]) -> String {
        rules
            .iter()
            .map(|rule| {
                format!(
                    "{} {}–{}",
                    self.weekday_ranges(&rule.weekdays),
                    rule.start.format("%H:%M"),
                    rule.end.format("%H:%M")
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Days in week order, runs of three or more written as a range: "ma–vr, zo".
    fn weekday_ranges(&self, days: &[Weekday]) -> String {
        let mut numbers: Vec<u32> = days.iter().map(|d| d.num_days_from_monday()).collect();
        numbers.sort_unstable();
        numbers.dedup();
        let mut parts = Vec::new();
        let mut index = 0;
        while index < numbers.len() {
            let mut end = index;
            while end + 1 < numbers.len() && numbers[end + 1] == numbers[end] + 1 {
                end += 1;
            }
            let name = |n: u32| self.weekdays[n as usize];
            match end - index {
                0 => parts.push(name(numbers[index]).to_owned()),
                1 => {
                    parts.push(name(numbers[index]).to_owned());
                    parts.push(name(numbers[end]).to_owned());
                }
                _ => parts.push(format!("{}–{}", name(numbers[index]), name(numbers[end]))),
            }
            index = end + 1;
        }
        parts.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveTime;

    #[test]
    fn dates_and_hours_in_each_language() {
        let tz = chrono_tz::Europe::Brussels;
        let starts = Utc.with_ymd_and_hms(2026, 11, 28, 18, 30, 0).unwrap();
        let ends = Utc.with_ymd_and_hms(2026, 11, 28, 21, 30, 0).unwrap();
        assert_eq!(
            DUTCH.when(starts, ends, &tz),
            "za\u{a0}28\u{a0}november, 19:30\u{a0}–\u{a0}22:30"
        );
        assert!(
            GERMAN
                .when(starts, ends, &tz)
                .starts_with("Sa\u{a0}28.\u{a0}November")
        );
        let rules = [
            OpeningHours {
                weekdays: vec![
                    Weekday::Mon,
                    Weekday::Tue,
                    Weekday::Wed,
                    Weekday::Thu,
                    Weekday::Fri,
                ],
                start: NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
                end: NaiveTime::from_hms_opt(17, 0, 0).unwrap(),
            },
            OpeningHours {
                weekdays: vec![Weekday::Sat, Weekday::Sun],
                start: NaiveTime::from_hms_opt(10, 0, 0).unwrap(),
                end: NaiveTime::from_hms_opt(12, 0, 0).unwrap(),
            },
        ];
        assert_eq!(
            DUTCH.opening_hours(&rules),
            "ma–vr 09:00–17:00\nza, zo 10:00–12:00"
        );
        assert_eq!(FRENCH.opening_hours(&rules[..1]), "lun–ven 09:00–17:00");
    }

    #[test]
    fn every_word_is_drawn_by_the_screens_fonts() {
        for language in KioskLanguage::ALL {
            let texts = of(*language);
            let mut words = vec![
                texts.whats_on,
                texts.find_your_way,
                texts.city_services,
                texts.no_events,
                texts.scan_event,
                texts.search_hint,
                texts.no_map,
            ];
            words.extend(EventCategory::ALL.iter().map(|c| texts.category(*c)));
            words.extend(AudienceSegment::ALL.iter().map(|a| texts.audience(*a)));
            for word in words {
                let missing = civicast_shared::typeface::missing_glyphs(word);
                assert!(missing.is_empty(), "{word}: {missing:?}");
            }
        }
        assert!(civicast_shared::typeface::missing_glyphs(TOUCH_TO_EXPLORE).is_empty());
    }
}
