//! The name table as lookups for searching: the name an entity goes by
//! (its group's lead), and every name it was indexed under, so facets count
//! an entity once and a filter on any of its names finds all of them.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use rustc_hash::FxHashMap;

use super::{AliasRows, NameTable, fold};
use crate::analyze::EntityType;

/// Lookups over a [`NameTable`]; empty (every name itself) when the index
/// has no table or resolution is turned off.
#[derive(Debug, Default)]
pub struct Resolver {
    /// Per type, name -> group, for the names exactly as indexed (looked
    /// up by `&str`, with no key built per lookup: facets ask for every
    /// name among the hits).
    exact: FxHashMap<EntityType, FxHashMap<String, u32>>,
    /// Per type, folded name -> group, for names as a user types them:
    /// made when first asked (a search with facets and no filter never
    /// asks), with the alias tables' names.
    folded: OnceLock<Folded>,
    /// Each group's type and names, the lead first.
    groups: Vec<(EntityType, Vec<String>)>,
    /// The alias tables [`Resolver::with_aliases`] was given.
    aliases: Vec<AliasRows>,
}

/// [`Resolver::names`]'s lookups.
#[derive(Debug, Default)]
struct Folded {
    /// Per type, folded name -> group.
    map: FxHashMap<EntityType, FxHashMap<String, u32>>,
    /// Per group, names the alias tables add.
    added: FxHashMap<u32, Vec<String>>,
}

impl Resolver {
    pub fn new(table: &NameTable) -> Resolver {
        Resolver::of_groups(
            table
                .groups
                .iter()
                .map(|g| (g.kind, g.members.iter().map(|m| m.name.clone()).collect())),
        )
    }

    /// From `names.tsv`'s lines (`type`, then the names, tab-separated);
    /// a line of an unknown type is passed over.
    pub fn from_lines(text: &str) -> Resolver {
        Resolver::of_groups(text.lines().filter_map(|line| {
            let mut fields = line.split('\t');
            let kind = EntityType::from_name(fields.next()?)?;
            Some((kind, fields.map(str::to_string).collect()))
        }))
    }

    fn of_groups(groups: impl Iterator<Item = (EntityType, Vec<String>)>) -> Resolver {
        let mut r = Resolver::default();
        for (kind, names) in groups {
            if names.is_empty() {
                continue;
            }
            let i = r.groups.len() as u32;
            let exact = r.exact.entry(kind).or_default();
            for n in &names {
                exact.insert(n.clone(), i);
            }
            r.groups.push((kind, names));
        }
        r
    }

    /// Adds the names of alias tables that the index does not hold, so
    /// that a user typing one ("USA" when only "US" was indexed) finds the
    /// entity: an alias joins the group of any of its entity's names, or,
    /// when the index has none of them in a group, its entity's names are
    /// a group searched for (and never shown: no indexed name goes by it).
    pub fn with_aliases(mut self, tables: &[AliasRows]) -> Resolver {
        self.aliases.extend(tables.iter().cloned());
        self
    }

    /// The folded names' map, and per group the names the alias tables
    /// add to it (groups past the table's are the aliases' own).
    fn folded(&self) -> &Folded {
        self.folded.get_or_init(|| {
            let mut f = Folded::default();
            for (i, (kind, names)) in self.groups.iter().enumerate() {
                let m = f.map.entry(*kind).or_default();
                for n in names {
                    m.entry(fold(n)).or_insert(i as u32);
                }
            }
            let mut next = self.groups.len() as u32;
            for t in &self.aliases {
                let Some(kind) = t.kind else { continue };
                let mut entities: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
                for (alias, canonical) in &t.rows {
                    entities
                        .entry(canonical)
                        .or_insert_with(|| vec![canonical])
                        .push(alias);
                }
                let m = f.map.entry(kind).or_default();
                for names in entities.values() {
                    let keys: Vec<String> = names.iter().map(|n| fold(n)).collect();
                    let group = match keys.iter().find_map(|k| m.get(k)) {
                        Some(&g) => g,
                        None => {
                            next += 1;
                            next - 1
                        }
                    };
                    for (k, n) in keys.into_iter().zip(names) {
                        if let std::collections::hash_map::Entry::Vacant(v) = m.entry(k) {
                            v.insert(group);
                            f.added.entry(group).or_default().push(n.to_string());
                        }
                    }
                }
            }
            f
        })
    }

    /// True when no indexed name is merged with another (names are shown
    /// and counted as indexed).
    pub fn is_empty(&self) -> bool {
        self.exact.is_empty()
    }

