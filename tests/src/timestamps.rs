//! Timestamp and duration formats as dbt sends them. Run and step timestamps use a space
//! (`2021-11-26 16:48:41.431645+00:00`, the quirk that breaks naive RFC 3339 parsers);
//! job and project timestamps use `T`. Durations are strings.

/// How a timestamp separates date and time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    /// `2021-11-26 16:48:41.431645+00:00` (runs and run steps on dbt).
    Space,
    /// `2021-11-26T16:48:41.431645+00:00` (everything else).
    T,
}

/// Formats milliseconds since the Unix epoch (UTC) with microsecond precision.
pub fn format(ms: i64, style: Style) -> String {
    let secs = ms.div_euclid(1000);
    let micros = ms.rem_euclid(1000) * 1000;
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    let sep = match style {
        Style::Space => ' ',
        Style::T => 'T',
    };
    format!(
        "{year:04}-{month:02}-{day:02}{sep}{:02}:{:02}:{:02}.{micros:06}+00:00",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// Howard Hinnant's days-to-civil algorithm (proleptic Gregorian calendar).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// dbt's current duration format: seconds as a decimal string (`"12.0"`).
pub fn duration(ms: i64) -> String {
    format!("{:.1}", ms.max(0) as f64 / 1000.0)
}

/// dbt's `*_humanized` durations (`"2 minutes, 5 seconds"`).
pub fn humanized(ms: i64) -> String {
    let total = ms.max(0) / 1000;
    let (minutes, seconds) = (total / 60, total % 60);
    let unit = |n: i64, what: &str| format!("{n} {what}{}", if n == 1 { "" } else { "s" });
    if minutes == 0 {
        unit(seconds, "second")
    } else {
        format!("{}, {}", unit(minutes, "minute"), unit(seconds, "second"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_run_timestamps_with_a_space_and_microseconds() {
        // 2021-11-26 16:48:41.431 UTC
        assert_eq!(
            format(1_637_945_321_431, Style::Space),
            "2021-11-26 16:48:41.431000+00:00"
        );
        assert_eq!(
            format(1_717_243_200_000, Style::T),
            "2024-06-01T12:00:00.000000+00:00"
        );
    }

    #[test]
    fn durations_are_decimal_second_strings() {
        assert_eq!(duration(12_000), "12.0");
        assert_eq!(humanized(125_000), "2 minutes, 5 seconds");
        assert_eq!(humanized(1_000), "1 second");
    }
}
