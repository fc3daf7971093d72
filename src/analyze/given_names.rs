//! The sex an honorific or a given name implies, so that a short mention
//! never goes to the full name of someone else: "Mrs Howard" is not
//! "Michael Howard". Given names from the US census lists in
//! `data/ner/names/` (a name in a list when the census finds it ten times
//! as often for that sex), built into the binary.

use std::sync::LazyLock;

use rustc_hash::FxHashSet;

/// What a mention says of a person's sex.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sex {
    #[default]
    Unknown,
    Male,
    Female,
}

impl Sex {
    /// Two mentions can be of the same person.
    pub fn agrees(self, other: Sex) -> bool {
        self == Sex::Unknown || other == Sex::Unknown || self == other
    }
}

const MALE: &str = include_str!("../../data/ner/names/male.txt");
const FEMALE: &str = include_str!("../../data/ner/names/female.txt");

static NAMES: LazyLock<(FxHashSet<&'static str>, FxHashSet<&'static str>)> =
    LazyLock::new(|| (MALE.lines().collect(), FEMALE.lines().collect()));

/// The sex the honorific opening `surface` implies ("Mrs", "Sir").
pub fn of_honorific(surface: &str) -> Sex {
    let Some(first) = surface.split_whitespace().next() else {
        return Sex::Unknown;
    };
    let first = first.trim_end_matches('.');
    let is = |list: &[&str]| super::tokenize::lowercase_is_one_of(first, list);
    if is(&[
        "mr", "sir", "lord", "king", "prince", "monsieur", "herr", "señor",
    ]) {
        Sex::Male
    } else if is(&[
        "mrs", "ms", "miss", "lady", "dame", "queen", "princess", "madame", "mme", "frau",
    ]) {
        Sex::Female
    } else {
        Sex::Unknown
    }
}

/// The sex a given name implies, as written ("Margaret").
pub fn of_given_name(name: &str) -> Sex {
    let (male, female) = &*NAMES;
    if male.contains(name) {
        Sex::Male
    } else if female.contains(name) {
        Sex::Female
    } else {
        Sex::Unknown
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn honorifics_and_given_names_say_sex() {
        assert_eq!(of_honorific("Mrs Howard"), Sex::Female);
        assert_eq!(of_honorific("Mr. Howard"), Sex::Male);
        assert_eq!(of_honorific("President Howard"), Sex::Unknown);
        assert_eq!(of_given_name("Michael"), Sex::Male);
        assert_eq!(of_given_name("Margaret"), Sex::Female);
        assert_eq!(of_given_name("Kim"), Sex::Unknown, "given to both");
        assert!(Sex::Male.agrees(Sex::Unknown) && !Sex::Male.agrees(Sex::Female));
    }
}
