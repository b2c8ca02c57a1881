//! Numbers as the portal's reader writes them: "1.234,5" in Dutch, "1,234.5" in English, and
//! report cells that are too small to show as "<10".

use civicast_shared::api::reports::Cell;

use super::i18n::Lang;

/// `value` rounded to `decimals` places, with the language's separators.
pub fn number(lang: Lang, value: f64, decimals: usize) -> String {
    let text = format!("{:.*}", decimals, value.abs());
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
    let (thousands, point) = match lang {
        Lang::Nl => ('.', ','),
        Lang::En => (',', '.'),
    };
    let mut grouped = String::new();
    for (index, digit) in whole.chars().enumerate() {
        if index > 0 && (whole.len() - index) % 3 == 0 {
            grouped.push(thousands);
        }
        grouped.push(digit);
    }
    let mut out = String::new();
    if value < 0.0 && text.chars().any(|c| c.is_ascii_digit() && c != '0') {
        out.push('-');
    }
    out.push_str(&grouped);
    if !fraction.is_empty() {
        out.push(point);
        out.push_str(fraction);
    }
    out
}

/// A whole number, or one decimal where the value has one that matters.
pub fn amount(lang: Lang, value: f64) -> String {
    if value.abs() < 100.0 && (value * 10.0).round() % 10.0 != 0.0 {
        number(lang, value, 1)
    } else {
        number(lang, value, 0)
    }
}

/// A percentage, "12 %" / "12%".
pub fn percent(lang: Lang, value: f64) -> String {
    match lang {
        Lang::Nl => format!("{} %", amount(lang, value)),
        Lang::En => format!("{}%", amount(lang, value)),
    }
}

/// A report cell: its figure, or the suppression mark.
pub fn cell(lang: Lang, cell: &Cell) -> String {
    match cell {
        Cell::Value(value) => amount(lang, *value),
        Cell::Suppressed(mark) => mark.clone(),
    }
}

/// A number as typed into a form: no thousands separator, the language's decimal sign.
pub fn typed(lang: Lang, value: f64) -> String {
    let text = format!("{:.2}", value);
    let text = text.trim_end_matches('0').trim_end_matches('.').to_owned();
    match lang {
        Lang::Nl => text.replace('.', ","),
        Lang::En => text,
    }
}

/// A number typed in either language ("12,5" or "12.5"); `None` when it is not one.
pub fn parse(text: &str) -> Option<f64> {
    let text = text.trim().replace(' ', "");
    let text = if text.contains(',') && !text.contains('.') {
        text.replace(',', ".")
    } else {
        text.replace(',', "")
    };
    text.parse::<f64>().ok().filter(|v| v.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_read_as_each_language_writes_them() {
        assert_eq!(number(Lang::Nl, 1_234_567.891, 1), "1.234.567,9");
        assert_eq!(number(Lang::En, 1_234_567.891, 1), "1,234,567.9");
        assert_eq!(number(Lang::Nl, 999.0, 0), "999");
        assert_eq!(number(Lang::En, -1234.0, 0), "-1,234");
        assert_eq!(percent(Lang::Nl, 12.5), "12,5 %");
        assert_eq!(percent(Lang::En, 80.0), "80%");
        assert_eq!(amount(Lang::Nl, 2500.4), "2.500");
        assert_eq!(typed(Lang::Nl, 0.25), "0,25");
        assert_eq!(typed(Lang::En, 120.0), "120");
        assert_eq!(parse("12,5"), Some(12.5));
        assert_eq!(parse(" 1,200.5 "), Some(1200.5));
        assert_eq!(parse("twelve"), None);
        assert_eq!(parse("NaN"), None);
    }
}
