//! The portal in Dutch and English. Templates write English text through `lang.t("...")`; the
//! catalog below gives each its Dutch, side by side, so a missing translation shows in review
//! and a unit test fails when a template uses text the catalog lacks. Dates are written as the
//! city writes them, in the city's time zone.

use std::collections::HashMap;
use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use civicast_shared::api::accounts::Language;
use civicast_shared::api::events::{AudienceSegment, EventCategory, EventStatus};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Nl,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Nl => "nl",
            Lang::En => "en",
        }
    }

    pub fn from_code(code: &str) -> Option<Lang> {
        match code {
            "nl" => Some(Lang::Nl),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The first of Dutch or English in an `Accept-Language` header; Dutch, the city's
    /// language, when it names neither.
    pub fn from_accept_language(header: &str) -> Lang {
        header
            .split(',')
            .filter_map(|part| part.split(';').next())
            .map(|tag| tag.trim().to_ascii_lowercase())
            .find_map(|tag| Lang::from_code(tag.split('-').next().unwrap_or_default()))
            .unwrap_or(Lang::Nl)
    }

    /// The other language, offered by the switch in the page header.
    pub fn other(self) -> Lang {
        match self {
            Lang::Nl => Lang::En,
            Lang::En => Lang::Nl,
        }
    }

    /// The name of this language in itself, for the switch.
    pub fn name(self) -> &'static str {
        match self {
            Lang::Nl => "Nederlands",
            Lang::En => "English",
        }
    }

    /// `english` in this language.
    pub fn t(self, english: &str) -> String {
        match self {
            Lang::En => english.to_owned(),
            Lang::Nl => DUTCH
                .get(english)
                .map_or_else(|| english.to_owned(), |dutch| (*dutch).to_owned()),
        }
    }

    /// A message from validation or the domain rules, in this language where it is known.
    pub fn message(self, english: &str) -> String {
        if self == Lang::En {
            return english.to_owned();
        }
        if let Some(dutch) = DUTCH.get(english) {
            return (*dutch).to_owned();
        }
        for (start, dutch) in [
            (
                "too many failed sign-ins; try again in ",
                "te veel mislukte aanmeldpogingen; probeer opnieuw over ",
            ),
            (
                "too many registrations from this address; try again in ",
                "te veel registraties vanaf dit adres; probeer opnieuw over ",
            ),
        ] {
            if let Some(wait) = english.strip_prefix(start) {
                let wait = match wait.strip_suffix(" minutes") {
                    Some(n) => format!("{n} minuten"),
                    None => wait.replace(" minute", " minuut"),
                };
                return format!("{dutch}{wait}");
            }
        }
        if let Some(rest) = english.strip_prefix("must be at most ")
            && let Some((max, rest)) = rest.split_once(" characters (it has ")
        {
            return format!(
                "mag hoogstens {max} tekens lang zijn (nu {})",
                rest.trim_end_matches(')')
            );
        }
        if let Some(rest) = english.strip_prefix("the poster is ")
            && let Some((size, rest)) = rest.split_once(", too small for the ")
            && let Some((screens, rest)) = rest.split_once(" screens of ")
            && let Some((building, need)) = rest.split_once(": upload one of at least ")
        {
            return format!(
                "de affiche is {size}, te klein voor de schermen van {screens} in {building}: \
                 upload er een van minstens {need}"
            );
        }
        english.to_owned()
    }

    pub fn status(self, status: EventStatus) -> String {
        self.t(match status {
            EventStatus::Pending => "Pending",
            EventStatus::Approved => "Approved",
            EventStatus::ChangesRequested => "Changes requested",
            EventStatus::Rejected => "Rejected",
            EventStatus::Withdrawn => "Withdrawn",
            EventStatus::Expired => "Expired",
        })
    }

    pub fn category(self, category: EventCategory) -> String {
        self.t(match category {
            EventCategory::Sports => "Sports",
            EventCategory::Culture => "Culture",
            EventCategory::Music => "Music",
            EventCategory::Youth => "Youth",
            EventCategory::Family => "Family",
            EventCategory::Seniors => "Seniors",
            EventCategory::Education => "Education",
            EventCategory::Community => "Community",
            EventCategory::Charity => "Charity",
            EventCategory::City => "City",
            EventCategory::Other => "Other",
        })
    }

    pub fn audience(self, segment: AudienceSegment) -> String {
        self.t(match segment {
            AudienceSegment::Youth => "Young people",
            AudienceSegment::Families => "Families",
            AudienceSegment::Seniors => "Older people",
            AudienceSegment::Students => "Students",
            AudienceSegment::Sports => "Sports lovers",
            AudienceSegment::Culture => "Culture lovers",
            AudienceSegment::Newcomers => "Newcomers",
            AudienceSegment::Tourists => "Visitors to the city",
        })
    }

    pub fn venue(self, venue: civicast_shared::venue::VenueType) -> String {
        use civicast_shared::venue::VenueType as V;
        self.t(match venue {
            V::TownHall => "Town hall",
            V::Library => "Library",
            V::CultureCentre => "Culture centre",
            V::SportsHall => "Sports hall",
            V::SwimmingPool => "Swimming pool",
            V::YouthCentre => "Youth centre",
            V::TouristOffice => "Tourist office",
            V::ServiceCentre => "Service centre",
            V::Museum => "Museum",
            V::School => "School",
            V::LedWallSquare => "LED wall on a square",
            V::Other => "Other",
        })
    }

    pub fn role(self, role: civicast_shared::api::accounts::Role) -> String {
        use civicast_shared::api::accounts::Role;
        self.t(match role {
            Role::Admin => "Administrator",
            Role::Staff => "Communications staff",
            Role::Association => "Association member",
        })
    }

    /// A moment as the city writes it: "za 12 dec. 2026 19:30" or "Sat 12 Dec 2026 19:30".
    pub fn datetime(self, at: DateTime<Utc>, tz: Tz) -> String {
        civicast_shared::display::moment(self.language(), at, &tz)
    }

    /// A day as the city writes it: "za 12 dec. 2026" or "Sat 12 Dec 2026".
    pub fn date(self, at: DateTime<Utc>, tz: Tz) -> String {
        civicast_shared::display::short_day(self.language(), at, &tz)
    }

    /// The same language as the wire type stored with each user.
    pub fn language(self) -> Language {
        match self {
            Lang::Nl => Language::Nl,
            Lang::En => Language::En,
        }
    }

    pub fn of(language: Language) -> Lang {
        match language {
            Language::Nl => Lang::Nl,
            Language::En => Lang::En,
        }
    }
}

