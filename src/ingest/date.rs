//! Date parsing for ingest: a record's `date` value in, UTC seconds since the
//! epoch out, or a short description of the formats we accept.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

/// The formats accepted, as said in warnings and the README.
pub const ACCEPTED: &str = "RFC 3339, YYYY-MM-DD, YYYY-MM-DD HH:MM:SS, RFC 2822 or unix seconds";

/// Seconds of 0001-01-01 and 9999-12-31: dates outside are not plausible.
const MIN_SECS: i64 = -62_135_596_800;
const MAX_SECS: i64 = 253_402_300_799;

/// Parses a date string in one of the [`ACCEPTED`] formats into UTC seconds.
/// Times without a zone are taken as UTC.
pub fn parse_date(s: &str) -> Option<i64> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    if let Some(d) = plain_date(s) {
        return d.map(midnight);
    }
    if s.bytes().all(|b| b.is_ascii_digit()) || (s.starts_with('-') && s.len() > 1) {
        if s.len() == 8
            && let Ok(d) = NaiveDate::parse_from_str(s, "%Y%m%d")
        {
            return Some(midnight(d));
        }
        return s.parse::<i64>().ok().and_then(unix_seconds);
    }
    if let Ok(d) = DateTime::parse_from_rfc3339(s) {
        return Some(d.timestamp());
    }
    if let Ok(d) = DateTime::parse_from_rfc2822(s) {
        return Some(d.timestamp());
    }
    for fmt in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(d) = NaiveDateTime::parse_from_str(s, fmt) {
            return Some(d.and_utc().timestamp());
        }
    }
    for fmt in ["%Y-%m-%d %H:%M:%S%.f%z", "%Y-%m-%d %H:%M:%S %z"] {
        if let Ok(d) = DateTime::parse_from_str(s, fmt) {
            return Some(d.timestamp());
        }
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Some(midnight(d));
    }
    None
}

