//! Reports as CSV (every table can be exported) and as an SVG bar chart for the page.
//! Suppressed cells stay "<10" in both; the chart draws no bar for them.

use civicast_shared::api::reports::{Cell, DeliveryReport, FairnessReport, Report, ReportRow};

fn csv_error(error: csv::Error) -> crate::error::AppError {
    crate::error::AppError::Unexpected(anyhow::anyhow!("CSV writing failed: {error}"))
}

pub fn report_csv(report: &Report) -> Result<String, crate::error::AppError> {
    let segments: Vec<String> = report
        .total
        .segment_impressions_est
        .keys()
        .cloned()
        .collect();
    let mut writer = csv::Writer::from_writer(Vec::new());
    let mut header = vec![
        report.by.as_str().to_owned(),
        "label".into(),
        "plays".into(),
        "completion_pct".into(),
        "on_screen_s".into(),
        "impressions_est".into(),
    ];
    header.extend(
        segments
            .iter()
            .map(|segment| format!("{segment}_impressions_est")),
    );
    writer.write_record(&header).map_err(csv_error)?;
    for row in report.rows.iter().chain(std::iter::once(&report.total)) {
        let mut record = vec![
            row.key.clone(),
            row.label.clone(),
            row.plays.to_string(),
            row.completion_pct.to_string(),
            row.on_screen_s.to_string(),
            row.impressions_est.to_string(),
        ];
        record.extend(segments.iter().map(|segment| {
            row.segment_impressions_est
                .get(segment)
                .map_or_else(|| "0".to_owned(), Cell::to_string)
        }));
        writer.write_record(&record).map_err(csv_error)?;
    }
    let bytes = writer
        .into_inner()
        .map_err(|e| csv_error(e.into_error().into()))?;
    Ok(String::from_utf8(bytes).unwrap_or_default())
}

pub fn fairness_csv(report: &FairnessReport) -> Result<String, crate::error::AppError> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer
        .write_record([
            "organisation_id",
            "name",
            "plays",
            "on_screen_s",
            "share_of_voice_pct",
            "entitled_pct",
            "delivered_of_entitled_pct",
            "below_80_pct",
        ])
        .map_err(csv_error)?;
    for row in &report.rows {
        writer
            .write_record([
                row.organisation_id.to_string(),
                row.name.clone(),
                row.plays.to_string(),
                row.on_screen_s.to_string(),
                row.share_of_voice_pct.to_string(),
                format!("{:.1}", row.entitled_pct),
                row.delivered_of_entitled_pct.to_string(),
                row.below_80_pct.to_string(),
            ])
            .map_err(csv_error)?;
    }
    let bytes = writer
        .into_inner()
        .map_err(|e| csv_error(e.into_error().into()))?;
    Ok(String::from_utf8(bytes).unwrap_or_default())
}

pub fn delivery_csv(report: &DeliveryReport) -> Result<String, crate::error::AppError> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer
        .write_record([
            "event_id",
            "title",
            "organisation_id",
            "booked_s",
            "plays",
            "delivered_s",
            "delivered_pct",
        ])
        .map_err(csv_error)?;
    for row in &report.rows {
        writer
            .write_record([
                row.event_id.to_string(),
                row.title.clone(),
                row.organisation_id.to_string(),
                format!("{:.0}", row.booked_s),
                row.plays.to_string(),
                row.delivered_s.to_string(),
                row.delivered_pct.to_string(),
            ])
            .map_err(csv_error)?;
    }
    let bytes = writer
        .into_inner()
        .map_err(|e| csv_error(e.into_error().into()))?;
    Ok(String::from_utf8(bytes).unwrap_or_default())
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
