//! Notices written out in Dutch or English: the subject, the text, the page it is about, and why
//! the reader gets it. The same words serve the inbox, the plain-text e-mail and its HTML twin.
//! Dates are written as the city writes them, in the city's time zone.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use civicast_shared::api::accounts::Language;
use civicast_shared::api::notifications::NotificationKind;
use civicast_shared::display::{moment, short_day};

use super::Notice;

/// What every message needs to know of this installation.
#[derive(Debug, Clone)]
pub struct Context {
    /// The portal's address as people reach it, without a trailing slash; links start with it.
    pub public_url: String,
    pub city_time_zone: Tz,
    /// The city's name, as the screens show it; "Civicast" when none is set.
    pub city_name: String,
}

/// A notice in one language.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub subject: String,
    /// Paragraphs of plain text.
    pub paragraphs: Vec<String>,
    /// What to do next and the page to do it on (a path).
    pub action: (String, String),
    /// Why the reader gets this message.
    pub why: String,
    /// Whether the reader may choose how they get this kind (the footer links to the page).
    pub choosable: bool,
}

fn tr(language: Language, english: &str, dutch: &str) -> String {
    match language {
        Language::En => english.to_owned(),
        Language::Nl => dutch.to_owned(),
    }
}

impl Context {
    pub fn from_settings(settings: &crate::settings::Settings) -> Context {
        Context {
            public_url: settings.public_url(),
            city_time_zone: settings.city_time_zone,
            city_name: settings
                .city_name
                .clone()
                .unwrap_or_else(|| "Civicast".to_owned()),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.public_url)
    }

    fn when(&self, language: Language, at: DateTime<Utc>) -> String {
        moment(language, at, &self.city_time_zone)
    }

    fn day(&self, language: Language, at: DateTime<Utc>) -> String {
        short_day(language, at, &self.city_time_zone)
    }
}

