//! Criterion micro-benchmarks on the bundled sample (`data/`): the news
//! tokeniser, the search analyzer (`text_en`), the entity tagger (whole
//! analysis of an article), and the query path (parse, search, facets, one
//! page of hits). End-to-end figures
//! against other tools are made by `examples/tag_speed.rs` and the
//! benchmark scripts, not here.
//!
//!     cargo bench --bench pipeline

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use newsdex::analyze::canon::Aliases;
use newsdex::analyze::model::Model;
use newsdex::analyze::{EntityTagger, tokenize};
use newsdex::index::{IndexConfig, NewsIndex};
use newsdex::ingest::{FieldMap, Limits};
use newsdex::search::{Filters, Page, Request, Sort, search};

fn sample() -> Vec<(String, String)> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/wikinews_gum.jsonl");
    std::fs::read_to_string(path)
        .expect("data/wikinews_gum.jsonl")
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("sample is JSON lines");
            let s = |k: &str| v[k].as_str().unwrap_or("").to_string();
            (s("title"), s("body"))
        })
        .collect()
}

fn bench_tokenizer(c: &mut Criterion) {
    let articles = sample();
    let bytes: usize = articles.iter().map(|(t, b)| t.len() + b.len()).sum();
    let mut g = c.benchmark_group("tokenize");
    g.throughput(Throughput::Bytes(bytes as u64));
    g.bench_function("sample", |b| {
        b.iter(|| {
            for (t, body) in &articles {
                black_box(tokenize::tokenize(t));
                black_box(tokenize::tokenize(body));
            }
        })
    });
    g.finish();
}

/// The `text_en` analyzer that indexing runs over every title, body and
/// entity name, against tantivy's own chain of the same steps.
fn bench_search_words(c: &mut Criterion) {
    use tantivy::tokenizer::{
        AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer,
        TextAnalyzer, TokenizerManager,
    };
    let articles = sample();
    let bytes: usize = articles.iter().map(|(t, b)| t.len() + b.len()).sum();
    let manager = TokenizerManager::default();
    newsdex::schema::SchemaDecl::embedded()
        .register_analyzers(&manager)
        .expect("analyzers");
    let ours = manager.get("text_en").expect("text_en");
    let chain = TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(Stemmer::new(Language::English))
        .build();
    let mut g = c.benchmark_group("search words");
    g.throughput(Throughput::Bytes(bytes as u64));
    for (name, mut analyzer) in [("text_en", ours), ("tantivy chain", chain)] {
        g.bench_function(name, |b| {
            b.iter(|| {
                let mut n = 0;
                for (t, body) in &articles {
                    for text in [t, body] {
                        let mut stream = analyzer.token_stream(text);
                        while stream.advance() {
                            n += stream.token().text.len();
                        }
                    }
                }
                black_box(n)
            })
        });
    }
    g.finish();
}

fn bench_tagger(c: &mut Criterion) {
    let articles = sample();
    let tokens: usize = articles
        .iter()
        .map(|(t, b)| tokenize::tokenize(t).len() + tokenize::tokenize(b).len())
        .sum();
    let tagger = EntityTagger {
        model: Model::embedded().expect("embedded model"),
        aliases: Aliases::default(),
    };
    let mut g = c.benchmark_group("tagger");
    g.throughput(Throughput::Elements(tokens as u64));
    g.bench_function("analyze sample", |b| {
        b.iter(|| {
            for (t, body) in &articles {
                black_box(tagger.analyze(t, body));
            }
        })
    });
    g.finish();
}

fn bench_query(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = IndexConfig {
        dir: dir.path().join("idx"),
        inputs: vec![PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data")],
        field_map: FieldMap::default(),
        limits: Limits::default(),
        rejects: None,
        threads: 2,
        tagger: Some(EntityTagger {
            model: Model::embedded().expect("embedded model"),
            aliases: Aliases::default(),
        }),
        rebuild: false,
        commit_every: 100_000,
        progress: false,
        memory: 64 << 20,
    };
    newsdex::index::run(&config).expect("index the sample");
    let news = NewsIndex::open(&config.dir).expect("open");
    let page = Page {
        limit: 10,
        offset: 0,
        facets: vec![
            "person".into(),
            "org".into(),
            "location".into(),
            "source".into(),
        ],
        facet_size: 5,
        snippet_chars: 160,
    };
    let mut g = c.benchmark_group("query");
    for q in ["scientology", "\"human rights\"", "church OR police -court"] {
        let request = Request {
            query: Some(q.to_string()),
            any: false,
            filters: Filters::default(),
            sort: Sort::Relevance,
            recency: None,
            resolve: true,
        };
        g.bench_function(q, |b| {
            b.iter(|| {
                let compiled = request.compile(&news).expect("compile");
                black_box(search(&news, &compiled, &page).expect("search"))
            })
        });
    }
    g.finish();
}

criterion_group!(
    benches,
    bench_tokenizer,
    bench_search_words,
    bench_tagger,
    bench_query
);
criterion_main!(benches);
