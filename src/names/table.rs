//! The name table: an index's canonical entity names (each with the number
//! of articles naming it) in, groups of names that are one entity out, each
//! member with the evidence that put it there. The rules, in order:
//!
//! 1. **Variants**: names of a type equal once case, periods and
//!    apostrophes are folded away ("OPEC"/"Opec", "U.S."/"US", "BANK OF
//!    JAPAN"/"Bank of Japan") are one; the most named form leads.
//! 2. **Aliases**: a country's names in the shipped alias table
//!    (`data/ner/aliases/countries.csv`: "United States", "US", "USA") are
//!    one place, led by its common name; a user's alias table is applied
//!    the same way and wins over every other rule.
//! 3. **Surnames**: a one-word person ("Reagan") is the person of two words
//!    or more ending in it ("Ronald Reagan") when the index names one such
//!    person, or one is named in five times as many articles as all the
//!    others together; otherwise it stays alone, and the explanation lists
//!    the candidates ("Baker": James Baker, Howard Baker).
//!
//! The table depends only on the set of (type, name, articles): the same
//! index gives the same table whatever order its articles came in.

use std::collections::BTreeMap;

use crate::analyze::EntityType;

/// Why a name is in its group.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase", tag = "rule")]
pub enum Why {
    /// The group's own name.
    Lead,
    /// The same name but for case, periods or apostrophes.
    Variant,
    /// An alias from a table (`source` names it).
    Alias { source: String },
    /// A surname of the lead; `others` are the other persons ending in it,
    /// with their articles.
    Surname { others: Vec<(String, u64)> },
}

/// One name of a group.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Member {
    pub name: String,
    pub articles: u64,
    pub why: Why,
}

/// Names that are one entity, the first member leading.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Group {
    #[serde(rename = "type")]
    pub kind: EntityType,
    pub members: Vec<Member>,
}

impl Group {
    /// The name the group goes by.
    pub fn name(&self) -> &str {
        &self.members[0].name
    }
}

/// A name left alone, with why (for `--explain`): one-word persons ending
/// several full names.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Unresolved {
    #[serde(rename = "type")]
    pub kind: EntityType,
    pub name: String,
    pub articles: u64,
    pub candidates: Vec<(String, u64)>,
}

/// Alias rows: alias -> canonical, where they come from, and the one type
/// they are for (None: every type).
#[derive(Debug, Clone, Default)]
pub struct AliasRows {
    pub source: String,
    pub kind: Option<EntityType>,
    pub rows: Vec<(String, String)>,
}

/// Every group of two names or more, and the names left unresolved.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct NameTable {
    pub groups: Vec<Group>,
    pub unresolved: Vec<Unresolved>,
}

/// The key names are folded to for rule 1: lower case, no periods or
/// apostrophes, single spaces.
pub fn fold(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for w in name.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.extend(
            w.chars()
                .filter(|c| !matches!(c, '.' | '\'' | '’'))
                .flat_map(char::to_lowercase),
        );
    }
    out
}

/// A surname rule's dominance: the leading person must be named in this
/// many times the articles of all other candidates together.
pub const DOMINANCE: u64 = 5;

/// Builds the table from (type, name, articles), `aliases` as tables whose
/// earlier entries win (the user's first).
pub fn build(names: &[(EntityType, String, u64)], aliases: &[AliasRows]) -> NameTable {
    // Rule 1 and 2: union of names by folded key, per type.
    let mut keyed: BTreeMap<(EntityType, String), Vec<(String, u64)>> = BTreeMap::new();
    for (kind, name, n) in names {
        keyed
            .entry((*kind, fold(name)))
            .or_default()
            .push((name.clone(), *n));
    }
    // (type, folded alias) -> (folded canonical, canonical as written,
    // source), for every type.
    let mut alias_of: AliasMap = BTreeMap::new();
    for table in aliases {
        let kinds = table.kind.map_or(EntityType::ALL.to_vec(), |k| vec![k]);
        for (alias, canonical) in &table.rows {
            for &k in &kinds {
                alias_of
                    .entry((k, fold(alias)))
                    .or_insert_with(|| (fold(canonical), canonical.clone(), table.source.clone()));
            }
        }
    }
    let mut groups: BTreeMap<(EntityType, String), Group> = BTreeMap::new();
    for ((kind, key), forms) in keyed {
        let (target, why) = match alias_of.get(&(kind, key.clone())) {
            Some((canonical, _, source)) if *canonical != key => (
                canonical.clone(),
                Some(Why::Alias {
                    source: source.clone(),
                }),
            ),
            _ => (key.clone(), None),
        };
        let group = groups
            .entry((kind, target.clone()))
            .or_insert_with(|| Group {
                kind,
                members: Vec::new(),
            });
        // Which member leads is decided once the group is whole.
        for (name, n) in forms {
            let why = why.clone().unwrap_or(Why::Variant);
            group.members.push(Member {
                name,
                articles: n,
                why,
            });
        }
    }
    // Each group leads with its most named form that is not an alias, else
    // with the alias table's canonical.
    for ((kind, key), g) in groups.iter_mut() {
        lead_first(g, *kind, key, &alias_of);
    }
    let mut table = NameTable::default();
    surnames(&mut groups, &mut table.unresolved);
    table.groups = groups
        .into_values()
        .filter(|g| g.members.len() > 1)
        .collect();
    table
}

