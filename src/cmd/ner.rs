//! `newsdex ner`: tag articles or CoNLL files, evaluate on CoNLL, train a
//! model, build the lexicon (clusters, casing) from unlabelled news.

use std::io::{BufRead, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Instant;

use anyhow::Context;
use serde_json::json;

use crate::analyze::canon::Aliases;
use crate::analyze::lexicon::Lexicon;
use crate::analyze::model::Model;
use crate::analyze::ner::sentence_spans;
use crate::analyze::ner::{Weights, is_caps_sentence};
use crate::analyze::{EntityTagger, EntityType, Part, tokenize};
use crate::cli::{NerCommand, NerEvalArgs, NerLexiconArgs, NerTagArgs, NerTrainArgs};
use crate::error::{Error, ExitCode};
use crate::ingest::{self, FieldMap, Format, Input, Limits};
use crate::train::clusters::Counter;
use crate::train::{self, TrainConfig, iob2_tags, read_conll};

pub fn run(c: NerCommand) -> anyhow::Result<ExitCode> {
    match c {
        NerCommand::Tag(a) => tag(a),
        NerCommand::Eval(a) => eval(a),
        NerCommand::Train(a) => train_cmd(a),
        NerCommand::Lexicon(a) => lexicon(a),
    }
}

fn tag(a: NerTagArgs) -> anyhow::Result<ExitCode> {
    let model = Model::load(a.model.as_deref())?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    if let Some(path) = &a.conll {
        let docs = read_conll(path)?;
        for d in &docs {
            for h in &d.header {
                writeln!(out, "{h} O\n")?;
            }
            let doc = d.doc();
            let labels = model.tag(&doc);
            let tags = iob2_tags(doc.words.len(), &sentence_spans(&labels, &doc.sentences));
            let mut k = 0;
            for s in &d.sentences {
                for t in s {
                    writeln!(out, "{} {}", t.line, tags[k])?;
                    k += 1;
                }
                writeln!(out)?;
            }
        }
        out.flush()?;
        return Ok(ExitCode::Success);
    }
    let aliases = match &a.aliases {
        Some(p) => Aliases::load(p)?,
        None => Aliases::default(),
    };
    let tagger = EntityTagger { model, aliases };
    let entity_json = |m: &crate::analyze::Mention| json!({"type": m.kind.name(), "text": m.text, "canonical": m.canonical, "start": m.start, "end": m.end});
    if a.text {
        let mut text = String::new();
        if a.input.as_os_str() == "-" {
            std::io::stdin().read_to_string(&mut text)?;
        } else {
            text = std::fs::read_to_string(&a.input).map_err(|e| Error::io(&a.input, e))?;
        }
        let mentions = tagger.analyze("", &text);
        let id = if a.input.as_os_str() == "-" {
            "-".to_string()
        } else {
            a.input.display().to_string()
        };
        let v = json!({"id": id, "entities": mentions.iter().map(entity_json).collect::<Vec<_>>()});
        writeln!(out, "{v}")?;
        out.flush()?;
        return Ok(ExitCode::Success);
    }
    let input = Arc::new(Input {
        path: a.input.clone(),
        name: if a.input.as_os_str() == "-" {
            "<stdin>".into()
        } else {
            a.input.display().to_string()
        },
        format: Format::Jsonl,
        gzip: a.input.extension().is_some_and(|e| e == "gz"),
        rel_id: None,
        size: 0,
    });
    let map = FieldMap::default();
    let mut errors = Vec::new();
    let mut rejected = 0u64;
    let mut io_error: Option<std::io::Error> = None;
    ingest::read_input(
        &input,
        Limits::default(),
        &Arc::new(AtomicU64::new(0)),
        &mut errors,
        &mut |raw| {
            match ingest::parse_record(&raw, &map) {
                Err(reason) => {
                    eprintln!(
                        "newsdex: rejected {}:{}: {reason}",
                        raw.input.name, raw.line
                    );
                    rejected += 1;
                }
                Ok((article, _)) => {
                    let mentions = tagger.analyze(&article.title, &article.body);
                    let body: Vec<_> = mentions
                        .iter()
                        .filter(|m| m.part == Part::Body)
                        .map(entity_json)
                        .collect();
                    let title: Vec<_> = mentions
                        .iter()
                        .filter(|m| m.part == Part::Title)
                        .map(entity_json)
                        .collect();
                    let mut v = json!({"id": article.id, "entities": body});
                    if !title.is_empty() {
                        v["title_entities"] = json!(title);
                    }
                    if let Err(e) = writeln!(out, "{v}") {
                        io_error = Some(e);
                        return false;
                    }
                }
            }
            true
        },
    );
    if let Some(e) = io_error {
        return Err(e.into());
    }
    out.flush()?;
    for e in &errors {
        eprintln!("newsdex: error: {}: {}", e.name, e.message);
    }
    Ok(if rejected > 0 || !errors.is_empty() {
        ExitCode::SomeRejected
    } else {
        ExitCode::Success
    })
}

fn eval(a: NerEvalArgs) -> anyhow::Result<ExitCode> {
    super::check_format(&a.format, &["table", "json"])?;
    let model = Model::load(a.model.as_deref())?;
    let docs = read_conll(&a.file)?;
    let started = Instant::now();
    let scores = train::evaluate(&model, &docs);
    let secs = started.elapsed().as_secs_f64();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let r4 = |x: f64| (x * 1e4).round() / 1e4;
    if a.format == "json" {
        let mut types = serde_json::Map::new();
        for (t, c) in &scores.per_type {
            types.insert(t.clone(), json!({"precision": r4(c.precision()), "recall": r4(c.recall()), "f1": r4(c.f1()), "gold": c.gold, "predicted": c.predicted, "correct": c.correct}));
        }
        let c = scores.total;
        let v = json!({
            "file": a.file.display().to_string(),
            "model": model.version,
            "tokens": scores.tokens,
            "micro": {"precision": r4(c.precision()), "recall": r4(c.recall()), "f1": r4(c.f1()), "gold": c.gold, "predicted": c.predicted, "correct": c.correct},
            "types": types,
        });
        serde_json::to_writer_pretty(&mut out, &v)?;
        writeln!(out)?;
        return Ok(ExitCode::Success);
    }
    let c = scores.total;
    writeln!(
        out,
        "processed {} tokens with {} phrases; found: {} phrases; correct: {}.",
        scores.tokens, c.gold, c.predicted, c.correct
    )?;
    writeln!(
        out,
        "{:<6} {:>9} {:>7} {:>7} {:>6} {:>9} {:>7}",
        "type", "precision", "recall", "F1", "gold", "predicted", "correct"
    )?;
    for (t, c) in &scores.per_type {
        writeln!(
            out,
            "{:<6} {:>9.4} {:>7.4} {:>7.4} {:>6} {:>9} {:>7}",
            t,
            c.precision(),
            c.recall(),
            c.f1(),
            c.gold,
            c.predicted,
            c.correct
        )?;
    }
    writeln!(
        out,
        "{:<6} {:>9.4} {:>7.4} {:>7.4} {:>6} {:>9} {:>7}",
        "micro",
        c.precision(),
        c.recall(),
        c.f1(),
        c.gold,
        c.predicted,
        c.correct
    )?;
    eprintln!(
        "newsdex: model {}, {:.0} tokens/s",
        model.version,
        scores.tokens as f64 / secs.max(1e-9)
    );
    Ok(ExitCode::Success)
}

/// Reads gazetteers: files named TYPE.NAME.txt (TYPE: person, org,
/// location, misc), one name per line, `#` comments.
pub fn load_gazetteers(dir: &Path, lexicon: &mut Lexicon) -> anyhow::Result<usize> {
    let mut n = 0;
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("reading gazetteers in {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    paths.sort();
    for p in paths {
        let name = p
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let Some(kind) = name.split('.').next().and_then(EntityType::from_name) else {
            continue;
        };
        let file = std::fs::File::open(&p).map_err(|e| Error::io(&p, e))?;
        for line in std::io::BufReader::new(file).lines() {
            let line = line.map_err(|e| Error::io(&p, e))?;
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let toks: Vec<String> = tokenize::tokenize(line)
                .iter()
                .map(|t| line[t.start..t.end].to_lowercase())
                .collect();
            lexicon.add_name(kind, &toks);
            n += 1;
        }
    }
    Ok(n)
}

fn train_cmd(a: NerTrainArgs) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let train_docs = read_conll(&a.train)?;
    let dev_docs = read_conll(&a.dev)?;
    let mut lexicon = if a.lexicon.exists() {
        let bytes = std::fs::read(&a.lexicon).map_err(|e| Error::io(&a.lexicon, e))?;
        Model::from_bytes(&bytes)
            .with_context(|| format!("reading lexicon {}", a.lexicon.display()))?
            .lexicon
    } else {
        eprintln!(
            "newsdex: no lexicon at {}: training without clusters and casing",
            a.lexicon.display()
        );
        Lexicon::default()
    };
    lexicon.gazetteer.clear();
    lexicon.gazetteer_words.clear();
    if a.gazetteers.exists() {
        let n = load_gazetteers(&a.gazetteers, &mut lexicon)?;
        println!("gazetteers: {n} names from {}", a.gazetteers.display());
    }
    println!(
        "training on {} documents, {} dev documents; lexicon: {} clustered words, {} casing entries",
        train_docs.len(),
        dev_docs.len(),
        lexicon.clusters.len(),
        lexicon.casing.len()
    );
    let config = TrainConfig {
        epochs: a.epochs,
        seed: a.seed,
        dropout: a.dropout,
    };
    let model = train::train(&train_docs, &dev_docs, lexicon, &config, &mut |line| {
        println!("{line}");
        let _ = std::io::stdout().flush();
    });
    let bytes = model.to_bytes();
    std::fs::write(&a.output, &bytes).map_err(|e| Error::io(&a.output, e))?;
    println!(
        "wrote {} ({:.1} MB, {} features, version {}) in {:.0} s; {}",
        a.output.display(),
        bytes.len() as f64 / 1e6,
        model.weights.len(),
        model.version,
        started.elapsed().as_secs_f64(),
        model.info
    );
    Ok(ExitCode::Success)
}

fn lexicon(a: NerLexiconArgs) -> anyhow::Result<ExitCode> {
    let mut counter = Counter::default();
    let map = FieldMap::default();
    for path in &a.corpus {
        let (format, gzip) = ingest::classify(path).unwrap_or((Format::Jsonl, false));
        let input = Arc::new(Input {
            path: path.clone(),
            name: path.display().to_string(),
            format,
            gzip,
            rel_id: None,
            size: 0,
        });
        let mut errors = Vec::new();
        ingest::read_input(
            &input,
            Limits::default(),
            &Arc::new(AtomicU64::new(0)),
            &mut errors,
            &mut |raw| {
                if let Ok((article, _)) = ingest::parse_record(&raw, &map) {
                    for text in [&article.title, &article.body] {
                        add_text(&mut counter, text);
                    }
                }
                true
            },
        );
        for e in errors {
            eprintln!("newsdex: error: {}: {}", e.name, e.message);
        }
        eprintln!("{}: {} tokens so far", path.display(), counter.tokens);
    }
    for path in &a.conll {
        for d in read_conll(path)? {
            for s in &d.sentences {
                let words: Vec<&str> = s.iter().map(|t| t.word.as_str()).collect();
                let caps = is_caps_sentence(&words);
                counter.add_sentence(&words, caps);
            }
        }
        eprintln!("{}: {} tokens so far", path.display(), counter.tokens);
    }
    let started = Instant::now();
    let lexicon = counter.into_lexicon(a.min_count, [64, 256, 1000], a.iterations, &mut |s| {
        eprintln!("{s} ({:.0} s)", started.elapsed().as_secs_f64());
    });
    let model = Model {
        weights: Weights::from_rows(Vec::new()),
        weights2: None,
        lexicon,
        version: String::new(),
        info: json!({"lexicon_from": a.corpus.iter().map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned())).collect::<Vec<_>>(), "min_count": a.min_count}).to_string(),
        cache: Default::default(),
    };
    let bytes = model.to_bytes();
    std::fs::write(&a.output, &bytes).map_err(|e| Error::io(&a.output, e))?;
    eprintln!(
        "wrote {} ({:.1} MB): {} clustered words, {} casing entries",
        a.output.display(),
        bytes.len() as f64 / 1e6,
        model.lexicon.clusters.len(),
        model.lexicon.casing.len()
    );
    Ok(ExitCode::Success)
}

fn add_text(counter: &mut Counter, text: &str) {
    let toks = tokenize::tokenize(text);
    let mut start = 0;
    for i in 1..=toks.len() {
        if i == toks.len() || toks[i].sent_start {
            let words: Vec<&str> = toks[start..i]
                .iter()
                .map(|t| &text[t.start..t.end])
                .collect();
            let caps = is_caps_sentence(&words);
            counter.add_sentence(&words, caps);
            start = i;
        }
    }
}
