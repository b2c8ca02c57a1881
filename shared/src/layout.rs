//! How an event card is laid out on a screen of a given size: where the poster, the date leaf,
//! the QR code and each block of text go, at what size, in which lines. The player draws this
//! plan, the portal's preview draws the same plan in HTML, and the server refuses posters too
//! small for the screens they are meant for, so all three agree.
//!
//! Sizes follow the screen's own units: the shorter side, or the height of an LED wall, which
//! is read from far away and shows fewer, larger words. Text is measured with the screens' fonts
//! (`crate::typeface`), shrunk step by step until every block fits its area, and never shares
//! space with the poster or the QR code.

use crate::api::events::EventCategory;
use crate::colour::{self, ACCENT, INK, Rgb, SOFT_TEXT, WHITE};
use crate::typeface::{self, LINE_HEIGHT, Weight};

/// The three families of layout; the shape follows from the output's aspect ratio.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScreenShape {
    /// Wider than tall: the poster (or the date leaf) on the left, the text beside it.
    Landscape,
    /// Taller than wide, or about square: the poster (or the date leaf) above the text.
    Portrait,
    /// An LED wall (2.4:1 or wider): the poster at the left end, a few large words beside it.
    Wide,
}

/// From this aspect ratio on, a screen is laid out as an LED wall.
pub const WIDE_ASPECT: f64 = 2.4;
/// Below this aspect ratio, a screen stacks the poster above the text.
pub const STACKED_ASPECT: f64 = 1.2;

/// A poster may be enlarged at most this much on screen before it looks blurred.
pub const MAX_POSTER_UPSCALE: f64 = 2.0;

impl ScreenShape {
    pub fn of(width: u32, height: u32) -> ScreenShape {
        let aspect = f64::from(width.max(1)) / f64::from(height.max(1));
        if aspect >= WIDE_ASPECT {
            ScreenShape::Wide
        } else if aspect < STACKED_ASPECT {
            ScreenShape::Portrait
        } else {
            ScreenShape::Landscape
        }
    }

    /// The CSS class the portal's preview uses for this shape.
    pub fn css_class(self) -> &'static str {
        match self {
            ScreenShape::Landscape => "landscape",
            ScreenShape::Portrait => "portrait",
            ScreenShape::Wide => "wide",
        }
    }
}

/// A rectangle on the screen, in pixels from its top-left corner.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Area {
    pub x: f32,
    pub y: f32,
    pub w: f32,
    pub h: f32,
}

impl Area {
    pub fn right(&self) -> f32 {
        self.x + self.w
    }

    pub fn bottom(&self) -> f32 {
        self.y + self.h
    }

    /// Whether the two overlap by more than a pixel.
    pub fn overlaps(&self, other: &Area) -> bool {
        self.x + 1.0 < other.right()
            && other.x + 1.0 < self.right()
            && self.y + 1.0 < other.bottom()
            && other.y + 1.0 < self.bottom()
    }

    /// Whether `other` lies inside this area (to the pixel).
    pub fn contains(&self, other: &Area) -> bool {
        other.x >= self.x - 1.0
            && other.y >= self.y - 1.0
            && other.right() <= self.right() + 1.0
            && other.bottom() <= self.bottom() + 1.0
    }

    /// `size` fitted inside this area, keeping its shape, centred.
    fn fit(&self, size: (u32, u32)) -> Area {
        let (w, h) = (size.0.max(1) as f32, size.1.max(1) as f32);
        let scale = (self.w / w).min(self.h / h);
        let (fw, fh) = (w * scale, h * scale);
        Area {
            x: self.x + (self.w - fw) / 2.0,
            y: self.y + (self.h - fh) / 2.0,
            w: fw,
            h: fh,
        }
    }
}

/// What a block of text says on the card.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// "vandaag", "morgen", "dit weekend": dark text on an amber badge.
    Near,
    Organiser,
    Title,
    When,
    Venue,
    Description,
    /// An announcement's words, the whole slide.
    Announcement,
    /// The date leaf of a card without a poster: weekday, day, month.
    LeafWeekday,
    LeafDay,
    LeafMonth,
}

impl Role {
    pub fn weight(self) -> Weight {
        match self {
            Role::Title | Role::LeafDay => Weight::Bold,
            Role::When | Role::Near | Role::Announcement | Role::LeafWeekday | Role::LeafMonth => {
                Weight::SemiBold
            }
            Role::Organiser | Role::Venue | Role::Description => Weight::Regular,
        }
    }