/// (type, folded alias) -> (folded canonical, canonical as written, source).
type AliasMap = BTreeMap<(EntityType, String), (String, String, String)>;

/// Puts the group's leading name first: a member not there by alias (the
/// canonical's own forms), the most named, else the alias table's
/// canonical.
fn lead_first(g: &mut Group, kind: EntityType, key: &str, alias_of: &AliasMap) {
    g.members.sort_by(|a, b| {
        b.articles
            .cmp(&a.articles)
            .then_with(|| a.name.cmp(&b.name))
    });
    let own = g
        .members
        .iter()
        .position(|m| !matches!(m.why, Why::Alias { .. }));
    match own {
        Some(i) => {
            let lead = g.members.remove(i);
            g.members.insert(
                0,
                Member {
                    why: Why::Lead,
                    ..lead
                },
            );
        }
        None => {
            // Only aliases in the index: lead with the canonical's name.
            let canonical = alias_of
                .iter()
                .find(|((t, _), (k, _, _))| *t == kind && k == key)
                .map(|(_, v)| v)
                .map(|(_, c, _)| c.clone())
                .unwrap_or_else(|| g.members[0].name.clone());
            g.members.insert(
                0,
                Member {
                    name: canonical,
                    articles: 0,
                    why: Why::Lead,
                },
            );
        }
    }
}

