//! `newsdex ner`: tag, eval and train on small hand-written fixtures.

use crate::{TestEnv, fixture};

#[test]
fn train_is_reproducible_and_eval_scores_as_conlleval() {
    let env = TestEnv::new();
    let conll = fixture("conll/tiny.conll");
    let m1 = env.path("m1.bin");
    let m2 = env.path("m2.bin");
    for m in [&m1, &m2] {
        let r = env.run(&[
            "ner",
            "train",
            "--train",
            &conll,
            "--dev",
            &conll,
            "-o",
            m.to_str().unwrap(),
            "--epochs",
            "4",
            "--lexicon",
            "none",
            "--gazetteers",
            "none",
        ]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert!(r.stdout.contains("pass 1 epoch  1:"), "{}", r.stdout);
    }
    assert_eq!(
        std::fs::read(&m1).unwrap(),
        std::fs::read(&m2).unwrap(),
        "same data and seed, same model bytes"
    );
    let r = env.run(&["ner", "eval", &conll, "--model", m1.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "processed 22 tokens with 7 phrases; found: 7 phrases; correct: 7.\n\
         type   precision  recall      F1   gold predicted correct\n\
         LOC       1.0000  1.0000  1.0000      2         2       2\n\
         MISC      1.0000  1.0000  1.0000      1         1       1\n\
         ORG       1.0000  1.0000  1.0000      2         2       2\n\
         PER       1.0000  1.0000  1.0000      2         2       2\n\
         micro     1.0000  1.0000  1.0000      7         7       7\n"
    );
}

#[test]
fn tag_conll_appends_the_predicted_tag() {
    let env = TestEnv::new();
    let conll = fixture("conll/tiny.conll");
    let r = env.run(&["ner", "tag", "--conll", &conll]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let input = std::fs::read_to_string(&conll).unwrap();
    let token_lines: Vec<&str> = input
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with("-DOCSTART-"))
        .collect();
    let out_lines: Vec<&str> = r
        .stdout
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with("-DOCSTART-"))
        .collect();
    assert_eq!(out_lines.len(), token_lines.len());
    for (a, b) in token_lines.iter().zip(&out_lines) {
        let (prefix, tag) = b.rsplit_once(' ').unwrap();
        assert_eq!(prefix, *a);
        assert!(
            tag == "O" || tag.starts_with("B-") || tag.starts_with("I-"),
            "{tag}"
        );
    }
    assert!(
        out_lines[0].ends_with("B-PER") && out_lines[1].ends_with("I-PER"),
        "{}",
        r.stdout
    );
}

#[test]
fn tag_articles_gives_canonical_names_and_char_offsets() {
    let env = TestEnv::new();
    let seed = fixture("corpus/seed.jsonl");
    let r = env.run(&["ner", "tag", &seed]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(r.stdout.trim()).unwrap();
    assert_eq!(v["id"], "000_5e268a1f2f6dac0e");
    let body: Vec<char> = {
        let line = std::fs::read_to_string(&seed).unwrap();
        let a: serde_json::Value = serde_json::from_str(&line).unwrap();
        a["body"].as_str().unwrap().chars().collect()
    };
    let mut persons = std::collections::BTreeSet::new();
    let mut locations = std::collections::BTreeSet::new();
    let mut orgs = std::collections::BTreeSet::new();
    for e in v["entities"].as_array().unwrap() {
        let (s, t) = (
            e["start"].as_u64().unwrap() as usize,
            e["end"].as_u64().unwrap() as usize,
        );
        let text: String = body[s..t].iter().collect();
        assert_eq!(
            text.split_whitespace().collect::<Vec<_>>().join(" "),
            e["text"].as_str().unwrap()
        );
        let canonical = e["canonical"].as_str().unwrap().to_string();
        match e["type"].as_str().unwrap() {
            "person" => {
                persons.insert(canonical);
            }
            "location" => {
                locations.insert(canonical);
            }
            "org" => {
                orgs.insert(canonical);
            }
            _ => {}
        }
    }
    for p in [
        "Sergei Shoigu",
        "Bashar Assad",
        "Vladimir Putin",
        "Recep Tayyip Erdogan",
    ] {
        assert!(persons.contains(p), "{p} in {persons:?}");
    }
    for short in ["Putin", "Assad", "Shoigu"] {
        assert!(!persons.contains(short), "{short} in {persons:?}");
    }
    for l in ["Moscow", "Syria", "Damascus", "Idlib", "Russia"] {
        assert!(locations.contains(l), "{l} in {locations:?}");
    }
}

#[test]
fn aliases_merge_names() {
    let env = TestEnv::new();
    let input = "{\"id\":\"x\",\"body\":\"The HTS group and Hayat Tahrir al-Sham fighters clashed with Syrian troops near Idlib.\"}\n";
    let r = env.run_stdin(
        &["ner", "tag", "-", "--aliases", &fixture("aliases.csv")],
        input,
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(r.stdout.trim()).unwrap();
    for e in v["entities"].as_array().unwrap() {
        if e["text"] == "HTS" {
            assert_eq!(e["canonical"], "Hayat Tahrir al-Sham");
        }
    }
    let bad = env.path("bad.csv");
    std::fs::write(&bad, "canonical,alias\na,b,c\n").unwrap();
    let r = env.run_stdin(
        &["ner", "tag", "-", "--aliases", bad.to_str().unwrap()],
        input,
    );
    assert_eq!(r.code, 2);
    assert_eq!(
        r.stderr,
        format!(
            "newsdex: {}: line 2: expected two fields canonical,alias, found [\"a\", \"b\", \"c\"]\n",
            bad.display()
        )
    );
}

/// Each article's entities as `type:text=canonical`, title first.
fn entity_lines(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            let mut es = Vec::new();
            for part in ["title_entities", "entities"] {
                for e in v[part].as_array().into_iter().flatten() {
                    es.push(format!(
                        "{}:{}={}",
                        e["type"].as_str().unwrap(),
                        e["text"].as_str().unwrap(),
                        e["canonical"].as_str().unwrap()
                    ));
                }
            }
            format!("{} {}", v["id"].as_str().unwrap(), es.join(" | "))
        })
        .collect()
}

#[test]
fn tag_keeps_names_apart_in_wire_layout() {
    let env = TestEnv::new();
    let r = env.run(&["ner", "tag", &fixture("entities/defects.jsonl")]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        entity_lines(&r.stdout),
        [
            // The sign-off line is not a name.
            "signoff org:Canadian Wheat Board=Canadian Wheat Board",
            // Nor are the row labels of figure lines ("Oper", "Revs").
            "figures org:Acme Tool=Acme Tool | org:Acme Tool=Acme Tool",
            // Titles and "and" end names; portfolio words are cut.
            "runon org:European Central Bank=European Central Bank | person:Marta Kovacs=Marta Kovacs \
             | misc:Canadian=Canadian | person:Robert Lindqvist=Robert Lindqvist \
             | location:Geneva=Geneva | misc:Brazilian=Brazilian | person:Paulo Andrade=Paulo Andrade",
            // A brief wholly in capitals is tagged.
            "caps person:KOVACS=Kovacs | person:ROBERT LINDGREN=Robert Lindgren | location:OTTAWA=Ottawa \
             | person:KOVACS=Kovacs | person:ROBERT LINDGREN=Robert Lindgren | location:OTTAWA=Ottawa",
            // A first name is not the full name it begins; "Mrs" is not
            // "Michael"; brackets end a name.
            "merges person:Edmund=Edmund | person:Edmund Harcourt=Edmund Harcourt \
             | person:Michael Fairbanks=Michael Fairbanks | person:Mrs Fairbanks=Fairbanks \
             | org:Kenji=Kenji | org:Tanabe=Tanabe",
        ]
    );
}

#[test]
fn cv_holds_out_every_document_once() {
    let env = TestEnv::new();
    let conll = fixture("conll/tiny.conll");
    let args = [
        "ner",
        "cv",
        &conll,
        "--folds",
        "2",
        "--epochs",
        "2",
        "--lexicon",
        "none",
        "--gazetteers",
        "none",
        "--format",
        "json",
    ];
    let r = env.run(&args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let mut lines: Vec<&str> = r.stdout.lines().collect();
    let json: serde_json::Value = serde_json::from_str(lines.pop().unwrap()).unwrap();
    lines.sort();
    assert_eq!(lines.len(), 2);
    assert!(lines[0].starts_with("fold 1/2: ") && lines[1].starts_with("fold 2/2: "));
    assert_eq!(
        json["micro"]["gold"], 7,
        "every gold phrase of the file is held out once"
    );
    assert_eq!(json["tokens"], 22);
    assert_eq!(json["folds"].as_array().unwrap().len(), 2);
}

#[test]
fn training_flags_are_checked() {
    let env = TestEnv::new();
    let conll = fixture("conll/tiny.conll");
    let r = env.run(&["ner", "train", "--train", &conll, "-o", "m.bin"]);
    assert_eq!(r.code, 2);
    assert_eq!(
        r.stderr,
        "newsdex: --dev is needed to pick epochs (or give --fixed-epochs)\n"
    );
    let r = env.run(&[
        "ner",
        "cv",
        &conll,
        "--lexicon",
        "none",
        "--gazetteers",
        "none",
        "--gazetteer",
        "nofile",
    ]);
    assert_eq!(r.code, 2);
    assert_eq!(
        r.stderr,
        "newsdex: --gazetteer nofile: expected CLASS=FILE\n"
    );
}

#[test]
fn entities_explain_says_what_the_name_table_merged_and_why() {
    let env = TestEnv::new();
    let r = env.run(&["index", &fixture("entities/names.jsonl"), "--quiet"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let explain = |name: &str| {
        let r = env.run(&["entities", "--explain", name]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        r.stdout
    };
    assert_eq!(
        explain("kovacs"),
        "person \"Marta Kovacs\": 2 names\n\
         \x20 Marta Kovacs                      1 article  the name the entity goes by\n\
         \x20 Kovacs                            1 article  a surname: \"Marta Kovacs\" is the only person of the index it ends\n"
    );
    assert_eq!(
        explain("Opec"),
        "org \"OPEC\": 2 names\n\
         \x20 OPEC                              1 article  the name the entity goes by\n\
         \x20 Opec                              1 article  the same as \"OPEC\" but for case, periods or apostrophes\n"
    );
    assert_eq!(
        explain("US"),
        "location \"United States\": 2 names\n\
         \x20 United States                     1 article  the name the entity goes by\n\
         \x20 US                                1 article  an alias of \"United States\" in data/ner/aliases/countries.csv\n"
    );
    assert_eq!(
        explain("Lindqvist"),
        "person \"Lindqvist\" (1 article): left alone, it ends the names of several persons and \
         none is named in 5x the articles of the others together: Anna Lindqvist (1 article), \
         Robert Lindqvist (1 article)\n"
    );
    assert_eq!(
        explain("Oslo"),
        "\"Oslo\" is not merged with any other name\n"
    );
}

#[test]
fn facets_filters_and_answers_use_the_name_table_unless_no_resolve() {
    let env = TestEnv::new();
    let r = env.run(&["index", &fixture("entities/names.jsonl"), "--quiet"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let out = |args: &[&str]| {
        let r = env.run(args);
        assert_eq!(r.code, 0, "{args:?}: {}", r.stderr);
        r.stdout
    };
    let facets = |args: &[&str]| {
        let mut all = vec!["search", "--limit", "0", "--facets", "person,org,location"];
        all.extend(args);
        out(&all)
    };
    // A surname alone ("Kovacs", article n2) is the full name's article.
    assert_eq!(
        facets(&["--person", "Marta Kovacs"]),
        "2 hits (none shown from offset 0)\nperson: Marta Kovacs (2)\nlocation: Geneva (1), Vienna (1)\n"
    );
    assert_eq!(
        facets(&["person:kovacs"]),
        facets(&["--person", "Marta Kovacs"])
    );
    assert_eq!(
        facets(&["--person", "Marta Kovacs", "--no-resolve"]),
        "1 hits (none shown from offset 0)\nperson: Marta Kovacs (1)\nlocation: Geneva (1)\n"
    );
    // An alias and a variant count once under the name the entity goes by.
    assert_eq!(
        facets(&["--location", "US"]),
        "2 hits (none shown from offset 0)\norg: OPEC (2)\nlocation: United States (2), Vienna (1)\n"
    );
    assert_eq!(
        facets(&["--location", "US", "--no-resolve"]),
        "1 hits (none shown from offset 0)\norg: Opec (1)\nlocation: US (1)\n"
    );
    // An ambiguous surname stays itself.
    assert!(facets(&["oslo"]).contains("Lindqvist (1)"));
    assert!(out(&["stats"]).contains("org          2 distinct: OPEC (2)\n"));
    let entities = out(&["entities", "--type", "org"]);
    assert!(
        entities.contains("  OPEC       2 articles       3 mentions  also: Opec\n"),
        "{entities}"
    );
    let raw = out(&["entities", "--type", "org", "--no-resolve"]);
    assert!(
        raw.contains("  OPEC       1 articles       2 mentions\n"),
        "{raw}"
    );
    let pairs = out(&["cooccur", "--with", "Kovacs", "--type", "person,location"]);
    assert!(
        pairs.contains("Marta Kovacs (person)  Vienna (location)       1       2       2"),
        "{pairs}"
    );
    // An alias the index never saw finds the entity by its indexed names.
    assert_eq!(
        facets(&["--location", "United States of America"]),
        facets(&["--location", "US"])
    );
    // Exports list each entity once, under the name it goes by, from the
    // columns and from the stored documents alike.
    let r = env.run(&["index", &fixture("entities/two_forms.jsonl"), "--quiet"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        out(&["export", "envoy", "--fields", "id,location"]),
        "id,location\r\nt1,United States; Vienna\r\n"
    );
    assert_eq!(
        out(&["export", "envoy", "--fields", "id,location", "--no-resolve"]),
        "id,location\r\nt1,U.S.; USA; Vienna\r\n"
    );
    assert_eq!(
        out(&["export", "envoy", "--fields", "id,location,url"]),
        "id,location,url\r\nt1,United States; Vienna,\r\n"
    );
    // The provenance record says whether names were resolved.
    let meta = |args: &[&str]| -> serde_json::Value {
        let mut all = vec!["export", "envoy", "--format", "jsonl"];
        all.extend(args);
        serde_json::from_str(out(&all).lines().next().unwrap()).unwrap()
    };
    assert_eq!(meta(&[])["resolve_names"], true);
    assert_eq!(meta(&["--no-resolve"])["resolve_names"], false);
}
