//! An event as the screens will show it: the same plan the player draws
//! (`civicast_shared::layout::plan_card`), in the same fonts (served from the binary), on the
//! screens of the buildings it is meant for (each size once), or on a landscape screen, a
//! portrait screen and an LED wall when none is chosen. Every block sits where
//! the player puts it, broken into the same lines, at the same size in the screen's own units
//! (`cqh`, a share of the preview's height), so the preview is what the screen shows.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use civicast_shared::api::events::EventCategory;
use civicast_shared::colour::css_hex;
use civicast_shared::display;
use civicast_shared::layout::{self, Area, Backdrop, CardWords, Role, plan_card};
use civicast_shared::typeface;

use super::i18n::Lang;

/// The shapes an event is previewed on when no building with screens is chosen.
const DEFAULT_SHAPES: [(&str, u32, u32); 3] = [
    ("Landscape screen", 1920, 1080),
    ("Portrait screen", 1080, 1920),
    ("LED wall", 1536, 384),
];

/// Most screen sizes shown side by side: more would make the page a wall of previews.
const MOST_SHAPES: usize = 6;

/// A screen size to preview on, and the words under it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreviewShape {
    pub label: String,
    pub width: u32,
    pub height: u32,
}

/// The shapes of `screens` (building name, width, height): each size once, named by the
/// buildings that have it (the caption adds the size), most common first; the three default
/// shapes when there are none.
pub fn shapes_of(lang: Lang, screens: &[(String, u32, u32)]) -> Vec<PreviewShape> {
    let mut sizes: Vec<((u32, u32), Vec<&str>, usize)> = Vec::new();
    for (building, width, height) in screens {
        if *width == 0 || *height == 0 {
            continue;
        }
        match sizes
            .iter_mut()
            .find(|(size, _, _)| *size == (*width, *height))
        {
            Some((_, names, count)) => {
                *count += 1;
                if !names.contains(&building.as_str()) {
                    names.push(building);
                }
            }
            None => sizes.push(((*width, *height), vec![building], 1)),
        }
    }
    if sizes.is_empty() {
        return DEFAULT_SHAPES
            .iter()
            .map(|(label, width, height)| PreviewShape {
                label: lang.t(label),
                width: *width,
                height: *height,
            })
            .collect();
    }
    sizes.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)));
    sizes
        .into_iter()
        .take(MOST_SHAPES)
        .map(|((width, height), names, _)| PreviewShape {
            label: names.join(", "),
            width,
            height,
        })
        .collect()
}

/// One block of text, placed.
#[derive(Debug)]
pub struct BlockView {
    pub class: &'static str,
    pub style: String,
    /// Its lines, one per line of text (the block keeps them as they are: `white-space: pre`).
    pub text: String,
}

/// One screen the preview is drawn on, with the card's plan for it.
#[derive(Debug)]
pub struct ScreenPreview {
    pub label: String,
    pub width: u32,
    pub height: u32,
    /// The CSS class of the layout family: `landscape`, `portrait` or `wide`.
    pub shape: &'static str,
    /// The card's ground when it has no poster (a CSS colour).
    pub ground: Option<String>,
    pub poster: Option<String>,
    pub leaf: Option<String>,
    pub badge: Option<String>,
    pub qr: Option<String>,
    pub blocks: Vec<BlockView>,
}

/// What every screen of the preview shares.
#[derive(Debug)]
pub struct CardView {
    pub title: String,
    pub poster_url: Option<String>,
    /// A video poster's screen rendition (the still frame is `poster_url`), once it is ready.
    pub poster_video_url: Option<String>,
    /// How a video poster's screen rendition is coming along, for the page.
    pub video_state: Option<civicast_shared::api::media::RenditionJob>,
    /// The link as a QR code, an SVG made here from the link (never the link's text itself).
    pub qr_svg: Option<String>,
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
    /// The poster's size in pixels, which decides where it goes.
    pub poster_size: Option<(u32, u32)>,
}

pub fn card(input: &CardInput<'_>) -> CardView {
    CardView {
        title: input.title.trim().to_owned(),
        poster_url: input.poster_media_id.map(|id| format!("/posters/{id}")),
        poster_video_url: None,
        video_state: None,
        qr_svg: input.link.filter(|l| !l.is_empty()).and_then(qr_svg),
    }
}

impl CardView {
    /// Plays a video poster in the preview once its screen rendition is ready.
    pub fn with_video(
        &mut self,
        poster_id: Option<&str>,
        job: Option<&civicast_shared::api::media::RenditionJob>,
    ) {
        use civicast_shared::api::media::RenditionState;
        if let (Some(id), Some(job)) = (poster_id, job) {
            if job.state == RenditionState::Done {
                self.poster_video_url = Some(format!("/posters/{id}/video"));
            }
            self.video_state = Some(job.clone());
        }
    }
}

/// A rectangle of a `w` x `h` screen as CSS percentages.
fn placed(area: Area, w: f32, h: f32) -> String {
    format!(
        "left:{:.3}%;top:{:.3}%;width:{:.3}%;height:{:.3}%",
        area.x / w * 100.0,
        area.y / h * 100.0,
        area.w / w * 100.0,
        area.h / h * 100.0
    )
}

/// The leaf's and the badge's colour, as the player paints them.
fn with_accent(style: String) -> String {
    format!("{style};background:{}", css_hex(layout::LEAF_RGB))
}

fn role_class(role: Role) -> &'static str {
    match role {
        Role::Near => "near",
        Role::Organiser => "organiser",
        Role::Title => "title",
        Role::When => "when",
        Role::Venue => "venue",
        Role::Description => "description",
        Role::Announcement => "announcement",
        Role::LeafWeekday | Role::LeafDay | Role::LeafMonth => "leaf-text",
    }
}

