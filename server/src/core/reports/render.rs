//! Reports as CSV (every table can be exported) and as an SVG bar chart for the page.
//! Suppressed cells stay "<10" in both; the chart draws no bar for them. Charts are accessible
//! images (`role="img"`, a title and a description) whose texts the caller gives in the
//! reader's language, sized so that no label is clipped.

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

/// One measure drawn in a chart: its name (for the legend), colour, and per bar its value
/// (`None`: suppressed, no bar) and the text written beside it.
#[derive(Debug, Clone)]
pub struct Series {
    pub name: String,
    pub colour: &'static str,
    pub values: Vec<Option<f64>>,
    pub shown: Vec<String>,
}

/// A chart, in the words of whoever reads it: the caller gives every text in the reader's
/// language and every number already written as the city writes it.
#[derive(Debug, Clone)]
pub struct Chart {
    /// Unique within the page (the SVG's title and description are named by it).
    pub id: String,
    pub title: String,
    pub description: String,
    pub labels: Vec<String>,
    pub series: Vec<Series>,
}

/// Dark blue and dark orange: each has at least 3:1 contrast against white, as WCAG asks of
/// graphics, and they differ for every kind of colour blindness.
pub const PLAYS_COLOUR: &str = "#1f5fa8";
pub const IMPRESSIONS_COLOUR: &str = "#b34700";

const WIDTH: f64 = 420.0;
const FONT: f64 = 15.0;
/// A generous average glyph width of sans-serif at [`FONT`], so that no text is clipped.
const GLYPH: f64 = FONT * 0.62;

/// Text cut to fit `width`, with an ellipsis when it was cut (the table beside has it whole).
fn fitted(text: &str, width: f64) -> String {
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let room = (width / GLYPH).floor().max(4.0) as usize;
    if text.chars().count() <= room {
        text.to_owned()
    } else {
        let mut cut: String = text.chars().take(room - 1).collect();
        cut.push('…');
        cut
    }
}

fn svg_start(chart: &Chart, height: f64) -> String {
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH} {height:.0}\" \
         width=\"{WIDTH}\" height=\"{height:.0}\" role=\"img\" class=\"chart\" \
         aria-labelledby=\"{id}-title {id}-desc\" font-family=\"sans-serif\" font-size=\"{FONT}\">\
         <title id=\"{id}-title\">{title}</title><desc id=\"{id}-desc\">{desc}</desc>\
         <rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>",
        id = escape(&chart.id),
        title = escape(&chart.title),
        desc = escape(&chart.description),
    )
}

/// The legend: a swatch and the name of each series, one per line.
fn legend(chart: &Chart, y: &mut f64, svg: &mut String) {
    for series in &chart.series {
        svg.push_str(&format!(
            "<rect x=\"0\" y=\"{:.0}\" width=\"12\" height=\"12\" fill=\"{}\"/>\
             <text x=\"18\" y=\"{:.0}\" fill=\"#111111\">{}</text>",
            *y + 2.0,
            series.colour,
            *y + 13.0,
            escape(&fitted(&series.name, WIDTH - 18.0)),
        ));
        *y += 20.0;
    }
    *y += 6.0;
}