/// Rule 3: one-word persons into the group of the full name ending in them.
fn surnames(groups: &mut BTreeMap<(EntityType, String), Group>, unresolved: &mut Vec<Unresolved>) {
    // Full names by their folded last word: (group key, articles).
    let mut by_last: BTreeMap<String, Vec<(String, u64)>> = BTreeMap::new();
    for ((kind, key), g) in groups.iter() {
        // Full names written with a capital ("of the U.S." is none).
        let capital = g.name().chars().next().is_some_and(char::is_uppercase);
        if *kind != EntityType::Person || !key.contains(' ') || !capital {
            continue;
        }
        let last = key.rsplit(' ').next().unwrap_or_default().to_string();
        let n = g.members.iter().map(|m| m.articles).sum();
        by_last.entry(last).or_default().push((key.clone(), n));
    }
    // One-word persons written with a capital ("states" is no surname).
    let singles: Vec<String> = groups
        .iter()
        .filter(|((k, key), g)| {
            *k == EntityType::Person
                && !key.contains(' ')
                && g.name().chars().next().is_some_and(char::is_uppercase)
        })
        .map(|((_, key), _)| key.clone())
        .collect();
    for single in singles {
        let Some(cands) = by_last.get(&single) else {
            continue;
        };
        let mut cands = cands.clone();
        cands.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let rest: u64 = cands[1..].iter().map(|c| c.1).sum();
        // The candidates by the names their groups go by.
        let named: Vec<(String, u64)> = cands
            .iter()
            .map(|c| {
                (
                    groups[&(EntityType::Person, c.0.clone())]
                        .name()
                        .to_string(),
                    c.1,
                )
            })
            .collect();
        let others = named[1..].to_vec();
        let g = groups
            .remove(&(EntityType::Person, single.clone()))
            .unwrap_or_else(|| Group {
                kind: EntityType::Person,
                members: Vec::new(),
            });
        if cands[0].1 >= DOMINANCE * rest.max(1) || cands.len() == 1 {
            let target = groups
                .get_mut(&(EntityType::Person, cands[0].0.clone()))
                .expect("a candidate is a group");
            for m in g.members {
                target.members.push(Member {
                    why: Why::Surname {
                        others: others.clone(),
                    },
                    ..m
                });
            }
        } else {
            for m in &g.members {
                unresolved.push(Unresolved {
                    kind: EntityType::Person,
                    name: m.name.clone(),
                    articles: m.articles,
                    candidates: named.clone(),
                });
            }
            groups.insert((EntityType::Person, single), g);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use EntityType::*;

    fn names(rows: &[(EntityType, &str, u64)]) -> Vec<(EntityType, String, u64)> {
        rows.iter()
            .map(|(k, n, c)| (*k, n.to_string(), *c))
            .collect()
    }

    fn group_of<'a>(t: &'a NameTable, kind: EntityType, name: &str) -> Option<&'a Group> {
        t.groups
            .iter()
            .find(|g| g.kind == kind && g.members.iter().any(|m| m.name == name))
    }

    fn countries() -> AliasRows {
        AliasRows {
            source: "countries".into(),
            kind: Some(Location),
            rows: vec![
                ("US".into(), "United States".into()),
                ("USA".into(), "United States".into()),
            ],
        }
    }

    #[test]
    fn variants_and_aliases_are_one_entity() {
        let t = build(
            &names(&[
                (Org, "OPEC", 50),
                (Org, "Opec", 7),
                (Location, "U.S.", 300),
                (Location, "US", 80),
                (Location, "United States", 90),
                (Location, "USA", 2),
                (Location, "Ruritania", 4),
                (Person, "U.S.", 1),
                (Person, "US", 1),
            ]),
            &[countries()],
        );
        let opec = group_of(&t, Org, "Opec").unwrap();
        assert_eq!(opec.name(), "OPEC");
        assert_eq!(opec.members[1].why, Why::Variant);
        let us = group_of(&t, Location, "U.S.").unwrap();
        assert_eq!(us.name(), "United States");
        let listed: Vec<&str> = us.members.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(listed, ["United States", "U.S.", "US", "USA"]);
        assert!(
            group_of(&t, Location, "Ruritania").is_none(),
            "alone: no group"
        );
        let person = group_of(&t, Person, "U.S.").unwrap();
        assert_eq!(person.name(), "U.S.", "country aliases are for places only");
        assert_eq!(person.members[1].why, Why::Variant);
    }

    #[test]
    fn a_surname_goes_to_the_one_full_name_the_index_supports() {
        let t = build(
            &names(&[
                (Person, "Reagan", 480),
                (Person, "Ronald Reagan", 120),
                (Person, "Nancy Reagan", 3),
                (Person, "Baker", 60),
                (Person, "James Baker", 200),
                (Person, "Howard Baker", 50),
                (Person, "Volcker", 40),
                (Person, "Paul Volcker", 90),
                (Person, "Smith", 9),
                (Person, "states", 1),
                (Person, "United States", 2),
                (Person, "of the Volcker", 2),
            ]),
            &[],
        );
        let reagan = group_of(&t, Person, "Reagan").unwrap();
        assert_eq!(reagan.name(), "Ronald Reagan");
        assert_eq!(
            reagan.members[1].why,
            Why::Surname {
                others: vec![("Nancy Reagan".into(), 3)]
            }
        );
        assert_eq!(
            group_of(&t, Person, "Volcker").unwrap().name(),
            "Paul Volcker"
        );
        assert!(
            group_of(&t, Person, "Baker").is_none(),
            "two Bakers: left alone"
        );
        assert_eq!(t.unresolved.len(), 1);
        assert_eq!(
            t.unresolved[0].candidates,
            [
                ("James Baker".to_string(), 200),
                ("Howard Baker".to_string(), 50)
            ]
        );
        assert!(group_of(&t, Person, "Smith").is_none());
        assert!(
            group_of(&t, Person, "states").is_none(),
            "lower case: no surname"
        );
    }

    #[test]
    fn the_table_does_not_depend_on_the_order_of_names() {
        let mut rows = names(&[
            (Person, "Reagan", 480),
            (Person, "Ronald Reagan", 120),
            (Org, "OPEC", 50),
            (Org, "Opec", 50),
            (Location, "US", 80),
            (Location, "United States", 90),
        ]);
        let a = build(&rows, &[countries()]);
        rows.reverse();
        assert_eq!(build(&rows, &[countries()]), a);
    }

    #[test]
    fn the_users_aliases_win() {
        let user = AliasRows {
            source: "aliases.csv".into(),
            kind: None,
            rows: vec![("US".into(), "America".into())],
        };
        let t = build(
            &names(&[
                (Location, "US", 80),
                (Location, "United States", 90),
                (Location, "America", 5),
            ]),
            &[user, countries()],
        );
        assert_eq!(group_of(&t, Location, "US").unwrap().name(), "America");
    }
}
