//! Numbers and dates as row text, written straight into a buffer: scores
//! with four decimals (as `{:.4}` writes them), ranks, RFC 3339 dates.

/// Scores with four decimals, as shown everywhere.
pub fn format_score(s: f32) -> String {
    let mut out = String::new();
    push_score(&mut out, s);
    out
}

/// Appends `format!("{s:.4}")`'s text, without the formatting machinery
/// for the scores we meet (exports write one per hit): an f32 times 10^4 is
/// exact in an f64, so rounding that half to even rounds as `{:.4}` does.
pub fn push_score(out: &mut String, s: f32) {
    use std::fmt::Write as _;
    let scaled = (s as f64).abs() * 1e4;
    if !scaled.is_finite() || scaled >= 1e15 {
        let _ = write!(out, "{s:.4}");
        return;
    }
    let n = scaled.round_ties_even() as u64;
    if s.is_sign_negative() {
        out.push('-');
    }
    push_uint(out, n / 10_000);
    out.push('.');
    let frac = n % 10_000;
    for d in [1000, 100, 10, 1] {
        out.push(char::from(b'0' + (frac / d % 10) as u8));
    }
}

/// Appends a date's RFC 3339 text.
pub(super) fn push_date(out: &mut Vec<u8>, secs: i64) {
    match crate::ingest::date::rfc3339_bytes(secs) {
        Some(text) => out.extend_from_slice(&text),
        None => out.extend_from_slice(crate::ingest::date::format_rfc3339(secs).as_bytes()),
    }
}

/// Appends the decimal digits of `n`.
pub(super) fn push_uint(out: &mut String, n: u64) {
    let mut buf = [0u8; 20];
    // Digits are ASCII.
    out.push_str(std::str::from_utf8(digits(n, &mut buf)).unwrap_or("0"));
}

/// Appends the decimal digits of `n` to bytes.
pub fn push_int(out: &mut Vec<u8>, n: u64) {
    let mut buf = [0u8; 20];
    out.extend_from_slice(digits(n, &mut buf));
}

/// The decimal digits of `n`, written at the end of `buf`.
fn digits(mut n: u64, buf: &mut [u8; 20]) -> &[u8] {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    &buf[i..]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_print_as_format_does() {
        let mut specials = vec![
            0.0f32,
            -0.0,
            1.0,
            0.00005,
            0.00015,
            0.00025,
            1.23455,
            9.99995,
            -0.00001,
            -3.25,
            12.8287,
            1e-9,
            123456.78,
            4e7,
            f32::MAX,
            f32::MIN_POSITIVE,
            f32::NAN,
            f32::INFINITY,
            f32::NEG_INFINITY,
        ];
        // Every bit pattern step of a wide sweep, halfway cases included.
        let mut bits = 0x3000_0000u32;
        while bits < 0x4c00_0000 {
            specials.push(f32::from_bits(bits));
            specials.push(-f32::from_bits(bits));
            bits += 4093;
        }
        for x in specials {
            assert_eq!(format_score(x), format!("{x:.4}"), "{x:e}");
        }
    }
}
