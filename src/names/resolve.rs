//! The name table as lookups for searching: the name an entity goes by
//! (its group's lead), and every name it was indexed under, so facets count
//! an entity once and a filter on any of its names finds all of them.

use rustc_hash::FxHashMap;

use super::{NameTable, fold};
use crate::analyze::EntityType;

/// Lookups over a [`NameTable`]; empty (every name itself) when the index
/// has no table or resolution is turned off.
#[derive(Debug, Default)]
pub struct Resolver {
    /// Per type, name -> group, for the names exactly as indexed (looked
    /// up by `&str`, with no key built per lookup: facets ask for every
    /// name among the hits).
    exact: FxHashMap<EntityType, FxHashMap<String, u32>>,
    /// Per type, folded name -> group, for names as a user types them.
    folded: FxHashMap<EntityType, FxHashMap<String, u32>>,
    /// Each group's names, the lead first.
    groups: Vec<Vec<String>>,
}

impl Resolver {
    pub fn new(table: &NameTable) -> Resolver {
        let mut r = Resolver::default();
        for (i, g) in table.groups.iter().enumerate() {
            let i = i as u32;
            for m in &g.members {
                r.exact.entry(g.kind).or_default().insert(m.name.clone(), i);
                r.folded
                    .entry(g.kind)
                    .or_default()
                    .entry(fold(&m.name))
                    .or_insert(i);
            }
            r.groups
                .push(g.members.iter().map(|m| m.name.clone()).collect());
        }
        r
    }

    /// True when no name is merged with another.
    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }

    /// The name the entity indexed as `name` goes by.
    pub fn lead<'a>(&'a self, kind: EntityType, name: &'a str) -> &'a str {
        match self.exact.get(&kind).and_then(|m| m.get(name)) {
            Some(&g) => &self.groups[g as usize][0],
            None => name,
        }
    }

    /// Every indexed name of the entity a user calls `name` (matched with
    /// case, periods and apostrophes folded away): its group's names, or
    /// `name` alone when it is in no group.
    pub fn names<'a>(&'a self, kind: EntityType, name: &'a str) -> Vec<&'a str> {
        match self.folded.get(&kind).and_then(|m| m.get(&fold(name))) {
            Some(&g) => self.groups[g as usize].iter().map(String::as_str).collect(),
            None => vec![name],
        }
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
        assert_eq!(Resolver::default().lead(EntityType::Org, "Opec"), "Opec");
    }
}