/// `YYYY-MM-DD` read directly: Some(None) for such a string that is no
/// date (2023-02-30), None for any other string. The most common form of
/// a date by far, which going through the formats above first made costly.
fn plain_date(s: &str) -> Option<Option<NaiveDate>> {
    let b: &[u8; 10] = s.as_bytes().try_into().ok()?;
    let digits = |r: std::ops::Range<usize>| {
        b[r].iter().try_fold(0u32, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    if b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (y, m, d) = (digits(0..4)?, digits(5..7)?, digits(8..10)?);
    Some(NaiveDate::from_ymd_opt(y as i32, m, d))
}

/// The first and last second an index can hold: tantivy keeps dates as
/// nanoseconds in an i64 (years 1677 to 2262), whole years of it.
pub const INDEX_MIN_SECS: i64 = -9_214_560_000;
pub const INDEX_MAX_SECS: i64 = 9_214_646_399;

/// Whether an index can hold this time (years 1678 to 2261).
pub fn indexable(secs: i64) -> bool {
    (INDEX_MIN_SECS..=INDEX_MAX_SECS).contains(&secs)
}

/// Accepts a unix time in seconds if it falls in years 1..9999.
pub fn unix_seconds(secs: i64) -> Option<i64> {
    (MIN_SECS..=MAX_SECS).contains(&secs).then_some(secs)
}

fn midnight(d: NaiveDate) -> i64 {
    d.and_hms_opt(0, 0, 0)
        .map_or(0, |t| t.and_utc().timestamp())
}

/// Formats UTC seconds as RFC 3339 (`2020-03-06T00:00:00Z`).
pub fn format_rfc3339(secs: i64) -> String {
    match rfc3339_bytes(secs) {
        Some(text) => text.iter().map(|&b| char::from(b)).collect(),
        // Years before 1 or after 9999: chrono's own text (empty out of
        // its range).
        None => DateTime::<Utc>::from_timestamp(secs, 0)
            .map(|d| d.format("%Y-%m-%dT%H:%M:%SZ").to_string())
            .unwrap_or_default(),
    }
}

/// [`format_rfc3339`]'s text (ASCII) for years 1 to 9999; None outside
/// them. Written out by hand: chrono's strftime parses its pattern on
/// every call, and its calendar arithmetic showed too, in exports of
/// 100,000s of hits (which write these bytes as they are).
pub fn rfc3339_bytes(secs: i64) -> Option<[u8; 20]> {
    if !(MIN_SECS..=MAX_SECS).contains(&secs) {
        return None;
    }
    let (days, time) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (year, month, day) = civil_from_days(days);
    let mut text = *b"0000-00-00T00:00:00Z";
    // Two digits at a time, from a table (a division per digit showed in
    // exports of 100,000s of dates).
    const PAIRS: &[u8; 200] = b"0001020304050607080910111213141516171819\
        2021222324252627282930313233343536373839\
        4041424344454647484950515253545556575859\
        6061626364656667686970717273747576777879\
        8081828384858687888990919293949596979899";
    let mut put = |at: usize, n: u32| {
        let i = (n % 100) as usize * 2;
        text[at..at + 2].copy_from_slice(&PAIRS[i..i + 2]);
    };
    put(0, year / 100);
    put(2, year);
    put(5, month);
    put(8, day);
    // News is mostly dated to the day: midnight is written already.
    if time != 0 {
        put(11, (time / 3600) as u32);
        put(14, (time / 60 % 60) as u32);
        put(17, (time % 60) as u32);
    }
    Some(text)
}

/// (year, month, day) of a day counted from 1970-01-01, for years 1 to
/// 9999 of the proleptic Gregorian calendar: Howard Hinnant's
/// `civil_from_days`, with years counted from March so that the leap day
/// ends one.
fn civil_from_days(days: i64) -> (u32, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let march_month = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * march_month + 2) / 5 + 1;
    let month = if march_month < 10 {
        march_month + 3
    } else {
        march_month - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year as u32, month as u32, day as u32)
}

/// Formats UTC seconds as a day (`2020-03-06`).
pub fn format_day(secs: i64) -> String {
    DateTime::<Utc>::from_timestamp(secs, 0)
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_formatting_matches_chrono() {
        let check = |secs: i64| {
            let want = DateTime::<Utc>::from_timestamp(secs, 0)
                .map(|d| d.format("%Y-%m-%dT%H:%M:%SZ").to_string())
                .unwrap_or_default();
            assert_eq!(format_rfc3339(secs), want, "{secs}");
        };
        let mut rng = crate::testutil::Rng::new(5);
        for _ in 0..20_000 {
            check(rng.below(1 << 40) as i64 - (1 << 39));
        }
        assert_eq!(format_rfc3339(0), "1970-01-01T00:00:00Z");
        // Every 13th day of years 1 to 9999 (at a time of day that moves),
        // and every 7th midnight (written without the time's digits).
        for (step, offset) in [(13 * 86_400, 3_607), (7 * 86_400, 0)] {
            let mut secs = MIN_SECS;
            while secs <= MAX_SECS {
                check(secs);
                secs += step + offset;
            }
        }
        // The first and last second of the range.
        assert_eq!(format_rfc3339(MIN_SECS), "0001-01-01T00:00:00Z");
        assert_eq!(format_rfc3339(INDEX_MIN_SECS), "1678-01-01T00:00:00Z");
        assert_eq!(format_rfc3339(INDEX_MAX_SECS), "2261-12-31T23:59:59Z");
        assert!(INDEX_MIN_SECS.checked_mul(1_000_000_000).is_some());
        assert!(INDEX_MAX_SECS.checked_mul(1_000_000_000).is_some());
        assert_eq!(format_rfc3339(MAX_SECS), "9999-12-31T23:59:59Z");
    }

    fn day(s: &str) -> String {
        format_rfc3339(parse_date(s).unwrap())
    }

    #[test]
    fn accepts_every_documented_format() {
        assert_eq!(day("2020-03-06"), "2020-03-06T00:00:00Z");
        assert_eq!(day("2020-03-06T10:11:12Z"), "2020-03-06T10:11:12Z");
        assert_eq!(day("2020-03-06T10:11:12+02:00"), "2020-03-06T08:11:12Z");
        assert_eq!(day("2020-03-06 10:11:12"), "2020-03-06T10:11:12Z");
        assert_eq!(
            day("Fri, 06 Mar 2020 10:11:12 +0000"),
            "2020-03-06T10:11:12Z"
        );
        assert_eq!(day("1583489472"), "2020-03-06T10:11:12Z");
        assert_eq!(day("1987-02-26T15:01:01.790000"), "1987-02-26T15:01:01Z");
        assert_eq!(day("20200306"), "2020-03-06T00:00:00Z");
    }

    #[test]
    fn plain_dates_read_as_chrono_reads_them() {
        // Every day of some years (leap and not), impossible days and
        // months, and near misses of the form, against chrono's %Y-%m-%d.
        let chrono = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok().map(midnight);
        let mut strings: Vec<String> = Vec::new();
        for y in [1, 1900, 1987, 2000, 2024, 9999] {
            for m in 0..=13 {
                for d in 0..=32 {
                    strings.push(format!("{y:04}-{m:02}-{d:02}"));
                }
            }
        }
        strings.extend(
            [
                "2020-3-06x",
                "2020/03/06",
                "2020-03-6 ",
                "+020-03-06",
                "2020-0a-06",
                "2020-03-0٣",
            ]
            .map(String::from),
        );
        for s in &strings {
            assert_eq!(parse_date(s), chrono(s.trim()), "{s}");
        }
        assert_eq!(plain_date("2023-02-30"), Some(None));
        assert_eq!(plain_date("2020/03/06"), None);
    }

    #[test]
    fn rejects_nonsense() {
        for s in [
            "",
            "yesterday",
            "2020-13-01",
            "26-FEB-1987",
            "99999999999999",
        ] {
            assert_eq!(parse_date(s), None, "{s}");
        }
    }
}
