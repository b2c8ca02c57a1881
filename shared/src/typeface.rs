//! The screens' type: Inter (regular, semibold, bold), with Noto Sans behind it for letters
//! Inter lacks, both under the SIL Open Font License (`media/fonts/`). The player draws with
//! these files and the portal's preview serves them, so both set the same words in the same
//! widths; the layout (`crate::layout`) measures and wraps text here, with the fonts' own
//! advance widths.

use std::sync::OnceLock;

use skrifa::charmap::Charmap;
use skrifa::instance::{LocationRef, Size};
use skrifa::metrics::GlyphMetrics;
use skrifa::{FontRef, MetadataProvider};

pub const INTER_REGULAR: &[u8] = include_bytes!("../../media/fonts/Inter-Regular.otf");
pub const INTER_SEMIBOLD: &[u8] = include_bytes!("../../media/fonts/Inter-SemiBold.otf");
pub const INTER_BOLD: &[u8] = include_bytes!("../../media/fonts/Inter-Bold.otf");
/// Behind Inter, for the letters it lacks.
pub const NOTO_SANS: &[u8] = include_bytes!("../../media/fonts/NotoSans-Regular.ttf");

/// The family names the files declare, which text styles ask for.
pub const FAMILY: &str = "Inter";
pub const FALLBACK_FAMILY: &str = "Noto Sans";

/// Lines are this many times the font size apart, on screen and in the preview.
pub const LINE_HEIGHT: f32 = 1.18;

/// The weights the screens use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Weight {
    Regular,
    SemiBold,
    Bold,
}

impl Weight {
    /// The CSS / OpenType weight.
    pub fn value(self) -> u16 {
        match self {
            Weight::Regular => 400,
            Weight::SemiBold => 600,
            Weight::Bold => 700,
        }
    }
}

/// A font's character map and advances, read once: text is measured glyph by glyph, many times
/// over while a layout is fitted.
struct Face {
    charmap: Charmap<'static>,
    metrics: GlyphMetrics<'static>,
}

impl Face {
    fn of(data: &'static [u8]) -> Face {
        let font = FontRef::new(data).expect("the fonts shipped in media/fonts parse");
        Face {
            charmap: font.charmap(),
            // At one pixel per em, advances are in ems.
            metrics: font.glyph_metrics(Size::new(1.0), LocationRef::default()),
        }
    }

    fn advance_em(&self, c: char) -> Option<f32> {
        self.metrics.advance_width(self.charmap.map(c)?)
    }
}

/// Inter regular, semibold and bold, then Noto Sans.
fn faces() -> &'static [Face; 4] {
    static FACES: OnceLock<[Face; 4]> = OnceLock::new();
    FACES.get_or_init(|| [INTER_REGULAR, INTER_SEMIBOLD, INTER_BOLD, NOTO_SANS].map(Face::of))
}

/// The width of one character in ems, from the first font that has it (`None`: neither does).
fn advance_em(c: char, weight: Weight) -> Option<f32> {
    let [regular, semibold, bold, fallback] = faces();
    let face = match weight {
        Weight::Regular => regular,
        Weight::SemiBold => semibold,
        Weight::Bold => bold,
    };
    face.advance_em(c).or_else(|| fallback.advance_em(c))
}

/// Whether the screens' fonts draw `c` (Inter, or Noto Sans behind it). Spaces and line breaks
/// count as drawn.
pub fn covers(c: char) -> bool {
    c.is_whitespace() || advance_em(c, Weight::Regular).is_some()
}

/// The characters of `text` that no font of the screens has, each once.
pub fn missing_glyphs(text: &str) -> Vec<char> {
    let mut missing: Vec<char> = text.chars().filter(|c| !covers(*c)).collect();
    missing.sort_unstable();
    missing.dedup();
    missing
}

/// The width of `text` on one line at `px` pixels per em. A character no font has counts as
/// the replacement box, about an em wide.
pub fn width(text: &str, weight: Weight, px: f32) -> f32 {
    text.chars()
        .filter(|c| *c != '\n')
        .map(|c| advance_em(c, weight).unwrap_or(1.0))
        .sum::<f32>()
        * px
}