/// Writes `notice` out in `language`.
pub fn render(notice: &Notice, language: Language, ctx: &Context) -> Message {
    let l = language;
    let kind = notice.kind();
    let association = tr(
        l,
        "You get this message because you are a member of an association that promotes its events on the city's screens with Civicast.",
        "U krijgt dit bericht omdat u lid bent van een vereniging die haar activiteiten met Civicast op de schermen van de stad promoot.",
    );
    let staff = tr(
        l,
        "You get this message because you manage the city's screens in Civicast.",
        "U krijgt dit bericht omdat u de schermen van de stad beheert in Civicast.",
    );
    let account = tr(
        l,
        "You get this message because it concerns your Civicast account. If you did not expect it, you can ignore it; nothing changes unless the link is used.",
        "U krijgt dit bericht omdat het over uw Civicast-account gaat. Verwachtte u het niet, dan mag u het negeren: er verandert niets zolang de link niet gebruikt wordt.",
    );
    let open_event = tr(l, "Open the event", "Open de activiteit");
    let (subject, paragraphs, action_label, why): (String, Vec<String>, String, String) =
        match notice {
            Notice::RegistrationReceived { organisation } => (
                tr(
                    l,
                    &format!("We received the registration of {organisation}"),
                    &format!("We hebben de registratie van {organisation} ontvangen"),
                ),
                vec![tr(
                    l,
                    &format!(
                        "Thank you for registering {organisation} with {}. The city's communications staff will check it; you will get an e-mail when it is verified. Until then you can sign in and prepare your events, but not submit them.",
                        ctx.city_name
                    ),
                    &format!(
                        "Bedankt om {organisation} te registreren bij {}. De communicatiedienst van de stad kijkt ze na; u krijgt een e-mail zodra ze geverifieerd is. Tot dan kunt u zich aanmelden en uw activiteiten voorbereiden, maar nog niet indienen.",
                        ctx.city_name
                    ),
                )],
                tr(l, "Sign in", "Aanmelden"),
                tr(
                    l,
                    "You get this message because this address was given as the contact of an association registering with Civicast.",
                    "U krijgt dit bericht omdat dit adres werd opgegeven als contact van een vereniging die zich bij Civicast registreerde.",
                ),
            ),
            Notice::RegistrationForKnownAddress => (
                tr(
                    l,
                    "Someone tried to register with your address",
                    "Iemand probeerde zich te registreren met uw adres",
                ),
                vec![tr(
                    l,
                    "Someone registered an association on Civicast with this e-mail address, which already has an account, so nothing was created. If it was you, sign in with your password; if you forgot it, choose a new one.",
                    "Iemand registreerde een vereniging op Civicast met dit e-mailadres, dat al een account heeft; er werd dus niets aangemaakt. Was u het zelf, meld u dan aan met uw wachtwoord; bent u het vergeten, kies dan een nieuw.",
                )],
                tr(l, "Choose a new password", "Kies een nieuw wachtwoord"),
                account.clone(),
            ),
            Notice::OrganisationVerified { organisation } => (
                tr(
                    l,
                    &format!("{organisation} is verified"),
                    &format!("{organisation} is geverifieerd"),
                ),
                vec![tr(
                    l,
                    &format!(
                        "The city's communications staff verified {organisation}. You can now submit events to be shown on the city's screens."
                    ),
                    &format!(
                        "De communicatiedienst van de stad heeft {organisation} geverifieerd. U kunt nu activiteiten indienen om op de schermen van de stad te tonen."
                    ),
                )],
                tr(l, "Submit an event", "Dien een activiteit in"),
                association.clone(),
            ),
            Notice::OrganisationRefused {
                organisation,
                reason,
            } => (
                tr(
                    l,
                    &format!("The registration of {organisation} was refused"),
                    &format!("De registratie van {organisation} werd geweigerd"),
                ),
                vec![
                    tr(
                        l,
                        &format!(
                            "The city's communications staff did not accept the registration of {organisation}, and removed it."
                        ),
                        &format!(
                            "De communicatiedienst van de stad aanvaardde de registratie van {organisation} niet en heeft ze verwijderd."
                        ),
                    ),
                    format!("{}: {reason}", tr(l, "Reason", "Reden")),
                ],
                tr(l, "Register again", "Opnieuw registreren"),
                tr(
                    l,
                    "You get this message because this address was given as the contact of an association registering with Civicast.",
                    "U krijgt dit bericht omdat dit adres werd opgegeven als contact van een vereniging die zich bij Civicast registreerde.",
                ),
            ),
            Notice::EventApproved {
                title,
                buildings,
                from,
                until,
                ..
            } => (
                tr(
                    l,
                    &format!("Approved: {title}"),
                    &format!("Goedgekeurd: {title}"),
                ),
                vec![tr(
                    l,
                    &format!(
                        "\u{201c}{title}\u{201d} was approved. It is shown on the screens of {} from {} until {}.",
                        buildings.join(", "),
                        ctx.when(l, *from),
                        ctx.when(l, *until)
                    ),
                    &format!(
                        "\u{201c}{title}\u{201d} werd goedgekeurd. Het wordt getoond op de schermen van {} van {} tot {}.",
                        buildings.join(", "),
                        ctx.when(l, *from),
                        ctx.when(l, *until)
                    ),
                )],
                open_event.clone(),
                association.clone(),
            ),
            Notice::EventRejected { title, reason, .. } => (
                tr(
                    l,
                    &format!("Not approved: {title}"),
                    &format!("Niet goedgekeurd: {title}"),
                ),
                vec![
                    tr(
                        l,
                        &format!(
                            "\u{201c}{title}\u{201d} will not be shown on the city's screens."
                        ),
                        &format!(
                            "\u{201c}{title}\u{201d} wordt niet op de schermen van de stad getoond."
                        ),
                    ),
                    format!("{}: {reason}", tr(l, "Reason", "Reden")),
                ],
                open_event.clone(),
                association.clone(),
            ),
            Notice::ChangesRequested { title, reason, .. } => (
                tr(
                    l,
                    &format!("Changes requested: {title}"),
                    &format!("Wijzigingen gevraagd: {title}"),
                ),
                vec![
                    tr(
                        l,
                        &format!(
                            "The city's communications staff ask you to change \u{201c}{title}\u{201d} before it can be shown. Edit it and submit it again."
                        ),
                        &format!(
                            "De communicatiedienst van de stad vraagt om \u{201c}{title}\u{201d} aan te passen voor het getoond kan worden. Pas het aan en dien het opnieuw in."
                        ),
                    ),
                    format!("{}: {reason}", tr(l, "What to change", "Wat aan te passen")),
                ],
                tr(l, "Edit the event", "Pas de activiteit aan"),
                association.clone(),
            ),
            Notice::EventOnScreens {
                title, building, ..
            } => (
                tr(
                    l,
                    &format!("On screen now: {title}"),
                    &format!("Nu op het scherm: {title}"),
                ),
                vec![tr(
                    l,
                    &format!(
                        "\u{201c}{title}\u{201d} was shown for the first time, on a screen in {building}."
                    ),
                    &format!(
                        "\u{201c}{title}\u{201d} werd voor het eerst getoond, op een scherm in {building}."
                    ),
                )],
                open_event.clone(),
                association.clone(),
            ),
            Notice::EventReach {
                title,
                plays,
                screens,
                audience,
                ..
            } => {
                let fewer = tr(l, "fewer than 10", "minder dan 10");
                let plays = plays.map_or(fewer.clone(), |n| n.to_string());
                let audience = audience.map_or(fewer, |n| n.to_string());
                let screens = match (l, screens) {
                    (Language::En, 1) => "1 screen".to_owned(),
                    (Language::En, n) => format!("{n} screens"),
                    (Language::Nl, 1) => "1 scherm".to_owned(),
                    (Language::Nl, n) => format!("{n} schermen"),
                };
                (
                    tr(
                        l,
                        &format!("How far {title} reached"),
                        &format!("Het bereik van {title}"),
                    ),
                    vec![
                        tr(
                            l,
                            &format!(
                                "\u{201c}{title}\u{201d} is over. It was shown {plays} times on {screens}, seen by an estimated {audience} people."
                            ),
                            &format!(
                                "\u{201c}{title}\u{201d} is voorbij. Het werd {plays} keer getoond op {screens} en naar schatting door {audience} mensen gezien."
                            ),
                        ),
                        tr(
                            l,
                            "Figures under 10 are not given, so that nobody can be singled out.",
                            "Aantallen onder 10 worden niet vermeld, zodat niemand herkenbaar is.",
                        ),
                    ],
                    open_event.clone(),
                    association.clone(),
                )
            }
            Notice::Submitted {
                title,
                organisation,
                starts_at,
                again,
                ..
            } => (
                if *again {
                    tr(
                        l,
                        &format!("Submitted again: {title}"),
                        &format!("Opnieuw ingediend: {title}"),
                    )
                } else {
                    tr(
                        l,
                        &format!("New event to review: {title}"),
                        &format!("Nieuwe activiteit na te kijken: {title}"),
                    )
                },
                vec![tr(
                    l,
                    &format!(
                        "{organisation} submitted \u{201c}{title}\u{201d} (starts {}). It waits for a decision.",
                        ctx.when(l, *starts_at)
                    ),
                    &format!(
                        "{organisation} diende \u{201c}{title}\u{201d} in (begint {}). Het wacht op een beslissing.",
                        ctx.when(l, *starts_at)
                    ),
                )],
                tr(l, "Review it", "Bekijk het"),
                staff.clone(),
            ),
            Notice::PendingSoon { events } => {
                let n = events.len();
                let mut paragraphs = vec![match (l, n) {
                    (Language::En, 1) => {
                        "1 event starts within 7 days and still waits for a decision:".to_owned()
                    }
                    (Language::En, n) => {
                        format!("{n} events start within 7 days and still wait for a decision:")
                    }
                    (Language::Nl, 1) => {
                        "1 activiteit begint binnen 7 dagen en wacht nog op een beslissing:"
                            .to_owned()
                    }
                    (Language::Nl, n) => format!(
                        "{n} activiteiten beginnen binnen 7 dagen en wachten nog op een beslissing:"
                    ),
                }];
                paragraphs.extend(
                    events.iter().map(|event| {
                        format!("- {} ({})", event.title, ctx.day(l, event.starts_at))
                    }),
                );
                (
                    match (l, n) {
                        (Language::En, 1) => {
                            "1 event starting soon waits for a decision".to_owned()
                        }
                        (Language::En, n) => {
                            format!("{n} events starting soon wait for a decision")
                        }
                        (Language::Nl, 1) => {
                            "1 activiteit die binnenkort begint wacht op een beslissing".to_owned()
                        }
                        (Language::Nl, n) => format!(
                            "{n} activiteiten die binnenkort beginnen wachten op een beslissing"
                        ),
                    },
                    paragraphs,
                    tr(l, "Open the moderation queue", "Open de wachtrij"),
                    staff.clone(),
                )
            }
            Notice::ScreenOffline {
                screen,
                building,
                since,
                ..
            } => (
                tr(
                    l,
                    &format!("Screen offline: {screen} in {building}"),
                    &format!("Scherm offline: {screen} in {building}"),
                ),
                vec![tr(
                    l,
                    &format!(
                        "{screen} in {building} has not called the server since {}, while the building is open.",
                        ctx.when(l, *since)
                    ),
                    &format!(
                        "{screen} in {building} heeft de server niet meer gecontacteerd sinds {}, terwijl het gebouw open is.",
                        ctx.when(l, *since)
                    ),
                )],
                tr(l, "Open the screens", "Open de schermen"),
                staff.clone(),
            ),
            Notice::ScreenBack {
                screen,
                building,
                since,
                ..
            } => (
                tr(
                    l,
                    &format!("Screen back online: {screen} in {building}"),
                    &format!("Scherm terug online: {screen} in {building}"),
                ),
                vec![tr(
                    l,
                    &format!(
                        "{screen} in {building} calls the server again (it was silent since {}).",
                        ctx.when(l, *since)
                    ),
                    &format!(
                        "{screen} in {building} contacteert de server opnieuw (het was stil sinds {}).",
                        ctx.when(l, *since)
                    ),
                )],
                tr(l, "Open the screens", "Open de schermen"),
                staff.clone(),
            ),
            Notice::Invitation {
                invited_by,
                expires_at,
                ..
            } => (
                tr(
                    l,
                    &format!("You are invited to Civicast for {}", ctx.city_name),
                    &format!("U bent uitgenodigd voor Civicast van {}", ctx.city_name),
                ),
                vec![tr(
                    l,
                    &format!(
                        "{invited_by} made you an account on Civicast, where {} manages its screens. Choose your password with the link below; it works once, until {}.",
                        ctx.city_name,
                        ctx.when(l, *expires_at)
                    ),
                    &format!(
                        "{invited_by} maakte een account voor u aan op Civicast, waar {} zijn schermen beheert. Kies uw wachtwoord met de link hieronder; die werkt één keer, tot {}.",
                        ctx.city_name,
                        ctx.when(l, *expires_at)
                    ),
                )],
                tr(l, "Choose your password", "Kies uw wachtwoord"),
                account.clone(),
            ),
            Notice::PasswordReset { expires_at, .. } => (
                tr(
                    l,
                    "Choose a new Civicast password",
                    "Kies een nieuw Civicast-wachtwoord",
                ),
                vec![tr(
                    l,
                    &format!(
                        "Someone asked to choose a new password for the Civicast account of this address. The link below works once, until {}.",
                        ctx.when(l, *expires_at)
                    ),
                    &format!(
                        "Iemand vroeg om een nieuw wachtwoord te kiezen voor het Civicast-account van dit adres. De link hieronder werkt één keer, tot {}.",
                        ctx.when(l, *expires_at)
                    ),
                )],
                tr(l, "Choose a new password", "Kies een nieuw wachtwoord"),
                account.clone(),
            ),
            Notice::PasswordChanged => (
                tr(
                    l,
                    "Your Civicast password was changed",
                    "Uw Civicast-wachtwoord werd gewijzigd",
                ),
                vec![tr(
                    l,
                    "The password of your Civicast account was just changed, and every other session was signed out. If it was not you, choose a new password at once and tell the city's administrator.",
                    "Het wachtwoord van uw Civicast-account werd net gewijzigd, en alle andere sessies werden afgemeld. Was u het niet, kies dan meteen een nieuw wachtwoord en verwittig de beheerder van de stad.",
                )],
                tr(l, "Choose a new password", "Kies een nieuw wachtwoord"),
                account.clone(),
            ),
            Notice::EmailChanged { new_email } => (
                tr(
                    l,
                    "The e-mail address of your Civicast account changed",
                    "Het e-mailadres van uw Civicast-account werd gewijzigd",
                ),
                vec![tr(
                    l,
                    &format!(
                        "Your Civicast account now uses {new_email}; this address will get no more messages. If you did not ask for this, tell the city's administrator."
                    ),
                    &format!(
                        "Uw Civicast-account gebruikt nu {new_email}; dit adres krijgt geen berichten meer. Vroeg u dit niet, verwittig dan de beheerder van de stad."
                    ),
                )],
                tr(l, "Sign in", "Aanmelden"),
                account.clone(),
            ),
            Notice::Test => (
                tr(l, "Civicast test message", "Civicast-testbericht"),
                vec![tr(
                    l,
                    "An administrator sent this message to check that Civicast can send e-mail. It arrived, so it can.",
                    "Een beheerder stuurde dit bericht om na te gaan of Civicast e-mail kan versturen. Het is aangekomen, dus dat lukt.",
                )],
                tr(l, "Open Civicast", "Open Civicast"),
                tr(
                    l,
                    "You get this message because an administrator of Civicast sent a test to this address.",
                    "U krijgt dit bericht omdat een beheerder van Civicast een test naar dit adres stuurde.",
                ),
            ),
            Notice::Digest { items } => {
                let mut paragraphs = vec![tr(
                    l,
                    &format!("What happened since the last digest ({}):", items.len()),
                    &format!(
                        "Wat er gebeurde sinds het vorige overzicht ({}):",
                        items.len()
                    ),
                )];
                for item in items {
                    let message = render(item, l, ctx);
                    paragraphs.push(format!("- {}: {}", message.subject, ctx.url(&item.link())));
                }
                let why = if items.iter().any(|item| {
                    matches!(
                        item.kind(),
                        NotificationKind::Submission
                            | NotificationKind::PendingSoon
                            | NotificationKind::ScreenOffline
                    )
                }) {
                    staff.clone()
                } else {
                    association.clone()
                };
                (
                    tr(
                        l,
                        &format!("Your Civicast digest: {} notifications", items.len()),
                        &format!("Uw Civicast-overzicht: {} meldingen", items.len()),
                    ),
                    paragraphs,
                    tr(l, "Open your inbox", "Open uw meldingen"),
                    why,
                )
            }
        };
    let choosable = !matches!(
        kind,
        NotificationKind::Account | NotificationKind::Test | NotificationKind::RegistrationReceived
    );
    Message {
        subject,
        paragraphs,
        action: (action_label, notice.link()),
        why,
        choosable,
    }
}

