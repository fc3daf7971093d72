//! Adds the words of its gazetteer's names to a model file written before
//! model files kept them: a model file and the gazetteer folder it was
//! trained with in, the same model with those words out (its weights,
//! lexicon and gazetteer unchanged; checked: the folder's names must give
//! exactly the model's gazetteer). `newsdex ner train` writes them itself.
//!
//!     cargo run --release --example gazetteer_words -- data/ner/model.bin data/ner/gazetteers data/ner/model.bin

use newsdex::analyze::lexicon::Lexicon;
use newsdex::analyze::model::Model;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [model_path, gazetteers, out] = args.as_slice() else {
        anyhow::bail!("usage: gazetteer_words MODEL GAZETTEER_DIR OUT");
    };
    let mut model = Model::from_bytes(&std::fs::read(model_path)?)?;
    let mut names = Lexicon::default();
    let n = newsdex::train::load_gazetteers(std::path::Path::new(gazetteers), &mut names)?;
    anyhow::ensure!(
        names.gazetteer == model.lexicon.gazetteer
            && names.gazetteer_max == model.lexicon.gazetteer_max,
        "the {n} names in {gazetteers} do not give the gazetteer of {model_path}"
    );
    let before = model.version.clone();
    model.lexicon.gazetteer_words = names.gazetteer_words;
    let bytes = model.to_bytes();
    let back = Model::from_bytes(&bytes)?;
    anyhow::ensure!(back.lexicon.gazetteer_words == model.lexicon.gazetteer_words);
    std::fs::write(out, &bytes)?;
    println!(
        "{model_path} ({before}): {} words of {n} names added; wrote {out} ({})",
        model.lexicon.gazetteer_words.len(),
        back.version
    );
    Ok(())
}
