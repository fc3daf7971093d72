//! Entity tagging speed on one core: articles (JSON lines, .gz too) in,
//! tokens per second out, for the whole tagging pipeline (sentence split,
//! tokenise, features, both passes, canonical names).
//!
//!     cargo run --release --example tag_speed -- ../shared/corpus/reuters21578.jsonl.gz

use std::io::{BufRead, BufReader, Read};
use std::time::Instant;

use newsdex::analyze::canon::Aliases;
use newsdex::analyze::model::Model;
use newsdex::analyze::{EntityTagger, tokenize};

fn main() -> anyhow::Result<()> {
    let paths: Vec<String> = std::env::args().skip(1).collect();
    anyhow::ensure!(!paths.is_empty(), "usage: tag_speed FILE.jsonl[.gz]...");
    let mut articles: Vec<(String, String)> = Vec::new();
    for p in &paths {
        let file = std::fs::File::open(p)?;
        let reader: Box<dyn Read> = if p.ends_with(".gz") {
            Box::new(flate2::read::MultiGzDecoder::new(file))
        } else {
            Box::new(file)
        };
        for line in BufReader::new(reader).lines() {
            let v: serde_json::Value = serde_json::from_str(&line?)?;
            let s = |k: &str| v[k].as_str().unwrap_or("").to_string();
            articles.push((s("title"), s("body")));
        }
    }
    let tokens: usize = articles
        .iter()
        .map(|(t, b)| tokenize::tokenize(t).len() + tokenize::tokenize(b).len())
        .sum();
    let mut best = f64::MAX;
    let mut mentions = 0;
    let mut load = 0.0;
    for _ in 0..3 {
        // A fresh model each run, so its per-thread word cache starts empty
        // as in one indexing run.
        let started = Instant::now();
        let model = std::env::var_os("NEWSDEX_MODEL").unwrap_or("data/ner/model.bin".into());
        let tagger = EntityTagger {
            model: Model::load(Some(std::path::Path::new(&model)))?,
            aliases: Aliases::default(),
        };
        load = started.elapsed().as_secs_f64();
        let start = Instant::now();
        mentions = 0;
        for (t, b) in &articles {
            mentions += tagger.analyze(t, b).len();
        }
        best = best.min(start.elapsed().as_secs_f64());
    }
    println!(
        "{} articles, {tokens} tokens, {mentions} mentions; model load {:.3} s; \
         best of 3: {best:.2} s = {:.0} tokens/s on one core",
        articles.len(),
        load,
        tokens as f64 / best
    );
    Ok(())
}
