//! Casing statistics from unlabelled text: how often each word is written
//! capitalised, bucketed for the lexicon, with its usual written form.

use std::collections::HashMap;

use rustc_hash::FxHashMap;

/// Casing counts of one lower-cased word, gathered from unlabelled text.
#[derive(Default, Clone)]
pub struct CasingCounts {
    pub lower: u32,
    pub capitalised: u32,
    pub forms: HashMap<String, u32>,
}

/// Turns casing counts into the lexicon's casing table.
pub fn casing_table(
    counts: HashMap<String, CasingCounts>,
    min: u32,
) -> FxHashMap<String, (u8, String)> {
    let mut out = FxHashMap::default();
    for (lower, c) in counts {
        let total = c.lower + c.capitalised;
        if total < min {
            continue;
        }
        let ratio = c.capitalised as f64 / total as f64;
        let bucket = match ratio {
            r if r < 0.05 => 1,
            r if r < 0.3 => 2,
            r if r < 0.7 => 3,
            r if r < 0.95 => 4,
            _ => 5,
        };
        let form = c
            .forms
            .into_iter()
            .max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(&a.0)))
            .map(|(f, _)| f)
            .unwrap_or_else(|| lower.clone());
        out.insert(lower, (bucket, form));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn casing_buckets() {
        let mut counts = HashMap::new();
        counts.insert(
            "moscow".to_string(),
            CasingCounts {
                lower: 0,
                capitalised: 50,
                forms: [("Moscow".to_string(), 50)].into(),
            },
        );
        counts.insert(
            "said".to_string(),
            CasingCounts {
                lower: 500,
                capitalised: 1,
                forms: [("Said".to_string(), 1)].into(),
            },
        );
        let table = casing_table(counts, 2);
        assert_eq!(table["moscow"], (5, "Moscow".to_string()));
        assert_eq!(table["said"].0, 1);
    }
}
