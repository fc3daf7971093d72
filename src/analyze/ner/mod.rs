//! The statistical entity tagger: tokens in, BILOU labels out.
//!
//! A greedy left-to-right averaged perceptron (Ratinov & Roth 2009 style)
//! over hashed features: word forms, shapes, affixes, +-2 context, word
//! clusters and casing statistics induced from unlabelled news
//! ([`Lexicon`]), gazetteer matches, the labels already given in the
//! sentence, and the labels given earlier in the document to the same word.
//! Features are 64-bit hashes combined from per-token hashes computed once,
//! so tagging allocates nothing per feature.
//!
//! The tagger's parts, one a file: [`labels`] (the label set and spans),
//! [`hash`], [`token`] (what is known of one token), [`cache`] (work kept
//! between tokens and documents), [`features`] (templates and extraction),
//! [`weights`] (the weight table), [`decode`] (the decoding loop),
//! [`stack`] (the second pass) and `truecase` (articles wholly in capitals
//! read in their usual case).

pub mod cache;
pub mod decode;
pub mod features;
pub mod hash;
pub mod labels;
pub mod stack;
pub mod token;
mod truecase;
pub mod weights;

pub use cache::{Doc, PartSums, WordCache};
pub use decode::{
    Scorer, StaticScores, decode, decode_with, obviously_outside, redecode, static_scores,
};
pub use features::{DocHistory, History, dynamic_features, static_features};
pub use hash::hash_str;
pub use labels::{
    Label, NLABELS, O, Pos, Span, allowed, label, label_name, may_end, sentence_spans, spans, split,
};
pub use stack::{Agg, agg_features, aggregate, rereads};
pub(crate) use token::is_mixed_case;
pub use token::{TokenInfo, Written, is_caps_sentence, lower_key};
pub use weights::{Entry, Weights};