    pub fn colour(self) -> Rgb {
        match self {
            Role::Title | Role::When | Role::Announcement => WHITE,
            Role::Organiser | Role::Venue | Role::Description => SOFT_TEXT,
            Role::Near | Role::LeafWeekday | Role::LeafDay | Role::LeafMonth => INK,
        }
    }

    /// Titles are large text for WCAG (3:1); the rest is body text (4.5:1).
    pub fn least_contrast(self) -> f32 {
        match self {
            Role::Title | Role::LeafDay => 3.0,
            _ => colour::BODY_CONTRAST,
        }
    }
}

/// One block of text, already broken into lines that fit its area at its size.
#[derive(Debug, Clone, PartialEq)]
pub struct TextBlock {
    pub role: Role,
    pub lines: Vec<String>,
    /// Font size in pixels.
    pub px: f32,
    pub area: Area,
    /// Centred in its area (the date leaf) rather than left-aligned.
    pub centred: bool,
}

impl TextBlock {
    /// The lines as one string, for a text node that must not wrap them again.
    pub fn text(&self) -> String {
        self.lines.join("\n")
    }
}

/// What fills the screen behind everything else.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Backdrop {
    /// A flat colour (a card without a poster: its category's, darkened for contrast).
    Colour(Rgb),
    /// The poster itself, blurred and darkened so that text reads on it, filling the screen.
    BlurredPoster,
}

/// A card's plan on one screen.
#[derive(Debug, Clone, PartialEq)]
pub struct CardPlan {
    pub shape: ScreenShape,
    pub screen: Area,
    pub backdrop: Backdrop,
    /// Where the poster shows, whole and in its own proportions.
    pub poster: Option<Area>,
    /// The amber date leaf of a card without a poster.
    pub leaf: Option<Area>,
    /// The badge behind the "near" text.
    pub near_badge: Option<Area>,
    pub qr: Option<Area>,
    /// The area all text of the card stays in (the leaf's text stays in the leaf).
    pub text_area: Area,
    pub blocks: Vec<TextBlock>,
}

/// The words of a card, as `crate::display` writes them.
#[derive(Debug, Clone)]
pub struct CardWords<'a> {
    pub title: &'a str,
    pub organiser: &'a str,
    pub category: EventCategory,
    pub when: &'a str,
    pub when_short: &'a str,
    pub venue: &'a str,
    pub description: &'a str,
    pub near: Option<&'a str>,
    /// Weekday, day and month for the date leaf.
    pub leaf: [&'a str; 3],
}

impl<'a> CardWords<'a> {
    /// An event's words, trimmed, with the words of its times.
    pub fn new(
        title: &'a str,
        organiser: &'a str,
        category: EventCategory,
        venue: &'a str,
        description: &'a str,
        dates: &'a crate::display::CardDates,
    ) -> CardWords<'a> {
        CardWords {
            title: title.trim(),
            organiser: organiser.trim(),
            category,
            when: &dates.when,
            when_short: &dates.when_short,
            venue: venue.trim(),
            description: description.trim(),
            near: dates.near,
            leaf: [&dates.leaf[0], &dates.leaf[1], &dates.leaf[2]],
        }
    }
}

/// One block the stack wants, before it is fitted.
struct Want<'a> {
    role: Role,
    text: &'a str,
    /// Preferred size, in the screen's unit.
    size: f32,
    max_lines: usize,
}

