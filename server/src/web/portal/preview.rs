//! An event as the screens will show it: the card's text as the player writes it (Dutch, the
//! screens' language, whatever the portal's), its colours, poster and QR code, on a landscape
//! screen, a portrait screen and an LED wall. The layout itself is in `portal.css`, after the
//! player's (`civicast_shared::layout`).

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use civicast_shared::api::events::EventCategory;
use civicast_shared::display;
use civicast_shared::layout::{BACKGROUND_RGB, ScreenShape, category_rgb, css_hex};

use super::i18n::Lang;

/// One screen the preview is drawn on.
#[derive(Debug)]
pub struct ScreenPreview {
    pub label: String,
    pub width: u32,
    pub height: u32,
    /// The CSS class of the layout: `landscape`, `portrait` or `wide`.
    pub shape: &'static str,
}

/// The screens every event is previewed on: the city's usual screen in both orientations and
/// an LED wall at an entrance.
pub fn screens(lang: Lang) -> Vec<ScreenPreview> {
    [
        ("Landscape screen", 1920, 1080),
        ("Portrait screen", 1080, 1920),
        ("LED wall", 1536, 384),
    ]
    .into_iter()
    .map(|(label, width, height)| ScreenPreview {
        label: lang.t(label),
        width,
        height,
        shape: match ScreenShape::of(width, height) {
            ScreenShape::Landscape => "landscape",
            ScreenShape::Portrait => "portrait",
            ScreenShape::Wide => "wide",
        },
    })
    .collect()
}

/// What a card shows.
#[derive(Debug)]
pub struct CardView {
    pub title: String,
    pub byline: String,
    pub when: String,
    pub venue: String,
    pub description: String,
    pub poster_url: Option<String>,
    /// The link as a QR code, an SVG made here from the link (never the link's text itself).
    pub qr_svg: Option<String>,
    pub background: String,
}

/// The fields of an event that its card shows.
#[derive(Debug)]
pub struct CardInput<'a> {
    pub title: &'a str,
    pub organiser: &'a str,
    pub category: EventCategory,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub venue: &'a str,
    pub description: &'a str,
    pub link: Option<&'a str>,
    pub poster_media_id: Option<&'a str>,
}

pub fn card(input: &CardInput<'_>, tz: Tz) -> CardView {
    let background = if input.poster_media_id.is_some() {
        BACKGROUND_RGB
    } else {
        category_rgb(input.category)
    };
    CardView {
        title: input.title.trim().to_owned(),
        byline: format!(
            "{} | {}",
            input.organiser,
            display::category_label(input.category)
        ),
        when: display::event_when(input.starts_at, input.ends_at, &tz),
        venue: input.venue.trim().to_owned(),
        description: input.description.trim().to_owned(),
        poster_url: input.poster_media_id.map(|id| format!("/posters/{id}")),
        qr_svg: input.link.filter(|l| !l.is_empty()).and_then(qr_svg),
        background: css_hex(background),
    }
}

fn qr_svg(link: &str) -> Option<String> {
    let code = qrcode::QrCode::new(link.as_bytes()).ok()?;
    let svg = code
        .render::<qrcode::render::svg::Color>()
        .quiet_zone(true)
        .build();
    // The renderer writes an XML declaration, which has no place inside HTML.
    svg.find("<svg").map(|start| svg[start..].to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn the_card_says_what_the_screen_says() {
        let view = card(
            &CardInput {
                title: "Choir <b>concert</b>",
                organiser: "Zangkoor De Lier",
                category: EventCategory::Music,
                starts_at: Utc.with_ymd_and_hms(2026, 12, 12, 18, 30, 0).unwrap(),
                ends_at: Utc.with_ymd_and_hms(2026, 12, 12, 21, 30, 0).unwrap(),
                venue: "Stadhuis",
                description: "",
                link: Some("https://example.org/concert"),
                poster_media_id: None,
            },
            chrono_tz::Europe::Brussels,
        );
        assert_eq!(view.byline, "Zangkoor De Lier | muziek");
        assert_eq!(view.when, "za 12 december 2026, 19:30 - 22:30");
        assert_eq!(view.background, "#731a59");
        let svg = view.qr_svg.unwrap();
        assert!(svg.starts_with("<svg") && !svg.contains("example.org"));
    }

    #[test]
    fn three_screen_shapes_are_previewed() {
        let shapes: Vec<_> = screens(Lang::En).iter().map(|s| s.shape).collect();
        assert_eq!(shapes, ["landscape", "portrait", "wide"]);
    }
}