/// Horizontal bars, one group per label: the label on its own line (so that a long name is
/// not squeezed by the bars, at any width), then one bar per series, each scaled to its own
/// largest value, with the figure written after it.
pub fn bar_chart(chart: &Chart) -> String {
    const BAR: f64 = 14.0;
    let shown_width = chart
        .series
        .iter()
        .flat_map(|series| series.shown.iter())
        .map(|text| text.chars().count())
        .max()
        .unwrap_or(0);
    #[allow(clippy::cast_precision_loss)]
    let text_room = (shown_width as f64 * GLYPH + 8.0).min(WIDTH * 0.6);
    let bar_room = WIDTH - text_room;
    let mut y = 0.0;
    let mut body = String::new();
    legend(chart, &mut y, &mut body);
    for (index, label) in chart.labels.iter().enumerate() {
        body.push_str(&format!(
            "<text x=\"0\" y=\"{:.0}\" fill=\"#111111\">{}</text>",
            y + FONT,
            escape(&fitted(label, WIDTH)),
        ));
        y += FONT + 6.0;
        for series in &chart.series {
            let max = series
                .values
                .iter()
                .flatten()
                .fold(0.0_f64, |a, b| a.max(*b))
                .max(f64::MIN_POSITIVE);
            let width = series.values[index].map_or(0.0, |value| value / max * bar_room);
            let text = series.shown.get(index).map_or("", String::as_str);
            body.push_str(&format!(
                "<rect x=\"0\" y=\"{y:.0}\" width=\"{width:.1}\" height=\"{BAR}\" fill=\"{}\"/>\
                 <text x=\"{:.1}\" y=\"{:.0}\" fill=\"#111111\" font-size=\"13\">{}</text>",
                series.colour,
                width + 5.0,
                y + BAR - 2.0,
                escape(&fitted(text, WIDTH - width - 5.0)),
            ));
            y += BAR + 4.0;
        }
        y += 8.0;
    }
    let mut svg = svg_start(chart, y.max(1.0));
    svg.push_str(&body);
    svg.push_str("</svg>");
    svg
}

/// Columns over time, one panel per series (each on its own scale): the largest figure written
/// at the top, the first, middle and last labels under the columns.
pub fn column_chart(chart: &Chart) -> String {
    const PANEL: f64 = 110.0;
    let count = chart.labels.len().max(1);
    #[allow(clippy::cast_precision_loss)]
    let slot = WIDTH / count as f64;
    let gap = (slot * 0.2).min(4.0);
    let mut y = 0.0;
    let mut body = String::new();
    legend(chart, &mut y, &mut body);
    for series in &chart.series {
        let (top_index, max) = series
            .values
            .iter()
            .enumerate()
            .filter_map(|(index, value)| value.map(|v| (index, v)))
            .fold((None, 0.0_f64), |(best, max), (index, value)| {
                if value > max {
                    (Some(index), value)
                } else {
                    (best, max)
                }
            });
        let top_text = top_index
            .and_then(|index| series.shown.get(index))
            .cloned()
            // Every bar hidden: say why the panel is empty.
            .or_else(|| {
                series
                    .values
                    .iter()
                    .zip(&series.shown)
                    .find(|(v, _)| v.is_none())
                    .map(|(_, shown)| shown.clone())
            })
            .unwrap_or_default();
        body.push_str(&format!(
            "<text x=\"0\" y=\"{:.0}\" fill=\"#333333\" font-size=\"13\">{}</text>",
            y + 13.0,
            escape(&fitted(
                &if top_text.is_empty() {
                    series.name.clone()
                } else {
                    // "max." reads the same in Dutch and English.
                    format!("{} (max. {top_text})", series.name)
                },
                WIDTH,
            )),
        ));
        y += 20.0;
        let base = y + PANEL;
        body.push_str(&format!(
            "<line x1=\"0\" x2=\"{WIDTH}\" y1=\"{base:.0}\" y2=\"{base:.0}\" stroke=\"#767676\"/>"
        ));
        for (index, value) in series.values.iter().enumerate() {
            let Some(value) = value else { continue };
            let height = if max > 0.0 { value / max * PANEL } else { 0.0 };
            #[allow(clippy::cast_precision_loss)]
            let x = index as f64 * slot + gap / 2.0;
            body.push_str(&format!(
                "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{height:.1}\" fill=\"{}\"/>",
                base - height,
                (slot - gap).max(1.0),
                series.colour,
            ));
        }
        y = base + 8.0;
    }
    let last = chart.labels.len().saturating_sub(1);
    let mut marks = vec![(0, "start")];
    if last >= 4 {
        marks.push((last / 2, "middle"));
    }
    if last > 0 {
        marks.push((last, "end"));
    }
    for (index, anchor) in marks {
        #[allow(clippy::cast_precision_loss)]
        let x = match anchor {
            "start" => 0.0,
            "end" => WIDTH,
            _ => (index as f64 + 0.5) * slot,
        };
        body.push_str(&format!(
            "<text x=\"{x:.1}\" y=\"{:.0}\" text-anchor=\"{anchor}\" fill=\"#111111\" font-size=\"13\">{}</text>",
            y + 13.0,
            escape(&fitted(&chart.labels[index], WIDTH / 3.0)),
        ));
    }
    y += 22.0;
    let mut svg = svg_start(chart, y);
    svg.push_str(&body);
    svg.push_str("</svg>");
    svg
}

