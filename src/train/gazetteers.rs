//! Gazetteers: lists of names by entity type, added to the lexicon for
//! training (files named `TYPE.NAME.txt`, one name per line).

use std::io::BufRead;
use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::analyze::lexicon::Lexicon;
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
