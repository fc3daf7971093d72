//! Gazetteers: lists of names, added to the lexicon for training. A folder
//! of files named `TYPE.NAME.txt` gives each entity type its own list
//! (classes 0..=3); `--gazetteer CLASS=FILE` adds any list (.gz too) to a
//! class of its own, so the tagger learns how far to trust each source.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::analyze::lexicon::{GAZETTEER_CLASSES, Lexicon};
use crate::analyze::{EntityType, tokenize};
use crate::error::Error;

/// Reads gazetteers: files named TYPE.NAME.txt (TYPE: person, org,
/// location, misc), one name per line, `#` comments. Returns the number of
/// names added.
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
        n += load_list(&p, kind as u8, lexicon)?;
    }
    Ok(n)
}

/// Named lists (`CLASS=FILE`) as (class, file): classes after the four
/// types', in order of each class's first appearance; files naming the
/// same class share it.
pub fn parse_named_lists(specs: &[String]) -> anyhow::Result<Vec<(u8, PathBuf)>> {
    let mut classes: Vec<&str> = Vec::new();
    let mut out = Vec::new();
    for spec in specs {
        let Some((class, file)) = spec.split_once('=') else {
            anyhow::bail!("--gazetteer {spec}: expected CLASS=FILE");
        };
        let k = match classes.iter().position(|c| *c == class) {
            Some(k) => k,
            None => {
                classes.push(class);
                classes.len() - 1
            }
        };
        let class_id = 4 + k;
        if class_id >= GAZETTEER_CLASSES as usize {
            anyhow::bail!(
                "--gazetteer {spec}: at most {} named classes",
                GAZETTEER_CLASSES - 4
            );
        }
        out.push((class_id as u8, PathBuf::from(file)));
    }
    Ok(out)
}

/// Adds the lists [`parse_named_lists`] gave; returns the number of names.
pub fn load_named_lists(lists: &[(u8, PathBuf)], lexicon: &mut Lexicon) -> anyhow::Result<usize> {
    let mut n = 0;
    for (class, file) in lists {
        n += load_list(file, *class, lexicon)?;
    }
    Ok(n)
}

/// One list, one name per line (`#` comments, gzip when named .gz; bytes
/// that are not UTF-8 read as U+FFFD), into class `class`.
fn load_list(path: &Path, class: u8, lexicon: &mut Lexicon) -> anyhow::Result<usize> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let reader: Box<dyn Read> = if path.extension().is_some_and(|e| e == "gz") {
        Box::new(flate2::read::MultiGzDecoder::new(file))
    } else {
        Box::new(file)
    };
    let mut n = 0;
    for line in BufReader::new(reader).split(b'\n') {
        let line = line.map_err(|e| Error::io(path, e))?;
        let line = String::from_utf8_lossy(&line);
        let line = line.trim().trim_start_matches('\u{feff}');
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let toks: Vec<String> = tokenize::tokenize(line)
            .iter()
            .map(|t| line[t.start..t.end].to_lowercase())
            .collect();
        lexicon.add_to_class(class, &toks);
        n += 1;
    }
    Ok(n)
}