/// Lays a card out on a `screen` of this size, with a poster of `poster` pixels if it has one,
/// and a QR code if it has a link.
pub fn plan_card(
    screen: (u32, u32),
    poster: Option<(u32, u32)>,
    has_link: bool,
    words: &CardWords<'_>,
) -> CardPlan {
    let (w, h) = (screen.0.max(1) as f32, screen.1.max(1) as f32);
    let shape = ScreenShape::of(screen.0, screen.1);
    let full = Area {
        x: 0.0,
        y: 0.0,
        w,
        h,
    };
    let unit = match shape {
        ScreenShape::Wide => h,
        _ => w.min(h),
    };
    let margin = match shape {
        ScreenShape::Wide => 0.1 * h,
        _ => 0.06 * unit,
    };
    let poster_aspect = poster.map(|(pw, ph)| pw.max(1) as f32 / ph.max(1) as f32);

    // The picture side: the poster (or the date leaf) beside the text on landscape screens and
    // LED walls, above it on portrait and square ones; the text keeps room for at least its
    // title, date and place.
    let arrangement = poster_aspect.map(|aspect| match shape {
        ScreenShape::Wide | ScreenShape::Landscape => {
            let share = if shape == ScreenShape::Wide {
                0.35
            } else {
                0.5
            };
            let column = Area {
                x: 0.0,
                y: 0.0,
                w: (h * aspect).min(share * w),
                h,
            };
            (column, true)
        }
        ScreenShape::Portrait => {
            let share = if w / h >= 0.9 { 0.5 } else { 0.58 };
            let top = Area {
                x: 0.0,
                y: 0.0,
                w,
                h: (w / aspect).min(share * h),
            };
            (top, false)
        }
    });
    // The text's panel: beside the picture, or below it.
    let beside_it = |picture: Area| Area {
        x: picture.right() + margin,
        y: margin,
        w: w - picture.right() - 2.0 * margin,
        h: h - 2.0 * margin,
    };
    let below_it = |picture: Area| Area {
        x: margin,
        y: picture.bottom() + margin,
        w: w - 2.0 * margin,
        h: h - picture.bottom() - 2.0 * margin,
    };
    let leaf = |width: f32, height: f32| Area {
        x: margin,
        y: margin,
        w: width,
        h: height,
    };
    let (picture, mut panel) = match (shape, arrangement) {
        (_, Some((column, true))) => (column, beside_it(column)),
        (_, Some((top, false))) => (top, below_it(top)),
        (ScreenShape::Landscape, None) => {
            let side = (0.26 * w).min(0.5 * h);
            let leaf = leaf(side, side * 1.15);
            (leaf, beside_it(leaf))
        }
        (ScreenShape::Portrait, None) => {
            let side = (0.26 * h).min(0.4 * w);
            let leaf = leaf(side, side * 1.15);
            (leaf, below_it(leaf))
        }
        (ScreenShape::Wide, None) => {
            let leaf = leaf((h - 2.0 * margin) * 0.9, h - 2.0 * margin);
            (leaf, beside_it(leaf))
        }
    };

    // The QR code in the panel's bottom-right corner, beside the text where the panel is wide
    // and low, under it otherwise; an LED wall is read from too far to scan one.
    let qr = (has_link && shape != ScreenShape::Wide).then(|| {
        let beside = panel.w >= 1.6 * panel.h;
        let side = if beside {
            (0.18 * unit).min(panel.h)
        } else {
            (0.18 * unit).min(panel.h * 0.4)
        };
        let area = Area {
            x: panel.right() - side,
            y: panel.bottom() - side,
            w: side,
            h: side,
        };
        (area, beside)
    });
    if let Some((qr, beside)) = qr {
        // Text stays clear of the code, never beside or over it.
        if beside {
            panel.w -= qr.w + 0.5 * margin;
        } else {
            panel.h -= qr.h + 0.5 * margin;
        }
    }
    let qr = qr.map(|(area, _)| area);

    let wants: Vec<Want<'_>> = if shape == ScreenShape::Wide {
        vec![
            Want {
                role: Role::Near,
                text: words.near.unwrap_or(""),
                size: 0.09,
                max_lines: 1,
            },
            Want {
                role: Role::Title,
                text: words.title,
                size: 0.22,
                max_lines: 2,
            },
            Want {
                role: Role::When,
                text: words.when_short,
                size: 0.14,
                max_lines: 1,
            },
            Want {
                role: Role::Venue,
                text: words.venue,
                size: 0.12,
                max_lines: 1,
            },
        ]
    } else {
        vec![
            Want {
                role: Role::Near,
                text: words.near.unwrap_or(""),
                size: 0.032,
                max_lines: 1,
            },
            Want {
                role: Role::Organiser,
                text: words.organiser,
                size: 0.034,
                max_lines: 2,
            },
            Want {
                role: Role::Title,
                text: words.title,
                size: 0.085,
                max_lines: 4,
            },
            Want {
                role: Role::When,
                text: words.when,
                size: 0.046,
                max_lines: 2,
            },
            Want {
                role: Role::Venue,
                text: words.venue,
                size: 0.04,
                max_lines: 2,
            },
            Want {
                role: Role::Description,
                text: words.description,
                size: 0.034,
                max_lines: 4,
            },
        ]
    };
    let wants: Vec<Want<'_>> = wants
        .into_iter()
        .filter(|want| !want.text.trim().is_empty())
        .collect();
    let centre_vertically = !matches!(arrangement, Some((_, false)));
    // An LED wall cuts a long title short rather than setting it small: it is read from afar.
    let least_scale = if shape == ScreenShape::Wide { 0.7 } else { 0.5 };
    let mut blocks = fit_stack(&wants, panel, unit, least_scale, centre_vertically);

    let near_badge = blocks.iter().find(|b| b.role == Role::Near).map(|block| {
        let pad = 0.35 * block.px;
        let text_w = typeface::width(&block.lines[0], Weight::SemiBold, block.px);
        Area {
            x: block.area.x - pad,
            y: block.area.y - 0.15 * block.px,
            w: text_w + 2.0 * pad,
            h: block.area.h + 0.3 * block.px,
        }
    });
    // The badge's padding sits inside the text area.
    if let Some(badge) = near_badge {
        let shift = (panel.x - badge.x).max(0.0);
        for block in &mut blocks {
            block.area.x += shift;
            block.area.w -= shift;
        }
    }
    let near_badge = near_badge.map(|badge| Area {
        x: badge.x.max(panel.x),
        ..badge
    });

    let (poster_area, leaf) = match poster {
        Some(size) => (Some(picture.fit(size)), None),
        None => {
            blocks.extend(leaf_blocks(picture, words.leaf));
            (None, Some(picture))
        }
    };
    let backdrop = match poster {
        Some(_) => Backdrop::BlurredPoster,
        None => Backdrop::Colour(ground(words.category)),
    };
    CardPlan {
        shape,
        screen: full,
        backdrop,
        poster: poster_area,
        leaf,
        near_badge,
        qr,
        text_area: panel,
        blocks,
    }
}