/// The API's chart of a plays report, in English: plays and estimated impressions per row.
pub fn report_svg(report: &Report) -> String {
    let rows: &[ReportRow] = &report.rows;
    bar_chart(&Chart {
        id: "report".into(),
        title: format!(
            "Plays by {}, {} to {}",
            report.by,
            report.from.format("%Y-%m-%d %H:%M"),
            report.to.format("%Y-%m-%d %H:%M")
        ),
        description: "Impressions are estimated; cells under 10 show as <10.".into(),
        labels: rows.iter().map(|row| row.label.clone()).collect(),
        series: vec![
            Series {
                name: "Plays".into(),
                colour: PLAYS_COLOUR,
                values: rows.iter().map(|row| row.plays.value()).collect(),
                shown: rows
                    .iter()
                    .map(|row| format!("{} plays", row.plays))
                    .collect(),
            },
            Series {
                name: "Estimated impressions".into(),
                colour: IMPRESSIONS_COLOUR,
                values: rows.iter().map(|row| row.impressions_est.value()).collect(),
                shown: rows
                    .iter()
                    .map(|row| format!("{} est. impressions", row.impressions_est))
                    .collect(),
            },
        ],
    })
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

    #[test]
    fn a_chart_names_itself_and_keeps_every_text_inside_its_width() {
        let long = "Jeugdhuis De Kreun en het Cultuurcentrum van de Stad Kortrijk".to_owned();
        let chart = Chart {
            id: "c1".into(),
            title: "Vertoningen per gebouw".into(),
            description: "Geschat <bereik>".into(),
            labels: vec![long.clone(), "Bib".into()],
            series: vec![Series {
                name: "Vertoningen".into(),
                colour: PLAYS_COLOUR,
                values: vec![Some(1234.0), None],
                shown: vec!["1.234".into(), "<10".into()],
            }],
        };
        for svg in [bar_chart(&chart), column_chart(&chart)] {
            assert!(svg.contains("role=\"img\""));
            assert!(svg.contains("<title id=\"c1-title\">Vertoningen per gebouw</title>"));
            assert!(svg.contains("Geschat &lt;bereik&gt;"));
            for text in svg.split("<text ").skip(1) {
                let words = text.split('>').nth(1).unwrap().split('<').next().unwrap();
                let x: f64 = text
                    .split("x=\"")
                    .nth(1)
                    .unwrap()
                    .split('"')
                    .next()
                    .unwrap()
                    .parse()
                    .unwrap();
                #[allow(clippy::cast_precision_loss)]
                let width = words.chars().count() as f64 * GLYPH;
                let inside = if text.contains("text-anchor=\"end\"") {
                    x - width >= 0.0
                } else if text.contains("text-anchor=\"middle\"") {
                    x - width / 2.0 >= 0.0 && x + width / 2.0 <= WIDTH
                } else {
                    x + width <= WIDTH + 0.5
                };
                assert!(inside, "'{words}' at {x} runs out of the chart");
            }
        }
        assert!(
            bar_chart(&chart).contains("…"),
            "a long label is shortened, not clipped"
        );
    }
}
