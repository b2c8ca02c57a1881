//! Reports as CSV (every table can be exported) and as an SVG bar chart for the page.
//! Suppressed cells stay "<10" in both; the chart draws no bar for them.

use civicast_shared::api::reports::{Cell, DeliveryReport, FairnessReport, Report, ReportRow};

use crate::error::AppError;

/// A cell as a spreadsheet will not run it: text that starts like a formula (`=`, `+`, `-`, `@`,
/// a tab or a carriage return), such as an event titled `=HYPERLINK(...)`, gets a leading `'`
/// as OWASP recommends; numbers, negative ones included, stay as they are.
fn spreadsheet_safe(cell: &str) -> std::borrow::Cow<'_, str> {
    let looks_like_formula = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if looks_like_formula && cell.parse::<f64>().is_err() {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

/// One CSV table: a header line, then a line a row, every cell [`spreadsheet_safe`].
fn to_csv(header: &[String], rows: impl Iterator<Item = Vec<String>>) -> Result<String, AppError> {
    let failed = |e: &dyn std::fmt::Display| {
        AppError::Unexpected(anyhow::anyhow!("CSV writing failed: {e}"))
    };
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer
        .write_record(
            header
                .iter()
                .map(|cell| spreadsheet_safe(cell).into_owned()),
        )
        .map_err(|e| failed(&e))?;
    for row in rows {
        writer
            .write_record(row.iter().map(|cell| spreadsheet_safe(cell).into_owned()))
            .map_err(|e| failed(&e))?;
    }
    let bytes = writer.into_inner().map_err(|e| failed(&e))?;
    String::from_utf8(bytes).map_err(|e| failed(&e))
}

fn names(columns: &[&str]) -> Vec<String> {
    columns.iter().map(|column| (*column).to_owned()).collect()
}

pub fn report_csv(report: &Report) -> Result<String, AppError> {
    let segments: Vec<String> = report
        .total
        .segment_impressions_est
        .keys()
        .cloned()
        .collect();
    let mut header = vec![report.by.as_str().to_owned()];
    header.extend(names(&[
        "label",
        "plays",
        "completion_pct",
        "on_screen_s",
        "impressions_est",
    ]));
    header.extend(
        segments
            .iter()
            .map(|segment| format!("{segment}_impressions_est")),
    );
    let rows = report
        .rows
        .iter()
        .chain(std::iter::once(&report.total))
        .map(|row| {
            let mut line = vec![
                row.key.clone(),
                row.label.clone(),
                row.plays.to_string(),
                row.completion_pct.to_string(),
                row.on_screen_s.to_string(),
                row.impressions_est.to_string(),
            ];
            line.extend(segments.iter().map(|segment| {
                row.segment_impressions_est
                    .get(segment)
                    .map_or_else(|| "0".to_owned(), Cell::to_string)
            }));
            line
        });
    to_csv(&header, rows)
}

pub fn fairness_csv(report: &FairnessReport) -> Result<String, AppError> {
    let header = names(&[
        "organisation_id",
        "name",
        "plays",
        "on_screen_s",
        "share_of_voice_pct",
        "entitled_pct",
        "delivered_of_entitled_pct",
        "below_80_pct",
    ]);
    let rows = report.rows.iter().map(|row| {
        vec![
            row.organisation_id.to_string(),
            row.name.clone(),
            row.plays.to_string(),
            row.on_screen_s.to_string(),
            row.share_of_voice_pct.to_string(),
            format!("{:.1}", row.entitled_pct),
            row.delivered_of_entitled_pct.to_string(),
            row.below_80_pct.to_string(),
        ]
    });
    to_csv(&header, rows)
}

pub fn delivery_csv(report: &DeliveryReport) -> Result<String, AppError> {
    let header = names(&[
        "event_id",
        "title",
        "organisation_id",
        "booked_s",
        "plays",
        "delivered_s",
        "delivered_pct",
    ]);
    let rows = report.rows.iter().map(|row| {
        vec![
            row.event_id.to_string(),
            row.title.clone(),
            row.organisation_id.to_string(),
            format!("{:.0}", row.booked_s),
            row.plays.to_string(),
            row.delivered_s.to_string(),
            row.delivered_pct.to_string(),
        ]
    });
    to_csv(&header, rows)
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// Horizontal bars of plays per row, with estimated impressions written beside each bar.
pub fn report_svg(report: &Report) -> String {
    const BAR_HEIGHT: usize = 26;
    const LABEL_WIDTH: f64 = 220.0;
    const BAR_WIDTH: f64 = 420.0;
    let rows: &[ReportRow] = &report.rows;
    let max = rows
        .iter()
        .filter_map(|row| row.plays.value())
        .fold(0.0_f64, f64::max)
        .max(1.0);
    let height = 70 + rows.len() * BAR_HEIGHT;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"820\" height=\"{height}\" \
         viewBox=\"0 0 820 {height}\" role=\"img\" aria-labelledby=\"title\" \
         font-family=\"sans-serif\" font-size=\"14\">\
         <title id=\"title\">Plays by {by}, {from} to {to}</title>\
         <rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\
         <text x=\"10\" y=\"24\" font-size=\"16\" font-weight=\"bold\" fill=\"#111111\">Plays by {by}</text>\
         <text x=\"10\" y=\"46\" fill=\"#333333\">Impressions are estimated; cells under 10 show as &lt;10.</text>",
        by = report.by,
        from = report.from.format("%Y-%m-%d %H:%M"),
        to = report.to.format("%Y-%m-%d %H:%M"),
    );
    for (index, row) in rows.iter().enumerate() {
        let y = 60 + index * BAR_HEIGHT;
        let label: String = row.label.chars().take(28).collect();
        svg.push_str(&format!(
            "<text x=\"10\" y=\"{}\" fill=\"#111111\">{}</text>",
            y + 17,
            escape(&label)
        ));
        let (width, text) = match row.plays.value() {
            Some(plays) => (plays / max * BAR_WIDTH, format!("{} plays", row.plays)),
            None => (0.0, "&lt;10 plays".to_owned()),
        };
        svg.push_str(&format!(
            "<rect x=\"{LABEL_WIDTH}\" y=\"{}\" width=\"{width:.1}\" height=\"{}\" fill=\"#1f5fa8\"/>\
             <text x=\"{:.1}\" y=\"{}\" fill=\"#111111\">{text}, {} est. impressions</text>",
            y + 4,
            BAR_HEIGHT - 8,
            LABEL_WIDTH + width + 6.0,
            y + 17,
            escape(&row.impressions_est.to_string()),
        ));
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_that_a_spreadsheet_would_run_become_text_and_numbers_stay_numbers() {
        for formula in [
            "=1+1",
            "+SUM(A1)",
            "-2+3",
            "@SUM(A1)",
            "\tx",
            "\rx",
            "=HYPERLINK(\"a\")",
        ] {
            assert_eq!(spreadsheet_safe(formula), format!("'{formula}"));
        }
        for kept in ["Choir", "-12.5", "+3", "<10", "", "a=b"] {
            assert_eq!(spreadsheet_safe(kept), kept);
        }
    }
}