/// An announcement on a screen of this size: as large as it fits (an LED wall's words larger
/// still), centred, cut short only when even the smallest size cannot hold it.
pub fn plan_announcement(screen: (u32, u32), text: &str) -> TextBlock {
    let (w, h) = (screen.0.max(1) as f32, screen.1.max(1) as f32);
    let shape = ScreenShape::of(screen.0, screen.1);
    let (unit, size, max_lines, margin) = match shape {
        ScreenShape::Wide => (h, 0.24, 2, 0.1 * h),
        _ => (w.min(h), 0.085, 6, 0.08 * w.min(h)),
    };
    let area = Area {
        x: margin,
        y: margin,
        w: w - 2.0 * margin,
        h: h - 2.0 * margin,
    };
    let want = Want {
        role: Role::Announcement,
        text: text.trim(),
        size,
        max_lines,
    };
    let mut blocks = fit_stack(&[want], area, unit, 0.4, true);
    let mut block = blocks.pop().unwrap_or(TextBlock {
        role: Role::Announcement,
        lines: Vec::new(),
        px: size * unit,
        area,
        centred: true,
    });
    block.centred = true;
    block
}

/// The date leaf's three lines, centred, filling the leaf.
fn leaf_blocks(leaf: Area, words: [&str; 3]) -> Vec<TextBlock> {
    let rows = [
        (Role::LeafWeekday, words[0], 0.2),
        (Role::LeafDay, words[1], 0.42),
        (Role::LeafMonth, words[2], 0.2),
    ];
    let total: f32 = rows.iter().map(|(_, _, share)| share * LINE_HEIGHT).sum();
    let mut y = leaf.y + (leaf.h - total * leaf.h) / 2.0;
    rows.into_iter()
        .map(|(role, text, share)| {
            let mut px = share * leaf.h;
            let fits = 0.85 * leaf.w;
            let wide = typeface::width(text, role.weight(), px);
            if wide > fits {
                px *= fits / wide;
            }
            let height = share * leaf.h * LINE_HEIGHT;
            let area = Area {
                x: leaf.x,
                y,
                w: leaf.w,
                h: height,
            };
            y += height;
            TextBlock {
                role,
                lines: vec![text.to_owned()],
                px,
                area,
                centred: true,
            }
        })
        .collect()
}