mod administration;
mod agenda;
mod audiences;
mod kiosks;
mod layout;
mod planning;

/// The catalogs, one per part of the portal, so that each part's texts sit beside its pages.
const CATALOGS: &[&[(&str, &str)]] = &[
    CATALOG,
    administration::CATALOG,
    agenda::CATALOG,
    audiences::CATALOG,
    kiosks::CATALOG,
    planning::CATALOG,
    layout::CATALOG,
];

static DUTCH: LazyLock<HashMap<&'static str, &'static str>> =
    LazyLock::new(|| CATALOGS.iter().flat_map(|c| c.iter().copied()).collect());

/// Every English text of the portal and its Dutch.
pub const CATALOG: &[(&str, &str)] = &[
    // Page frame
    ("Skip to the content", "Naar de inhoud"),
    ("Civicast portal", "Civicast-portaal"),
    ("Main menu", "Hoofdmenu"),
    ("Sign in", "Aanmelden"),
    ("Sign out", "Afmelden"),
    ("Signed in as", "Aangemeld als"),
    ("Language", "Taal"),
    ("My events", "Mijn activiteiten"),
    ("Submit an event", "Activiteit indienen"),
    ("Moderation", "Moderatie"),
    ("Associations", "Verenigingen"),
    ("Audit log", "Auditlog"),
    ("Buildings", "Gebouwen"),
    (
        "Free promotion for local associations on the city's screens.",
        "Gratis promotie voor verenigingen op de schermen van de stad.",
    ),
    // Sign in and registration
    ("E-mail address", "E-mailadres"),
    ("Password", "Wachtwoord"),
    ("Repeat the password", "Herhaal het wachtwoord"),
    (
        "Wrong e-mail address or password.",
        "Verkeerd e-mailadres of wachtwoord.",
    ),
    (
        "Thank you: your registration was received. Sign in with your e-mail address and password.",
        "Bedankt: je registratie is ontvangen. Meld je aan met je e-mailadres en wachtwoord.",
    ),
    ("New association?", "Nieuwe vereniging?"),
    ("Register your association", "Registreer je vereniging"),
    ("Register", "Registreren"),
    ("Name of the association", "Naam van de vereniging"),
    ("Contact person", "Contactpersoon"),
    ("Short description", "Korte beschrijving"),
    (
        "At least 10 characters. You sign in with the e-mail address and this password.",
        "Minstens 10 tekens. Je meldt je aan met het e-mailadres en dit wachtwoord.",
    ),
    ("the passwords differ", "de wachtwoorden verschillen"),
    (
        "Your association is registered. City staff verify it before you can submit events.",
        "Je vereniging is geregistreerd. De stad controleert ze voor je activiteiten kunt indienen.",
    ),
    (
        "City staff have not verified your association yet. You can prepare events once they have.",
        "De stad heeft je vereniging nog niet gecontroleerd. Daarna kun je activiteiten indienen.",
    ),
    (
        "Please correct the fields marked below.",
        "Verbeter de velden die hieronder zijn aangeduid.",
    ),
    // Events
    ("Title", "Titel"),
    ("Short text", "Korte tekst"),
    ("Starts", "Begint"),
    ("Ends", "Eindigt"),
    ("Venue", "Plaats"),
    ("Category", "Categorie"),
    ("Target audiences", "Doelgroepen"),
    (
        "Link (shown on screen as a QR code)",
        "Link (op het scherm als QR-code)",
    ),
    ("Poster (JPEG, PNG or WebP)", "Affiche (JPEG, PNG of WebP)"),
    (
        "Optional. Without a poster the screens show a card made from the fields.",
        "Niet verplicht. Zonder affiche tonen de schermen een kaart met de gegevens.",
    ),
    (
        "Keep the poster already uploaded, or choose another file to replace it.",
        "De opgeladen affiche blijft, of kies een ander bestand om ze te vervangen.",
    ),
    ("Buildings wished for", "Gewenste gebouwen"),
    ("Preview", "Voorbeeld"),
    ("Check your event", "Controleer je activiteit"),
    (
        "This is how your event will look on the screens. Send it for review, or change it.",
        "Zo ziet je activiteit eruit op de schermen. Dien ze in, of pas ze aan.",
    ),
    ("Send for review", "Indienen ter controle"),
    ("Change", "Aanpassen"),
    ("Save changes", "Wijzigingen opslaan"),
    ("Edit event", "Activiteit aanpassen"),
    ("Edit", "Aanpassen"),
    ("Withdraw", "Intrekken"),
    (
        "Withdraw this event? It leaves every screen.",
        "Deze activiteit intrekken? Ze verdwijnt van alle schermen.",
    ),
    (
        "An approved event that you edit goes back to review and leaves the screens until it is approved again.",
        "Een goedgekeurde activiteit die je aanpast, gaat opnieuw ter controle en verdwijnt van de schermen tot ze opnieuw is goedgekeurd.",
    ),
    ("Landscape screen", "Liggend scherm"),
    ("Portrait screen", "Staand scherm"),
    ("LED wall", "Ledwand"),
    ("Square LED wall", "Vierkante ledwand"),
    ("Status", "Status"),
    ("When", "Wanneer"),
    ("Where on screen", "Waar op de schermen"),
    ("Reason", "Reden"),
    ("Organisation", "Organisatie"),
    ("No events yet.", "Nog geen activiteiten."),
    (
        "Your event was sent for review.",
        "Je activiteit is ingediend ter controle.",
    ),
    (
        "Your changes were saved.",
        "Je wijzigingen zijn opgeslagen.",
    ),
    ("from", "van"),
    ("until", "tot"),
    ("History", "Geschiedenis"),
    ("Event", "Activiteit"),
    ("Comment from the city", "Opmerking van de stad"),
    // Statuses, categories and audiences
    ("Pending", "Wacht op controle"),
    ("Approved", "Goedgekeurd"),
    ("Changes requested", "Aanpassing gevraagd"),
    ("Rejected", "Geweigerd"),
    ("Withdrawn", "Ingetrokken"),
    ("Expired", "Verlopen"),
    ("Sports", "Sport"),
    ("Culture", "Cultuur"),
    ("Music", "Muziek"),
    ("Youth", "Jeugd"),
    ("Family", "Gezin"),
    ("Seniors", "Senioren"),
    ("Education", "Vorming"),
    ("Community", "Buurt"),
    ("Charity", "Goed doel"),
    ("City", "Stad"),
    ("Other", "Andere"),
    ("Young people", "Jongeren"),
    ("Families", "Gezinnen"),
    ("Older people", "Ouderen"),
    ("Students", "Studenten"),
    ("Sports lovers", "Sportievelingen"),
    ("Culture lovers", "Cultuurliefhebbers"),
    ("Newcomers", "Nieuwkomers"),
    ("Visitors to the city", "Bezoekers van de stad"),
    // Moderation
    ("Moderation queue", "Moderatiewachtrij"),
    (
        "Most urgent first: ordered by the event's start.",
        "Dringendste eerst: gerangschikt op begin van de activiteit.",
    ),
    ("Filter", "Filteren"),
    ("All", "Alle"),
    ("Search", "Zoeken"),
    ("Approve", "Goedkeuren"),
    (
        "Approve into building playlists",
        "Goedkeuren in de afspeellijsten van gebouwen",
    ),
    ("Promotion from", "Promotie vanaf"),
    ("Promotion until", "Promotie tot"),
    (
        "By default from 14 days before the start until the end.",
        "Standaard van 14 dagen voor het begin tot het einde.",
    ),
    ("Reject", "Weigeren"),
    ("Reject with a reason", "Weigeren met een reden"),
    ("Ask for changes", "Aanpassing vragen"),
    ("The association reads this.", "De vereniging leest dit."),
    ("The event was approved.", "De activiteit is goedgekeurd."),
    ("The event was rejected.", "De activiteit is geweigerd."),
    (
        "The association was asked for changes.",
        "De vereniging is gevraagd de activiteit aan te passen.",
    ),
    ("The event was withdrawn.", "De activiteit is ingetrokken."),
    ("Nothing to moderate.", "Niets te modereren."),
    ("requested", "gevraagd"),
    // Associations and audit
    ("Verified", "Gecontroleerd"),
    ("Not verified", "Niet gecontroleerd"),
    ("Verify", "Controleren"),
    ("Asks to be renamed to", "Vraagt een nieuwe naam:"),
    ("Approve the new name", "Nieuwe naam goedkeuren"),
    (
        "Screens show the current name until you approve.",
        "Schermen tonen de huidige naam tot u goedkeurt.",
    ),
    ("Contact", "Contact"),
    ("Name", "Naam"),
    (
        "The association was verified.",
        "De vereniging is gecontroleerd.",
    ),
    ("Time", "Tijd"),
    ("Who", "Wie"),
    ("Action", "Actie"),
    ("Details", "Details"),
    ("Search the audit log", "Zoeken in de auditlog"),
    ("No entries.", "Geen gegevens."),
    ("Previous page", "Vorige pagina"),
    ("Next page", "Volgende pagina"),
    // Playlists
    ("Address", "Adres"),
    ("Screens", "Schermen"),
    ("Playlist", "Afspeellijst"),
    ("When it plays", "Wanneer het speelt"),
    (
        "Leave empty to play always. Times are the building's local time.",
        "Leeg laten om altijd te spelen. Uren in de plaatselijke tijd van het gebouw.",
    ),
    ("From", "Vanaf"),
    ("Until", "Tot"),
    ("Weekdays", "Weekdagen"),
    ("Daily from", "Dagelijks vanaf"),
    ("Daily until", "Dagelijks tot"),
    ("Loop length now", "Lengte van de lus nu"),
    ("Items playing now", "Onderdelen die nu spelen"),
    ("Airtime now", "Zendtijd nu"),
    ("Seconds per loop", "Seconden per lus"),
    ("Share", "Aandeel"),
    ("Items in order", "Onderdelen in volgorde"),
    ("No items yet.", "Nog geen onderdelen."),
    ("Item", "Onderdeel"),
    ("Duration", "Duur"),
    ("Actions", "Acties"),
    ("not now", "nu niet"),
    ("Move up", "Omhoog"),
    ("Move down", "Omlaag"),
    ("Remove", "Verwijderen"),
    ("Add an announcement", "Mededeling toevoegen"),
    ("Add a city slide", "Dia van de stad toevoegen"),
    ("Text", "Tekst"),
    ("Duration in seconds", "Duur in seconden"),
    (
        "Image (JPEG, PNG or WebP)",
        "Afbeelding (JPEG, PNG of WebP)",
    ),
    (
        "Image (JPEG, PNG or WebP) or video (MP4, WebM or MOV)",
        "Afbeelding (JPEG, PNG of WebP) of video (MP4, WebM of MOV)",
    ),
    (
        "Leave empty for a video's own length (other items: 10 s).",
        "Leeg laten voor de eigen lengte van een video (andere onderdelen: 10 s).",
    ),
    ("Play the video's sound", "Het geluid van de video afspelen"),
    (
        "Poster (JPEG, PNG or WebP, or an MP4, WebM or MOV video)",
        "Affiche (JPEG, PNG of WebP, of een MP4-, WebM- of MOV-video)",
    ),
    ("Video", "Video"),
    (
        "Video waiting for its screen version",
        "Video wacht op zijn schermversie",
    ),
    ("Screen version being made", "Schermversie wordt gemaakt"),
    ("Screen version ready", "Schermversie klaar"),
    (
        "The screen version failed; upload the video again or in another format",
        "De schermversie is mislukt; laad de video opnieuw op of in een ander formaat",
    ),
    ("Add", "Toevoegen"),
    ("Back to the playlist", "Terug naar de afspeellijst"),
    ("Announcement", "Mededeling"),
    ("City slide", "Dia van de stad"),
    ("always", "altijd"),
    ("every day", "elke dag"),
    ("The city", "De stad"),
    ("give a time such as 09:30", "geef een uur, zoals 09:30"),
    (
        "give a number of seconds from 1 to 600",
        "geef een aantal seconden van 1 tot 600",
    ),
    ("The playlist was changed.", "De afspeellijst is aangepast."),
    ("Mon", "ma"),
    ("Tue", "di"),
    ("Wed", "wo"),
    ("Thu", "do"),
    ("Fri", "vr"),
    ("Sat", "za"),
    ("Sun", "zo"),
    // Administration
    ("Pair a screen", "Scherm koppelen"),
    (
        "A new player shows a pairing code. Enter it here to make it a screen of a building.",
        "Een nieuwe speler toont een koppelcode. Vul ze hier in om er een scherm van een gebouw van te maken.",
    ),
    ("Pairing code", "Koppelcode"),
    ("Building", "Gebouw"),
    ("Name of the screen", "Naam van het scherm"),
    ("Pair", "Koppelen"),
    ("Add a building", "Gebouw toevoegen"),
    ("Kind of building", "Soort gebouw"),
    ("Time zone", "Tijdzone"),
    ("Users", "Gebruikers"),
    ("Role", "Rol"),
    ("Add a user", "Gebruiker toevoegen"),
    (
        "At least 10 characters. Pass it on safely.",
        "Minstens 10 tekens. Geef het veilig door.",
    ),
    ("Administrator", "Beheerder"),
    ("Communications staff", "Communicatiedienst"),
    ("Association member", "Lid van een vereniging"),
    ("The screen was paired.", "Het scherm is gekoppeld."),
    ("The building was added.", "Het gebouw is toegevoegd."),
    ("The user was added.", "De gebruiker is toegevoegd."),
    ("Town hall", "Stadhuis"),
    ("Library", "Bibliotheek"),
    ("Culture centre", "Cultuurcentrum"),
    ("Sports hall", "Sporthal"),
    ("Swimming pool", "Zwembad"),
    ("Youth centre", "Jeugdcentrum"),
    ("Tourist office", "Toerismekantoor"),
    ("Service centre", "Dienstencentrum"),
    ("Museum", "Museum"),
    ("School", "School"),
    ("LED wall on a square", "Ledwand op een plein"),
    // Reports
    ("Reports", "Rapporten"),
    (
        "How often your events were on screen, and an estimate of how many people could see them.",
        "Hoe vaak je activiteiten op de schermen stonden, en een schatting van hoeveel mensen ze konden zien.",
    ),
    ("Grouped by", "Gegroepeerd per"),
    ("Show", "Tonen"),
    (
        "No plays in this period.",
        "Geen vertoningen in deze periode.",
    ),
    ("Plays", "Vertoningen"),
    ("Played in full", "Volledig vertoond"),
    ("Seconds on screen", "Seconden op het scherm"),
    ("Estimated impressions", "Geschatte contacten"),
    ("Download as CSV", "Downloaden als CSV"),
    (
        "Impressions are estimates made from each building's audience profile: opportunities to see, not people counted. No personal data is collected.",
        "Contacten zijn schattingen op basis van het publieksprofiel van elk gebouw: kansen om te zien, geen getelde mensen. Er worden geen persoonsgegevens verzameld.",
    ),
    (
        "Figures from fewer than 10 plays or 10 people are shown as <10, so that nobody can be singled out.",
        "Cijfers van minder dan 10 vertoningen of 10 mensen staan als <10, zodat niemand herkenbaar is.",
    ),
    ("Total", "Totaal"),
    ("Daypart", "Dagdeel"),
    ("Hour", "Uur"),
    ("Kind of day", "Soort dag"),
    ("Building and daypart", "Gebouw en dagdeel"),
    ("Screen", "Scherm"),
    ("(city content)", "(inhoud van de stad)"),
    // Screens
    (
        "Every screen and what its player last reported. Offline screens come first.",
        "Elk scherm en wat zijn speler het laatst meldde. Schermen die offline zijn, staan eerst.",
    ),
    ("Refresh", "Vernieuwen"),
    ("Online", "Online"),
    ("Offline", "Offline"),
    (
        "No screens yet: pair one on the Buildings page.",
        "Nog geen schermen: koppel er een op de pagina Gebouwen.",
    ),
    ("Last seen", "Laatst gezien"),
    ("Now playing", "Speelt nu"),
    ("Cache", "Cache"),
    ("Version", "Versie"),
    ("Running for", "Draait sinds"),
    ("Screenshot", "Schermafdruk"),
    ("Cannot play:", "Kan niet afspelen:"),
    ("Hours", "Uren"),
    (
        "the screens must be on for some of the day: give a start and an end that differ",
        "de schermen moeten een deel van de dag aan zijn: geef een begin en een einde die verschillen",
    ),
    (
        "start and end must differ",
        "begin en einde moeten verschillen",
    ),
    ("The hours were saved.", "De uren zijn bewaard."),
    ("Please correct the following:", "Verbeter het volgende:"),
    ("Screens on", "Schermen aan"),
    ("Open to visitors", "Open voor bezoekers"),
    ("Day", "Dag"),
    ("Save", "Bewaren"),
    ("Monday", "maandag"),
    ("Tuesday", "dinsdag"),
    ("Wednesday", "woensdag"),
    ("Thursday", "donderdag"),
    ("Friday", "vrijdag"),
    ("Saturday", "zaterdag"),
    ("Sunday", "zondag"),
    (
        "write a time as hours and minutes, e.g. 09:30",
        "schrijf een tijd als uren en minuten, bv. 09:30",
    ),
    (
        "give both a start and an end, or leave both empty",
        "geef een begin en een einde, of laat beide leeg",
    ),
    (
        "Outside these hours the screens are blank and record no plays. Leave both empty for always on.",
        "Buiten deze uren zijn de schermen zwart en tellen ze geen vertoningen. Laat beide leeg voor altijd aan.",
    ),
    (
        "A screen that stays silent while the building is open raises an alert on the Screens page. Leave a day empty when the building is closed; leave every day empty for always open.",
        "Een scherm dat stil blijft terwijl het gebouw open is, geeft een melding op de pagina Schermen. Laat een dag leeg als het gebouw dan dicht is; laat alle dagen leeg voor altijd open.",
    ),
    ("Image (optional)", "Afbeelding (optioneel)"),
    ("No image", "Geen afbeelding"),
    (
        "Offline in opening hours",
        "Offline tijdens de openingsuren",
    ),
    ("silent since", "stil sinds"),
    ("Asked for a screenshot at", "Schermafdruk gevraagd om"),
    (
        "It arrives within seconds and shows here.",
        "Die komt binnen enkele seconden en verschijnt hier.",
    ),
    (
        "The screen is offline: the screenshot arrives when it is back.",
        "Het scherm is offline: de schermafdruk komt zodra het terug is.",
    ),
    ("Take a screenshot now", "Nu een schermafdruk nemen"),
    ("What the screen showed at", "Wat het scherm toonde om"),
    ("Taken at", "Genomen om"),
    (
        "This screen has sent no screenshot yet.",
        "Dit scherm heeft nog geen schermafdruk gestuurd.",
    ),
    ("never", "nooit"),
    ("the city's default slide", "de standaarddia van de stad"),
    // Emergency
    ("Emergency", "Noodbericht"),
    ("Emergency message", "Noodbericht"),
    (
        "An emergency message replaces the playlist on the chosen screens at once, until it is cleared.",
        "Een noodbericht vervangt meteen de afspeellijst op de gekozen schermen, tot het wordt gewist.",
    ),
    ("On screen now", "Nu op de schermen"),
    ("Clear", "Wissen"),
    ("Show a message", "Bericht tonen"),
    ("Where", "Waar"),
    ("Every screen", "Alle schermen"),
    ("Show on the screens now", "Nu op de schermen tonen"),
    (
        "The emergency message is on the screens.",
        "Het noodbericht staat op de schermen.",
    ),
    (
        "The emergency message was cleared.",
        "Het noodbericht is gewist.",
    ),
    // Errors
    ("Something went wrong", "Er ging iets mis"),
    ("Back to the start", "Terug naar het begin"),
    ("Back to the previous page", "Terug naar de vorige pagina"),
    (
        "The form expired. Go back, reload the page and send it again.",
        "Het formulier is verlopen. Ga terug, laad de pagina opnieuw en verstuur het nog eens.",
    ),
    ("Page not found", "Pagina niet gevonden"),
    (
        "This page does not exist, or it is not yours to see.",
        "Deze pagina bestaat niet, of ze is niet voor jou.",
    ),
    (
        "only city staff may do this",
        "alleen medewerkers van de stad mogen dit",
    ),
    (
        "only administrators may do this",
        "alleen beheerders mogen dit",
    ),
    ("sign in first", "meld je eerst aan"),
    (
        "your account belongs to no organisation",
        "je account hoort bij geen enkele organisatie",
    ),
    ("choose an image", "kies een afbeelding"),
    ("the upload is empty", "het bestand is leeg"),
    (
        "an organisation with this name is already registered",
        "er is al een organisatie met deze naam geregistreerd",
    ),
    ("Not allowed", "Niet toegestaan"),
    // Validation and system messages
    (
        "the event's date passed before it was approved",
        "de datum van de activiteit was voorbij voor ze werd goedgekeurd",
    ),
    ("is required", "is verplicht"),
    (
        "must not contain control characters",
        "mag geen stuurtekens bevatten",
    ),
    (
        "must be an e-mail address such as name@example.org",
        "moet een e-mailadres zijn, zoals naam@voorbeeld.be",
    ),
    (
        "must be a web address starting with https:// or http://",
        "moet een webadres zijn dat begint met https:// of http://",
    ),
    ("must be after starts_at", "moet na het begin liggen"),
    (
        "must be a date in the years 2000 to 2200",
        "moet een datum in de jaren 2000 tot 2200 zijn",
    ),
    (
        "must not contain invisible direction controls (such as U+202E); remove them",
        "mag geen onzichtbare richtingstekens (zoals U+202E) bevatten; verwijder ze",
    ),
    (
        "an event lasts at most 366 days",
        "een activiteit duurt hoogstens 366 dagen",
    ),
    ("the event is already over", "de activiteit is al voorbij"),
    (
        "give a date and time such as 2026-12-20 19:30",
        "geef een datum en uur, zoals 2026-12-20 19:30",
    ),
    ("choose a category", "kies een categorie"),
    ("choose at least one building", "kies minstens één gebouw"),
    (
        "must be after promotion_from",
        "moet na het begin van de promotie liggen",
    ),
    (
        "the promotion window is already over",
        "de promotieperiode is al voorbij",
    ),
    (
        "must be at least 10 characters",
        "moet minstens 10 tekens lang zijn",
    ),
    (
        "the image is not a JPEG, PNG or WebP file",
        "de afbeelding is geen JPEG-, PNG- of WebP-bestand",
    ),
    // Notifications, account and e-mail
    ("Notifications", "Meldingen"),
    (
        "Choose how you are told",
        "Kies hoe u op de hoogte gebracht wordt",
    ),
    (
        "Nothing yet. You will find here what concerns you, also when e-mail is not set up.",
        "Nog niets. Hier vindt u wat u aanbelangt, ook als e-mail niet ingesteld is.",
    ),
    ("Mark all as read", "Alles als gelezen markeren"),
    ("Unread", "Ongelezen"),
    ("unread", "ongelezen"),
    ("Forgot your password?", "Wachtwoord vergeten?"),
    (
        "Give the e-mail address you sign in with. If it has an account, you get an e-mail with a link to choose a new password.",
        "Geef het e-mailadres waarmee u zich aanmeldt. Heeft het een account, dan krijgt u een e-mail met een link om een nieuw wachtwoord te kiezen.",
    ),
    ("Send me a link", "Stuur me een link"),
    ("Refuse", "Weigeren"),
    (
        "Why (the association is told, then removed)",
        "Waarom (de vereniging krijgt dit te horen en wordt daarna verwijderd)",
    ),
    ("Refuse and remove", "Weigeren en verwijderen"),
    ("My account", "Mijn account"),
    ("How you are told", "Hoe u op de hoogte gebracht wordt"),
    (
        "Everything also stays in your notifications in the portal.",
        "Alles blijft ook in uw meldingen in het portaal.",
    ),
    ("Save my choices", "Mijn keuzes bewaren"),
    ("Language of your e-mails", "Taal van uw e-mails"),
    ("Save the language", "Taal bewaren"),
    ("Change your password", "Uw wachtwoord wijzigen"),
    ("Current password", "Huidig wachtwoord"),
    ("New password", "Nieuw wachtwoord"),
    ("At least 10 characters.", "Minstens 10 tekens."),
    ("New password again", "Nieuw wachtwoord nogmaals"),
    ("Change the password", "Wachtwoord wijzigen"),
    ("E-mail", "E-mail"),
    (
        "No SMTP server is set up (--smtp-url): notifications stay in the portal, and e-mails wait here for 3 days.",
        "Er is geen SMTP-server ingesteld (--smtp-url): meldingen blijven in het portaal, en e-mails wachten hier 3 dagen.",
    ),
    ("Send a test e-mail", "Een test-e-mail sturen"),
    ("To", "Aan"),
    ("Send", "Versturen"),
    ("Latest e-mails", "Laatste e-mails"),
    ("Subject", "Onderwerp"),
    ("Tries", "Pogingen"),
    ("Answer of the SMTP server", "Antwoord van de SMTP-server"),
    ("waiting for a decision", "wachten op een beslissing"),
    ("Language of their e-mails", "Taal van hun e-mails"),
    (
        "They get an e-mail with a link to choose their own password (valid for 7 days).",
        "Ze krijgen een e-mail met een link om zelf hun wachtwoord te kiezen (7 dagen geldig).",
    ),
    ("Invite", "Uitnodigen"),
    (
        "No SMTP server is set up (--smtp-url), so the invitation cannot be sent: it waits on the E-mail page. Set up SMTP, or add the user on the server with civicast-server user add.",
        "Er is geen SMTP-server ingesteld (--smtp-url), dus de uitnodiging kan niet verstuurd worden: ze wacht op de pagina E-mail. Stel SMTP in, of voeg de gebruiker toe op de server met civicast-server user add.",
    ),
    ("Choose your password", "Kies uw wachtwoord"),
    (
        "This link does not work any more: it was used already, or it expired.",
        "Deze link werkt niet meer: hij werd al gebruikt, of hij is verlopen.",
    ),
    ("Ask for a new link", "Vraag een nieuwe link"),
    (
        "Welcome to Civicast. Choose the password you will sign in with, as",
        "Welkom bij Civicast. Kies het wachtwoord waarmee u zich zult aanmelden, als",
    ),
    (
        "Choose a new password for",
        "Kies een nieuw wachtwoord voor",
    ),
    ("Save the password", "Wachtwoord bewaren"),
    ("Queued", "In de wachtrij"),
    ("next try", "volgende poging"),
    ("Sending", "Wordt verstuurd"),
    ("Sent", "Verstuurd"),
    ("Failed", "Mislukt"),
    (
        "My association is verified or refused",
        "Mijn vereniging wordt geverifieerd of geweigerd",
    ),
    (
        "A decision on one of our events",
        "Een beslissing over een van onze activiteiten",
    ),
    (
        "One of our events is on screen for the first time",
        "Een van onze activiteiten staat voor het eerst op een scherm",
    ),
    (
        "The reach of one of our events, once it is over",
        "Het bereik van een van onze activiteiten, als ze voorbij is",
    ),
    (
        "An event is submitted or submitted again",
        "Een activiteit wordt ingediend of opnieuw ingediend",
    ),
    (
        "Events starting within 7 days still wait (daily)",
        "Activiteiten die binnen 7 dagen beginnen wachten nog (dagelijks)",
    ),
    (
        "A screen goes offline in opening hours, or comes back",
        "Een scherm valt uit tijdens de openingsuren, of komt terug",
    ),
    ("By e-mail at once", "Meteen per e-mail"),
    ("In a daily e-mail", "In een dagelijkse e-mail"),
    ("Only here, in the portal", "Alleen hier, in het portaal"),
    (
        "The user was added and invited by e-mail to choose a password.",
        "De gebruiker werd toegevoegd en per e-mail uitgenodigd om een wachtwoord te kiezen.",
    ),
    (
        "The registration was refused and removed; the association was told why.",
        "De registratie werd geweigerd en verwijderd; de vereniging kreeg te horen waarom.",
    ),
    (
        "Your password was changed. Your other sessions were signed out.",
        "Uw wachtwoord werd gewijzigd. Uw andere sessies werden afgemeld.",
    ),
    ("Your choices were saved.", "Uw keuzes werden bewaard."),
    ("Your language was saved.", "Uw taal werd bewaard."),
    (
        "If this address has an account, an e-mail with a link to choose a new password is on its way. The link works for one hour.",
        "Als dit adres een account heeft, is een e-mail met een link om een nieuw wachtwoord te kiezen onderweg. De link werkt één uur.",
    ),
    (
        "Your password is set. Sign in with it.",
        "Uw wachtwoord is ingesteld. Meld u ermee aan.",
    ),
    (
        "The test e-mail is in the outbox; it is sent within seconds.",
        "De test-e-mail staat in de wachtrij; hij wordt binnen enkele seconden verstuurd.",
    ),
    (
        "All notifications are marked as read.",
        "Alle meldingen zijn als gelezen gemarkeerd.",
    ),
    (
        "is not your current password",
        "is niet uw huidige wachtwoord",
    ),
    (
        "the two new passwords are not the same",
        "de twee nieuwe wachtwoorden zijn niet gelijk",
    ),
    (
        "the two passwords are not the same",
        "de twee wachtwoorden zijn niet gelijk",
    ),
    (
        "this link is not valid any more: it was used already or it expired; ask for a new one",
        "deze link is niet meer geldig: hij werd al gebruikt of is verlopen; vraag een nieuwe",
    ),
    (
        "say why the registration is refused: the association is told",
        "zeg waarom de registratie geweigerd wordt: de vereniging krijgt het te horen",
    ),
    (
        "a verified association cannot be refused",
        "een geverifieerde vereniging kan niet geweigerd worden",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_text_the_templates_and_handlers_use_has_its_dutch() {
        let root = env!("CARGO_MANIFEST_DIR");
        let mut missing = Vec::new();
        for (folder, marker) in [("templates", "t(\""), ("src/web/portal", ".t(\"")] {
            for path in files_under(std::path::Path::new(&format!("{root}/{folder}"))) {
                let text = std::fs::read_to_string(&path).unwrap();
                for piece in text.split(marker).skip(1) {
                    let english = piece.split("\")").next().unwrap();
                    if !DUTCH.contains_key(english) && english != "..." {
                        missing.push(format!("{}: {english}", path.display()));
                    }
                }
            }
        }
        assert!(missing.is_empty(), "without Dutch: {missing:#?}");
    }

    fn files_under(folder: &std::path::Path) -> Vec<std::path::PathBuf> {
        let mut files = Vec::new();
        for entry in std::fs::read_dir(folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                files.extend(files_under(&path));
            } else {
                files.push(path);
            }
        }
        files
    }

    #[test]
    fn the_catalog_has_each_text_once() {
        let all: usize = CATALOGS.iter().map(|c| c.len()).sum();
        assert_eq!(
            DUTCH.len(),
            all,
            "a text is in two catalogs or twice in one"
        );
    }

    #[test]
    fn dutch_is_the_default_and_english_is_chosen_when_asked_first() {
        assert_eq!(
            Lang::from_accept_language("en-GB,en;q=0.9,nl;q=0.8"),
            Lang::En
        );
        assert_eq!(Lang::from_accept_language("nl-BE,nl;q=0.9"), Lang::Nl);
        assert_eq!(Lang::from_accept_language("fr-FR"), Lang::Nl);
    }

    #[test]
    fn dates_are_written_in_the_city_time_zone() {
        use chrono::TimeZone;
        let at = Utc.with_ymd_and_hms(2026, 12, 12, 18, 30, 0).unwrap();
        let brussels = chrono_tz::Europe::Brussels;
        assert_eq!(Lang::Nl.datetime(at, brussels), "za 12 dec. 2026 19:30");
        assert_eq!(Lang::En.datetime(at, brussels), "Sat 12 Dec 2026 19:30");
    }

    #[test]
    fn validation_messages_are_translated_with_their_figures() {
        assert_eq!(
            Lang::Nl.message("must be at most 120 characters (it has 130)"),
            "mag hoogstens 120 tekens lang zijn (nu 130)"
        );
        assert_eq!(Lang::Nl.message("is required"), "is verplicht");
        assert_eq!(
            Lang::Nl.message("too many failed sign-ins; try again in 1 minute"),
            "te veel mislukte aanmeldpogingen; probeer opnieuw over 1 minuut"
        );
        assert_eq!(
            Lang::Nl.message("too many registrations from this address; try again in 42 minutes"),
            "te veel registraties vanaf dit adres; probeer opnieuw over 42 minuten"
        );
        assert_eq!(Lang::En.message("is required"), "is required");
    }
}
