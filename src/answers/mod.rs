//! Answers over a set of hits, beyond the ranked list: statistics of an
//! index, entity counts, co-occurring entities, timelines, similar
//! articles, and entities tagged in articles given on the command line.
//! Each takes what search or the tagger gives and returns a value the
//! command writes as a table, CSV or JSON.

pub mod cooccur;
pub mod entities;
pub mod similar;
pub mod stats;
pub mod tagged;
pub mod timeline;