/// The blocks stacked in `area`: each at its preferred size, or all shrunk together until they
/// fit; the least needed blocks go first when even the smallest size is too large.
fn fit_stack(
    wants: &[Want<'_>],
    area: Area,
    unit: f32,
    least_scale: f32,
    centre: bool,
) -> Vec<TextBlock> {
    let mut wants: Vec<&Want<'_>> = wants.iter().collect();
    loop {
        let mut scale = 1.0;
        while scale >= least_scale - 0.001 {
            if let Some(blocks) = try_stack(&wants, area, unit, scale, centre, false) {
                return blocks;
            }
            scale -= 0.05;
        }
        // Drop what matters least: the description, then the organiser.
        let least = [Role::Description, Role::Organiser, Role::Near]
            .into_iter()
            .find(|role| wants.iter().any(|w| w.role == *role));
        match least {
            Some(role) => wants.retain(|w| w.role != role),
            None => {
                // Cut lines short rather than run off the area.
                return try_stack(&wants, area, unit, least_scale, centre, true)
                    .unwrap_or_default();
            }
        }
    }
}

fn try_stack(
    wants: &[&Want<'_>],
    area: Area,
    unit: f32,
    scale: f32,
    centre: bool,
    cut: bool,
) -> Option<Vec<TextBlock>> {
    // A little room for the renderer's kerning and rounding.
    let line_width = area.w * 0.97;
    let mut blocks = Vec::new();
    let mut height = 0.0;
    for want in wants {
        // Small text stays legible: body text shrinks less than the title does.
        let px = match want.role {
            Role::Title => want.size * unit * scale,
            _ => want.size * unit * scale.max(0.75),
        };
        let weight = want.role.weight();
        let lines = match typeface::wrap_balanced(want.text, weight, px, line_width) {
            Some(lines) if lines.len() <= want.max_lines => lines,
            _ if cut => {
                // Where even a day or a time range is too wide, it may break after all.
                let loose = want.text.replace('\u{a0}', " ");
                let mut lines = typeface::wrap_balanced(want.text, weight, px, line_width)
                    .filter(|lines| lines.len() <= want.max_lines)
                    .or_else(|| typeface::wrap(&loose, weight, px, line_width))
                    .unwrap_or_else(|| vec![want.text.to_owned()]);
                lines.truncate(want.max_lines);
                let last = lines.len() - 1;
                let more = lines.len() < want.text.split(' ').count();
                if more {
                    lines[last] =
                        typeface::truncate(&format!("{}…", lines[last]), weight, px, line_width);
                }
                lines
                    .into_iter()
                    .map(|line| typeface::truncate(&line, weight, px, line_width))
                    .collect()
            }
            _ => return None,
        };
        let above = if blocks.is_empty() {
            0.0
        } else {
            gap(want.role, px)
        };
        let block_h = lines.len() as f32 * px * LINE_HEIGHT;
        if cut && want.role != Role::Title && height + above + block_h > area.h {
            continue;
        }
        height += above;
        blocks.push(TextBlock {
            role: want.role,
            lines,
            px,
            area: Area {
                x: area.x,
                y: height,
                w: area.w,
                h: block_h,
            },
            centred: false,
        });
        height += block_h;
    }
    if height > area.h && !cut {
        return None;
    }
    let top = if centre {
        area.y + ((area.h - height) / 2.0).max(0.0)
    } else {
        area.y
    };
    for block in &mut blocks {
        block.area.y += top;
    }
    Some(blocks)
}

/// Space above a block, in proportion to its size; the title stands apart.
fn gap(role: Role, px: f32) -> f32 {
    match role {
        Role::Title => 0.45 * px,
        _ => 0.55 * px,
    }
}

/// The ground of a card without a poster: its category's colour, darkened until its softest
/// text reads on it with room to spare.
pub fn ground(category: EventCategory) -> Rgb {
    colour::darkened_for(category_rgb(category), SOFT_TEXT, 6.0)
}

/// The badge and date leaf colour.
pub const LEAF_RGB: Rgb = ACCENT;

/// The colour per category, before it is darkened for text ([`ground`]).
pub fn category_rgb(category: EventCategory) -> Rgb {
    match category {
        EventCategory::Sports => [0.0, 0.45, 0.3],
        EventCategory::Culture | EventCategory::Music => [0.45, 0.1, 0.35],
        EventCategory::Youth | EventCategory::Family => [0.85, 0.4, 0.05],
        EventCategory::Seniors | EventCategory::Community => [0.1, 0.35, 0.55],
        EventCategory::Education => [0.25, 0.25, 0.6],
        EventCategory::Charity => [0.65, 0.1, 0.15],
        EventCategory::City | EventCategory::Other => BACKGROUND_RGB,
    }
}

/// The screens' background: a deep city blue.
pub const BACKGROUND_RGB: Rgb = [0.05, 0.12, 0.25];

pub use colour::css_hex;

/// The box the poster may take, in pixels, on a screen of this size (at most; the poster is
/// fitted inside it keeping its shape).
fn poster_box(screen: (u32, u32), poster_aspect: f64) -> (f64, f64) {
    let (w, h) = (f64::from(screen.0.max(1)), f64::from(screen.1.max(1)));
    let fitted = |(bw, bh): (f64, f64)| {
        let scale = (bw / poster_aspect).min(bh);
        scale * scale * poster_aspect
    };
    match ScreenShape::of(screen.0, screen.1) {
        ScreenShape::Wide => ((h * poster_aspect).min(0.35 * w), h),
        _ => {
            let side = ((h * poster_aspect).min(0.55 * w), h);
            let top = (w, (w / poster_aspect).min(0.58 * h));
            if fitted(side) >= fitted(top) {
                side
            } else {
                top
            }
        }
    }
}

/// The smallest poster, in the poster's own proportions, that a screen of `screen` pixels shows
/// without enlarging it more than [`MAX_POSTER_UPSCALE`]; `None` when `poster` is large enough.
pub fn poster_shortfall(poster: (u32, u32), screen: (u32, u32)) -> Option<(u32, u32)> {
    let (poster_w, poster_h) = (f64::from(poster.0.max(1)), f64::from(poster.1.max(1)));
    let (box_w, box_h) = poster_box(screen, poster_w / poster_h);
    // The poster is fitted into its box, keeping its shape.
    let scale = (box_w / poster_w).min(box_h / poster_h);
    if scale <= MAX_POSTER_UPSCALE {
        return None;
    }
    // The tolerance keeps an exact fit (1080 / 2 = 540) from rounding up to 541.
    let needed = |side: f64| (side * scale / MAX_POSTER_UPSCALE - 1e-6).ceil() as u32;
    Some((needed(poster_w), needed(poster_h)))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCREENS: [(u32, u32); 7] = [
        (1920, 1080),
        (1080, 1920),
        (1536, 384),
        (1920, 540),
        (768, 768),
        (3840, 2160),
        (3840, 1080),
    ];

    fn words<'a>(title: &'a str) -> CardWords<'a> {
        CardWords {
            title,
            organiser: "Koninklijke Harmonie Sint-Cécilia",
            category: EventCategory::Youth,
            when: "za\u{a0}12\u{a0}december\u{a0}2026, 19:30\u{a0}–\u{a0}22:30",
            when_short: "za\u{a0}12\u{a0}dec · 19:30",
            venue: "Cultuurcentrum, Ëlzenplein 4",
            description: "Open repetitie met gastsolisten; iedereen welkom, de toegang is gratis.",
            near: Some("morgen"),
            leaf: ["za", "12", "dec"],
        }
    }

    const LONG_TITLE: &str = "Groot nieuwjaarsconcert van de Koninklijke Harmonie Sint-Cécilia met \
        gastsolisten uit Łódź, Straße en Göğüs in het Ëlzenpleintheater";

    #[test]
    fn shapes_follow_the_aspect_ratio() {
        assert_eq!(ScreenShape::of(1920, 1080), ScreenShape::Landscape);
        assert_eq!(ScreenShape::of(1080, 1920), ScreenShape::Portrait);
        assert_eq!(ScreenShape::of(768, 768), ScreenShape::Portrait);
        assert_eq!(ScreenShape::of(1536, 384), ScreenShape::Wide);
        assert_eq!(ScreenShape::of(1920, 540), ScreenShape::Wide);
    }

    #[test]
    fn every_layout_keeps_text_inside_its_area_and_off_the_poster_and_qr() {
        for screen in SCREENS {
            for poster in [Some((800, 1200)), Some((1600, 900)), None] {
                for title in ["Jazz", LONG_TITLE] {
                    let plan = plan_card(screen, poster, true, &words(title));
                    let label = format!("{screen:?} {poster:?} {}", title.len());
                    for needed in [Role::Title, Role::When, Role::Venue] {
                        assert!(
                            plan.blocks
                                .iter()
                                .any(|b| b.role == needed && !b.lines.is_empty()),
                            "{label}: no {needed:?}"
                        );
                    }
                    let when = plan.blocks.iter().find(|b| b.role == Role::When).unwrap();
                    assert!(
                        when.lines.iter().all(|l| !l.ends_with('…')),
                        "{label}: the date is cut: {:?}",
                        when.lines
                    );
                    for block in &plan.blocks {
                        let holder = if block.centred {
                            plan.leaf.unwrap()
                        } else {
                            plan.text_area
                        };
                        assert!(
                            holder.contains(&block.area),
                            "{label}: {block:?} outside {holder:?}"
                        );
                        for line in &block.lines {
                            let wide = typeface::width(line, block.role.weight(), block.px);
                            assert!(wide <= block.area.w, "{label}: {line:?} is {wide} px wide");
                        }
                        for other in [plan.poster, plan.qr].into_iter().flatten() {
                            assert!(
                                !block.area.overlaps(&other),
                                "{label}: {block:?} over {other:?}"
                            );
                        }
                    }
                    if let Some(poster) = plan.poster {
                        assert!(plan.screen.contains(&poster), "{label}");
                    }
                }
            }
        }
    }

    #[test]
    fn an_announcement_fills_the_screen_and_never_runs_off_it() {
        let long = "De bibliotheek is zaterdag 28 november gesloten wegens de jaarlijkse \
            inventaris; boeken terugbrengen kan in de bus aan de Ëlzenpleinkant. "
            .repeat(3);
        for screen in SCREENS {
            for text in ["Gesloten", long.as_str()] {
                let block = plan_announcement(screen, text);
                let (w, h) = (screen.0 as f32, screen.1 as f32);
                let whole = Area {
                    x: 0.0,
                    y: 0.0,
                    w,
                    h,
                };
                assert!(whole.contains(&block.area), "{screen:?}: {block:?}");
                for line in &block.lines {
                    assert!(typeface::width(line, Weight::SemiBold, block.px) <= block.area.w);
                }
                if text == "Gesloten" {
                    assert!(block.px >= 0.08 * w.min(h), "{screen:?}: short words large");
                }
            }
        }
    }

    #[test]
    fn an_led_wall_shows_few_large_words() {
        let plan = plan_card(
            (1536, 384),
            Some((800, 1200)),
            true,
            &words("Jazz op het plein"),
        );
        let roles: Vec<Role> = plan.blocks.iter().map(|b| b.role).collect();
        assert_eq!(roles, [Role::Near, Role::Title, Role::When, Role::Venue]);
        let title = &plan.blocks[1];
        assert!(title.px >= 0.15 * 384.0, "title at {} px", title.px);
        assert_eq!(plan.qr, None);
        // A portrait poster keeps its shape at the wall's left end, full height.
        let poster = plan.poster.unwrap();
        assert!((poster.h - 384.0).abs() < 1.0 && (poster.w - 256.0).abs() < 1.0);
    }

    #[test]
    fn a_long_title_is_shrunk_or_cut_but_never_runs_off() {
        let plan = plan_card((1920, 1080), Some((800, 1200)), true, &words(LONG_TITLE));
        let title = plan.blocks.iter().find(|b| b.role == Role::Title).unwrap();
        assert!(title.lines.len() <= 4);
        let short = plan_card((1920, 1080), Some((800, 1200)), true, &words("Jazz"));
        let big = short.blocks.iter().find(|b| b.role == Role::Title).unwrap();
        assert!(big.px > title.px);
    }

    #[test]
    fn a_poster_enlarged_more_than_twice_is_too_small_and_the_need_is_exact() {
        // A landscape screen fits an A-format poster in 764 x 1080; 1000 x 1414 is plenty.
        assert_eq!(poster_shortfall((1000, 1414), (1920, 1080)), None);
        // 200 x 283 would be enlarged 3.8 times: it needs 382 x 540 (1080 / 2 high).
        assert_eq!(poster_shortfall((200, 283), (1920, 1080)), Some((382, 540)));
        // Exactly twice is still accepted.
        assert_eq!(poster_shortfall((480, 540), (1920, 1080)), None);
    }
}