/// The path of the page where a user chooses how they are told.
pub const PREFERENCES_PATH: &str = "/account#notifications";

impl Message {
    /// The plain-text e-mail.
    pub fn text(&self, language: Language, ctx: &Context) -> String {
        let mut text = self.paragraphs.join("\n\n");
        text.push_str(&format!(
            "\n\n{}: {}\n\n-- \n{}\n",
            self.action.0,
            ctx.url(&self.action.1),
            self.why
        ));
        if self.choosable {
            text.push_str(&format!(
                "{}: {}\n",
                tr(
                    language,
                    "Choose how you are told",
                    "Kies hoe u op de hoogte gebracht wordt"
                ),
                ctx.url(PREFERENCES_PATH)
            ));
        }
        text
    }

    /// The HTML e-mail: the same words, escaped, with the action as a button-like link.
    pub fn html(&self, language: Language, ctx: &Context) -> String {
        let mut html = format!(
            "<!DOCTYPE html><html lang=\"{}\"><head><meta charset=\"utf-8\"><title>{}</title></head>\
             <body style=\"font-family: Inter, 'Noto Sans', Arial, sans-serif; color: #1b1b1b; max-width: 36em; margin: 1.5em auto; line-height: 1.5\">",
            language.as_str(),
            escape(&self.subject)
        );
        html.push_str(&format!(
            "<h1 style=\"font-size: 1.3em\">{}</h1>",
            escape(&self.subject)
        ));
        let mut list = false;
        for paragraph in &self.paragraphs {
            if let Some(entry) = paragraph.strip_prefix("- ") {
                if !list {
                    html.push_str("<ul>");
                    list = true;
                }
                html.push_str(&format!("<li>{}</li>", escape(entry)));
                continue;
            }
            if list {
                html.push_str("</ul>");
                list = false;
            }
            html.push_str(&format!("<p>{}</p>", escape(paragraph)));
        }
        if list {
            html.push_str("</ul>");
        }
        html.push_str(&format!(
            "<p><a href=\"{}\" style=\"display: inline-block; background: #0b5cad; color: #fff; padding: .6em 1.2em; border-radius: 4px; text-decoration: none\">{}</a></p>\
             <hr style=\"border: 0; border-top: 1px solid #ccc\"><p style=\"font-size: .9em; color: #555\">{}",
            escape(&ctx.url(&self.action.1)),
            escape(&self.action.0),
            escape(&self.why)
        ));
        if self.choosable {
            html.push_str(&format!(
                " <a href=\"{}\">{}</a>",
                escape(&ctx.url(PREFERENCES_PATH)),
                escape(&tr(
                    language,
                    "Choose how you are told",
                    "Kies hoe u op de hoogte gebracht wordt"
                ))
            ));
        }
        html.push_str("</p></body></html>");
        html
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn ctx() -> Context {
        Context {
            public_url: "https://civicast.example.org".into(),
            city_time_zone: chrono_tz::Europe::Brussels,
            city_name: "Gent".into(),
        }
    }

    #[test]
    fn an_approval_says_where_and_when_in_the_readers_language() {
        let notice = Notice::EventApproved {
            event_id: "e1".into(),
            title: "Café <Rock>".into(),
            buildings: vec!["Stadhuis".into(), "Bibliotheek".into()],
            from: Utc.with_ymd_and_hms(2026, 12, 1, 8, 0, 0).unwrap(),
            until: Utc.with_ymd_and_hms(2026, 12, 12, 22, 0, 0).unwrap(),
        };
        let dutch = render(&notice, Language::Nl, &ctx());
        assert_eq!(dutch.subject, "Goedgekeurd: Café <Rock>");
        let text = dutch.text(Language::Nl, &ctx());
        assert!(
            text.contains(
                "Stadhuis, Bibliotheek van di 1 dec. 2026 09:00 tot za 12 dec. 2026 23:00"
            ),
            "{text}"
        );
        assert!(text.contains("https://civicast.example.org/events/e1"));
        assert!(text.contains("https://civicast.example.org/account#notifications"));
        let html = dutch.html(Language::Nl, &ctx());
        assert!(html.contains("Café &lt;Rock&gt;") && !html.contains("<Rock>"));
        let english = render(&notice, Language::En, &ctx());
        assert!(
            english
                .text(Language::En, &ctx())
                .contains("from Tue 1 Dec 2026 09:00 until Sat 12 Dec 2026 23:00")
        );
    }

    #[test]
    fn account_messages_do_not_offer_preferences_and_point_at_the_secret_link() {
        let notice = Notice::PasswordReset {
            token: "abc".into(),
            expires_at: Utc::now(),
        };
        let message = render(&notice, Language::En, &ctx());
        let text = message.text(Language::En, &ctx());
        assert!(text.contains("https://civicast.example.org/password/abc"));
        assert!(!text.contains("#notifications"));
    }
}
