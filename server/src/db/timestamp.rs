//! A timestamp column value that SQLite gets as text written digit by digit. Diesel writes a
//! `NaiveDateTime` through chrono's format-string interpreter, which was a tenth of the cost
//! of ingesting a play (three timestamps per row); the text here is byte for byte the same
//! (`%F %T%.f`), so stored rows compare and parse as before. PostgreSQL gets the value as is.

use chrono::{Datelike, NaiveDateTime, Timelike};
use diesel::expression::AsExpression;
use diesel::pg::Pg;
use diesel::serialize::{self, IsNull, Output, ToSql};
use diesel::sql_types::Timestamp;
use diesel::sqlite::Sqlite;

/// A `NaiveDateTime` bound as a `Timestamp`, written quickly on SQLite.
#[derive(Debug, Clone, Copy, PartialEq, Eq, AsExpression)]
#[diesel(sql_type = Timestamp)]
pub struct DbTimestamp(pub NaiveDateTime);

impl From<NaiveDateTime> for DbTimestamp {
    fn from(value: NaiveDateTime) -> Self {
        Self(value)
    }
}

impl ToSql<Timestamp, Sqlite> for DbTimestamp {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
        out.set_value(sqlite_text(self.0));
        Ok(IsNull::No)
    }
}

impl ToSql<Timestamp, Pg> for DbTimestamp {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        ToSql::<Timestamp, Pg>::to_sql(&self.0, out)
    }
}

/// `instant.format("%F %T%.f")`, as diesel writes it for SQLite.
pub fn sqlite_text(instant: NaiveDateTime) -> String {
    let year = instant.year();
    let nanos = instant.nanosecond();
    // Years chrono writes with a sign, and leap seconds (written as :60), are left to chrono.
    if !(0..=9999).contains(&year) || nanos >= 1_000_000_000 {
        return instant.format("%F %T%.f").to_string();
    }
    let mut text = Vec::with_capacity(29);
    push_digits(&mut text, year.unsigned_abs(), 4);
    text.push(b'-');
    push_digits(&mut text, instant.month(), 2);
    text.push(b'-');
    push_digits(&mut text, instant.day(), 2);
    text.push(b' ');
    push_digits(&mut text, instant.hour(), 2);
    text.push(b':');
    push_digits(&mut text, instant.minute(), 2);
    text.push(b':');
    push_digits(&mut text, instant.second(), 2);
    // `%.f`: no fraction at a whole second, else 3, 6 or 9 digits, the fewest that hold it.
    if nanos != 0 {
        text.push(b'.');
        if nanos.is_multiple_of(1_000_000) {
            push_digits(&mut text, nanos / 1_000_000, 3);
        } else if nanos.is_multiple_of(1_000) {
            push_digits(&mut text, nanos / 1_000, 6);
        } else {
            push_digits(&mut text, nanos, 9);
        }
    }
    String::from_utf8(text).unwrap_or_else(|_| instant.format("%F %T%.f").to_string())
}

/// `value` in exactly `width` decimal digits (it is known to fit).
fn push_digits(text: &mut Vec<u8>, mut value: u32, width: usize) {
    let start = text.len();
    text.resize(start + width, b'0');
    for digit in text[start..].iter_mut().rev() {
        *digit = b'0' + u8::try_from(value % 10).unwrap_or(0);
        value /= 10;
    }
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, NaiveDate};

    use super::*;

    fn chrono_text(instant: NaiveDateTime) -> String {
        instant.format("%F %T%.f").to_string()
    }

    #[test]
    fn writes_what_chrono_writes_for_every_precision_and_the_odd_cases() {
        let day = NaiveDate::from_ymd_opt(2026, 3, 29).unwrap();
        let mut instants = vec![
            day.and_hms_opt(0, 0, 0).unwrap(),
            day.and_hms_milli_opt(1, 2, 3, 4).unwrap(),
            day.and_hms_micro_opt(23, 59, 59, 999_999).unwrap(),
            day.and_hms_nano_opt(12, 0, 1, 1).unwrap(),
            day.and_hms_nano_opt(12, 0, 1, 120_000_000).unwrap(),
            // A leap second and years chrono writes with a sign.
            day.and_hms_milli_opt(23, 59, 59, 1_500).unwrap(),
            NaiveDate::from_ymd_opt(-1, 1, 1)
                .unwrap()
                .and_hms_opt(0, 0, 0)
                .unwrap(),
            NaiveDate::from_ymd_opt(10_000, 1, 1)
                .unwrap()
                .and_hms_opt(0, 0, 0)
                .unwrap(),
            NaiveDate::from_ymd_opt(7, 2, 3)
                .unwrap()
                .and_hms_opt(4, 5, 6)
                .unwrap(),
            NaiveDateTime::MIN,
            NaiveDateTime::MAX,
        ];
        // A spread of instants over the years the service will see, at every precision.
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        for _ in 0..20_000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let seconds = 946_684_800 + i64::try_from(seed % 3_155_760_000).unwrap();
            let nanos = u32::try_from((seed >> 32) % 1_000_000_000).unwrap();
            let nanos = match seed % 4 {
                0 => 0,
                1 => nanos / 1_000_000 * 1_000_000,
                2 => nanos / 1_000 * 1_000,
                _ => nanos,
            };
            instants.push(
                DateTime::from_timestamp(seconds, nanos)
                    .unwrap()
                    .naive_utc(),
            );
        }
        for instant in instants {
            assert_eq!(sqlite_text(instant), chrono_text(instant), "{instant:?}");
        }
    }
}