/// The card on each preview screen, laid out as the player lays it out at `now`.
pub fn screens(
    input: &CardInput<'_>,
    shapes: &[PreviewShape],
    tz: Tz,
    now: DateTime<Utc>,
) -> Vec<ScreenPreview> {
    let dates = display::CardDates::of(input.starts_at, input.ends_at, now, &tz);
    let words = CardWords::new(
        input.title,
        input.organiser,
        input.category,
        input.venue,
        input.description,
        &dates,
    );
    let poster = input.poster_media_id.and(input.poster_size);
    let has_link = input.link.is_some_and(|l| !l.is_empty());
    shapes
        .iter()
        .map(
            |PreviewShape {
                 label,
                 width,
                 height,
             }| {
                let (width, height) = (*width, *height);
                let plan = plan_card((width, height), poster, has_link, &words);
                let (w, h) = (width as f32, height as f32);
                let blocks = plan
                    .blocks
                    .iter()
                    .map(|block| {
                        let [r, g, b] = block.role.colour().map(|c| (c * 255.0).round() as u8);
                        BlockView {
                            class: role_class(block.role),
                            style: format!(
                                "{};font-size:{:.3}cqh;font-weight:{};color:rgb({r},{g},{b});\
                             text-align:{}",
                                placed(block.area, w, h),
                                block.px / h * 100.0,
                                block.role.weight().value(),
                                if block.centred { "center" } else { "left" }
                            ),
                            text: block.text(),
                        }
                    })
                    .collect();
                ScreenPreview {
                    label: label.clone(),
                    width,
                    height,
                    shape: plan.shape.css_class(),
                    ground: match plan.backdrop {
                        Backdrop::Colour(rgb) => Some(css_hex(rgb)),
                        Backdrop::BlurredPoster => None,
                    },
                    poster: plan.poster.map(|area| placed(area, w, h)),
                    leaf: plan.leaf.map(|area| with_accent(placed(area, w, h))),
                    badge: plan.near_badge.map(|area| with_accent(placed(area, w, h))),
                    qr: plan.qr.map(|area| placed(area, w, h)),
                    blocks,
                }
            },
        )
        .collect()
}

/// The screens' fonts, served to the preview from the binary.
pub fn font(name: &str) -> Option<&'static [u8]> {
    match name {
        "Inter-Regular.otf" => Some(typeface::INTER_REGULAR),
        "Inter-SemiBold.otf" => Some(typeface::INTER_SEMIBOLD),
        "Inter-Bold.otf" => Some(typeface::INTER_BOLD),
        "NotoSans-Regular.ttf" => Some(typeface::NOTO_SANS),
        _ => None,
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

    fn input(poster: bool) -> CardInput<'static> {
        CardInput {
            title: "Choir <b>concert</b>",
            organiser: "Zangkoor De Lier",
            category: EventCategory::Music,
            starts_at: Utc.with_ymd_and_hms(2026, 12, 12, 18, 30, 0).unwrap(),
            ends_at: Utc.with_ymd_and_hms(2026, 12, 12, 21, 30, 0).unwrap(),
            venue: "Stadhuis",
            description: "",
            link: Some("https://example.org/concert"),
            poster_media_id: poster.then_some("0193e0c0-0000-7000-8000-000000000001"),
            poster_size: poster.then_some((1200, 1600)),
        }
    }

    #[test]
    fn the_preview_places_what_the_player_places() {
        let now = Utc.with_ymd_and_hms(2026, 12, 11, 9, 0, 0).unwrap();
        let defaults = shapes_of(Lang::En, &[]);
        let previews = screens(&input(false), &defaults, chrono_tz::Europe::Brussels, now);
        let shapes: Vec<_> = previews.iter().map(|s| s.shape).collect();
        assert_eq!(shapes, ["landscape", "portrait", "wide"]);
        let landscape = &previews[0];
        // No poster: the category's ground, darkened for contrast, and a date leaf.
        assert!(landscape.ground.is_some() && landscape.leaf.is_some());
        assert!(landscape.poster.is_none() && landscape.qr.is_some());
        let classes: Vec<_> = landscape.blocks.iter().map(|b| b.class).collect();
        assert!(
            classes.contains(&"title") && classes.contains(&"near"),
            "{classes:?}"
        );
        let when = landscape.blocks.iter().find(|b| b.class == "when").unwrap();
        assert_eq!(
            when.text.replace(['\u{a0}', '\n'], " "),
            "za 12 december 2026, 19:30 – 22:30"
        );
        // The LED wall shows no QR code, read from too far to scan.
        assert!(previews[2].qr.is_none());

        let view = card(&input(true));
        let svg = view.qr_svg.unwrap();
        assert!(svg.starts_with("<svg") && !svg.contains("example.org"));
        let with_poster = screens(&input(true), &defaults, chrono_tz::Europe::Brussels, now);
        assert!(with_poster[0].poster.is_some() && with_poster[0].ground.is_none());
    }

    #[test]
    fn the_preview_uses_the_sizes_of_the_chosen_buildings_screens() {
        let screens = [
            ("Stadhuis".to_owned(), 1920, 1080),
            ("Stadhuis".to_owned(), 3840, 960),
            ("Bibliotheek".to_owned(), 1920, 1080),
            ("Zwembad".to_owned(), 0, 0),
        ];
        let shapes = shapes_of(Lang::Nl, &screens);
        let labels: Vec<_> = shapes.iter().map(|s| s.label.as_str()).collect();
        assert_eq!(labels, ["Stadhuis, Bibliotheek", "Stadhuis"]);
        assert_eq!((shapes[1].width, shapes[1].height), (3840, 960));
    }
}