/// `text` broken into lines no wider than `max_width` at breakable spaces (a no-break space
/// keeps "19:30 – 22:30" together), greedily; `None` when a single word is wider than the line.
pub fn wrap(text: &str, weight: Weight, px: f32, max_width: f32) -> Option<Vec<String>> {
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        for word in paragraph.split(' ').filter(|w| !w.is_empty()) {
            if width(word, weight, px) > max_width {
                return None;
            }
            let candidate = if line.is_empty() {
                word.to_owned()
            } else {
                format!("{line} {word}")
            };
            if width(&candidate, weight, px) <= max_width {
                line = candidate;
            } else {
                lines.push(std::mem::replace(&mut line, word.to_owned()));
            }
        }
        if !line.is_empty() {
            lines.push(line);
        }
    }
    Some(lines)
}

/// Like [`wrap`], but with lines of even length (no orphaned last word): the narrowest width that
/// still gives as few lines as the full width does.
pub fn wrap_balanced(text: &str, weight: Weight, px: f32, max_width: f32) -> Option<Vec<String>> {
    let greedy = wrap(text, weight, px, max_width)?;
    if greedy.len() < 2 {
        return Some(greedy);
    }
    let (mut low, mut high) = (max_width / greedy.len() as f32, max_width);
    let mut best = greedy.clone();
    for _ in 0..12 {
        let middle = (low + high) / 2.0;
        match wrap(text, weight, px, middle) {
            Some(lines) if lines.len() <= greedy.len() => {
                best = lines;
                high = middle;
            }
            _ => low = middle,
        }
    }
    Some(best)
}

/// `text` cut to fit `max_width` on one line at `px`, ending in an ellipsis where cut.
pub fn truncate(text: &str, weight: Weight, px: f32, max_width: f32) -> String {
    if width(text, weight, px) <= max_width {
        return text.to_owned();
    }
    let mut kept: String = text.to_owned();
    while !kept.is_empty() && width(&format!("{kept}…"), weight, px) > max_width {
        kept.pop();
    }
    format!("{}…", kept.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_letters_of_the_citys_names_are_all_drawn() {
        let names = "Sint-Cécilia Ëlzenplein Façade Straße Łódź Göğüs Ærø Ñandú Şişli Čapek €";
        assert_eq!(missing_glyphs(names), Vec::<char>::new());
        // A letter no shipped font has is reported, not drawn as a box unnoticed.
        assert_eq!(missing_glyphs("漢字"), vec!['字', '漢']);
    }

    #[test]
    fn text_is_measured_with_the_fonts_widths() {
        let narrow = width("iiii", Weight::Regular, 100.0);
        let wide = width("MMMM", Weight::Regular, 100.0);
        assert!(
            narrow < wide / 2.0,
            "{narrow} vs {wide}: proportional, not monospaced"
        );
        assert!(width("Concert", Weight::Bold, 100.0) > width("Concert", Weight::Regular, 100.0));
    }

    #[test]
    fn lines_break_at_spaces_and_are_balanced() {
        let text = "Nieuwjaarsreceptie van de stad in het oude stadhuis";
        let lines = wrap_balanced(text, Weight::Bold, 40.0, 700.0).unwrap();
        assert!(lines.len() >= 2);
        for line in &lines {
            assert!(width(line, Weight::Bold, 40.0) <= 700.0);
        }
        assert!(lines.last().unwrap().contains(' '), "no orphan: {lines:?}");
        // A no-break space keeps a time range on one line.
        let when = "za 12 december, 19:30\u{a0}–\u{a0}22:30";
        let lines = wrap(when, Weight::Regular, 40.0, 400.0).unwrap();
        assert!(
            lines.iter().any(|l| l.contains("19:30\u{a0}–\u{a0}22:30")),
            "{lines:?}"
        );
        // A word wider than the line does not fit at this size.
        assert_eq!(
            wrap("Gemeenteraadsverkiezingen", Weight::Bold, 80.0, 200.0),
            None
        );
    }

    #[test]
    fn a_cut_line_ends_in_an_ellipsis_and_fits() {
        let cut = truncate(
            "Een heel lange titel die niet past",
            Weight::Bold,
            40.0,
            300.0,
        );
        assert!(cut.ends_with('…'));
        assert!(width(&cut, Weight::Bold, 40.0) <= 300.0);
    }
}