    /// The group of the name indexed as `name`, if it is merged with others.
    #[inline]
    pub fn group(&self, kind: EntityType, name: &str) -> Option<u32> {
        self.exact.get(&kind)?.get(name).copied()
    }

    /// The name group `g` goes by.
    pub fn group_lead(&self, g: u32) -> &str {
        &self.groups[g as usize].1[0]
    }

    /// The name the entity indexed as `name` goes by.
    pub fn lead<'a>(&'a self, kind: EntityType, name: &'a str) -> &'a str {
        match self.group(kind, name) {
            Some(g) => self.group_lead(g),
            None => name,
        }
    }

    /// Every indexed name of the entity a user calls `name` (matched with
    /// case, periods and apostrophes folded away): its group's names, or
    /// `name` alone when it is in no group.
    pub fn names<'a>(&'a self, kind: EntityType, name: &'a str) -> Vec<&'a str> {
        let f = self.folded();
        let Some(&g) = f.map.get(&kind).and_then(|m| m.get(&fold(name))) else {
            return vec![name];
        };
        let indexed = self.groups.get(g as usize).map(|(_, n)| n.as_slice());
        let added = f.added.get(&g).map(Vec::as_slice);
        indexed
            .into_iter()
            .chain(added)
            .flatten()
            .map(String::as_str)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::names::build;

    fn resolver() -> Resolver {
        let names = [
            (EntityType::Person, "Ronald Reagan", 40),
            (EntityType::Person, "Reagan", 30),
            (EntityType::Person, "Baker", 9),
            (EntityType::Person, "James Baker", 5),
            (EntityType::Person, "Howard Baker", 4),
            (EntityType::Org, "OPEC", 20),
            (EntityType::Org, "Opec", 3),
        ]
        .map(|(k, n, c)| (k, n.to_string(), c));
        Resolver::new(&build(&names, &[]))
    }

    #[test]
    fn names_tsv_gives_the_same_lookups_as_the_table() {
        let names = [
            (EntityType::Person, "Ronald Reagan", 40),
            (EntityType::Person, "Reagan", 30),
            (EntityType::Org, "OPEC", 20),
            (EntityType::Org, "Opec", 3),
        ]
        .map(|(k, n, c)| (k, n.to_string(), c));
        let table = build(&names, &[]);
        let text = crate::names::groups_text(&table);
        assert_eq!(text, "person\tRonald Reagan\tReagan\norg\tOPEC\tOpec\n");
        let (a, b) = (Resolver::new(&table), Resolver::from_lines(&text));
        for (kind, name, _) in &names {
            assert_eq!(a.lead(*kind, name), b.lead(*kind, name));
            assert_eq!(a.names(*kind, name), b.names(*kind, name));
        }
        // A line of an unknown type or with no names is passed over.
        assert!(Resolver::from_lines("planet\tMars\nperson\n").is_empty());
    }

    #[test]
    fn a_name_goes_by_its_groups_lead_and_finds_every_member() {
        let r = resolver();
        assert_eq!(r.lead(EntityType::Person, "Reagan"), "Ronald Reagan");
        assert_eq!(r.lead(EntityType::Org, "Opec"), "OPEC");
        // Types are apart, and an ambiguous surname stays itself.
        assert_eq!(r.lead(EntityType::Org, "Reagan"), "Reagan");
        assert_eq!(r.lead(EntityType::Person, "Baker"), "Baker");
        assert_eq!(
            r.names(EntityType::Person, "ronald reagan"),
            ["Ronald Reagan", "Reagan"]
        );
        assert_eq!(r.names(EntityType::Org, "opec"), ["OPEC", "Opec"]);
        assert_eq!(r.names(EntityType::Person, "Baker"), ["Baker"]);
        assert!(Resolver::default().is_empty());
        // "US" is indexed alone; "USA", never indexed, finds it.
        let aliases = AliasRows {
            source: "test".into(),
            kind: Some(EntityType::Location),
            rows: [
                ("US", "United States"),
                ("USA", "United States"),
                ("UK", "United Kingdom"),
            ]
            .map(|(a, c)| (a.to_string(), c.to_string()))
            .to_vec(),
        };
        let r = Resolver::new(&build(&[], &[])).with_aliases(&[aliases]);
        assert!(r.is_empty());
        assert_eq!(r.lead(EntityType::Location, "US"), "US");
        assert_eq!(
            r.names(EntityType::Location, "u.s.a."),
            ["United States", "US", "USA"]
        );
        assert_eq!(r.names(EntityType::Person, "USA"), ["USA"]);
        assert_eq!(Resolver::default().lead(EntityType::Org, "Opec"), "Opec");
    }
}
