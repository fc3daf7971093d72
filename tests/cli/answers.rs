//! Answers over all hits: `newsdex cooccur`, checked against a brute-force
//! count over the exported hits.

use std::collections::BTreeMap;

use crate::{TestEnv, ids};

/// (type, name) of each side -> articles with both; and the article count.
type Pairs = (BTreeMap<((String, String), (String, String)), u64>, u64);

/// (type, name) pairs in name order -> joint count, from exported hits.
fn brute_force(env: &TestEnv, query: Option<&str>) -> Pairs {
    let mut args = vec!["export"];
    args.extend(query);
    args.extend([
        "--format",
        "jsonl",
        "--fields",
        "id,person,org,location,misc",
    ]);
    let r = env.run(&args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let mut pairs = BTreeMap::new();
    let mut n = 0;
    for line in r.stdout.lines().skip(1) {
        n += 1;
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let mut ents: Vec<(String, String)> = Vec::new();
        for t in ["person", "org", "location", "misc"] {
            for name in v[t].as_array().unwrap() {
                ents.push((t.to_string(), name.as_str().unwrap().to_string()));
            }
        }
        ents.sort();
        ents.dedup();
        for i in 0..ents.len() {
            for j in i + 1..ents.len() {
                *pairs.entry((ents[i].clone(), ents[j].clone())).or_default() += 1;
            }
        }
    }
    (pairs, n)
}

fn cooccur(env: &TestEnv, query: Option<&str>) -> Pairs {
    let mut args = vec!["cooccur"];
    args.extend(query);
    args.extend(["--format", "json", "--top", "1000000"]);
    let r = env.run(&args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let side = |e: &serde_json::Value| {
        (
            e["type"].as_str().unwrap().to_string(),
            e["name"].as_str().unwrap().to_string(),
        )
    };
    let pairs = v["pairs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let (a, b) = (side(&p["a"]), side(&p["b"]));
            // The same order as the brute force: by type name, then name.
            let key = if a <= b { (a, b) } else { (b, a) };
            (key, p["joint"].as_u64().unwrap())
        })
        .collect();
    (pairs, v["articles"].as_u64().unwrap())
}

#[test]
fn cooccurrence_counts_equal_a_brute_force_count() {
    let env = TestEnv::new();
    env.index_fixtures();
    // No query counts every article: the same as a query matching all.
    for (cooccur_query, export_query) in [
        (None, "NOT zyzzyva"),
        (Some("the"), "the"),
        (Some("Putin"), "Putin"),
    ] {
        let (want, n) = brute_force(&env, Some(export_query));
        let (got, articles) = cooccur(&env, cooccur_query);
        assert_eq!(articles, n, "{cooccur_query:?}");
        assert_eq!(got, want, "{cooccur_query:?}");
        assert!(!got.is_empty());
    }
}

#[test]
fn cooccur_with_an_anchor_and_types() {
    let env = TestEnv::new();
    env.index_fixtures();
    let r = env.run(&[
        "cooccur",
        "--with",
        "vladimir putin",
        "--type",
        "person",
        "--format",
        "csv",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines[0], "type_a,a,type_b,b,joint,count_a,count_b,lift,pmi");
    assert_eq!(
        lines[1],
        "person,Vladimir Putin,person,Recep Tayyip Erdogan,2,2,2,5.0000,2.3219"
    );
    assert!(
        lines[1..]
            .iter()
            .all(|l| l.starts_with("person,Vladimir Putin,person,")),
        "{}",
        r.stdout
    );
    let none = env.run(&["cooccur", "--with", "Nobody Atall"]);
    assert_eq!(none.code, 1);
}

#[test]
fn timeline_buckets_count_every_hit_and_report_undated_ones() {
    let env = TestEnv::new();
    env.index_fixtures();
    let r = env.run(&["timeline", "--interval", "day", "--format", "csv"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "period,start,all\n2020-03-06,2020-03-06,1\n2020-03-07,2020-03-07,0\n2020-03-08,2020-03-08,1\n\
         2020-03-09,2020-03-09,1\n2020-03-10,2020-03-10,2\n2020-03-11,2020-03-11,1\nundated,,4\n"
    );
    let r = env.run(&[
        "timeline",
        "--interval",
        "week",
        "--by",
        "person",
        "--top",
        "1",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["buckets"], serde_json::json!(["2020-W10", "2020-W11"]));
    assert_eq!(v["series"][0]["counts"], serde_json::json!([2, 4]));
    assert_eq!(v["articles"], 10);
    assert_eq!(v["undated"], 4);
    // Persons among dated hits: Vladimir Putin and Recep Tayyip Erdogan in
    // one dated article each (the seed is undated); ties go by name.
    assert_eq!(v["series"][1]["name"], "Angela Merkel");
    let svg_path = env.path("t.svg");
    let r = env.run(&[
        "timeline",
        "oil OR storm",
        "--plot",
        svg_path.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "2020-03       2  ████████████████████████████████████████████████████████████\n2 articles, 0 undated (not charted)\n"
    );
    let svg = std::fs::read_to_string(&svg_path).unwrap();
    assert!(svg.starts_with("<svg ") && svg.ends_with("</svg>\n"));
    assert!(
        svg.contains("articles per month") && svg.contains(">all (2)</text>"),
        "{svg}"
    );
    let bad = env.run(&["timeline", "--plot", "chart.png"]);
    assert_eq!(bad.code, 2);
    assert_eq!(
        bad.stderr,
        "newsdex: --plot: chart.png must end in .svg (the chart is drawn as SVG)\n"
    );
}

#[test]
fn exports_carry_provenance_and_repeat_exactly() {
    let env = TestEnv::new();
    env.index_fixtures();
    let out = env.path("hits.jsonl");
    let run = || {
        let r = env.run(&[
            "export",
            "the",
            "--sort",
            "-date",
            "--source",
            "Reuters",
            "--format",
            "jsonl",
            "-o",
            out.to_str().unwrap(),
        ]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        let rows = std::fs::read_to_string(&out).unwrap();
        let meta: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(env.path("hits.jsonl.meta.json")).unwrap(),
        )
        .unwrap();
        (rows, meta)
    };
    let (rows1, meta1) = run();
    let (rows2, meta2) = run();
    assert_eq!(
        rows1, rows2,
        "same index commit, same rows in the same order"
    );
    assert!(
        !rows1.starts_with("{\"type\":\"meta\""),
        "files keep provenance in the sidecar"
    );
    assert_eq!(meta1["commit"], meta2["commit"]);
    assert_eq!(meta1["query"], "the");
    assert_eq!(meta1["sort"], "-date");
    assert_eq!(meta1["filters"]["source"], serde_json::json!(["Reuters"]));
    assert_eq!(meta1["articles"], 10);
    assert_eq!(
        meta1["hits"].as_u64().unwrap() as usize,
        rows1.lines().count()
    );
    assert_eq!(meta1["schema_version"], 3);
    assert!(meta1["model_version"].as_str().unwrap().starts_with("ner-"));
    assert_eq!(meta1["newsdex_version"], env!("CARGO_PKG_VERSION"));
    assert!(meta1["created"].as_str().unwrap().ends_with('Z'));
    // A new commit changes the commit id.
    let r = env.run_stdin(
        &["index", "-", "--quiet"],
        "{\"id\":\"z\",\"body\":\"the end\"}\n",
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let (_, meta3) = run();
    assert_ne!(meta3["commit"], meta1["commit"]);
}

#[test]
fn batch_on_several_threads_writes_what_one_thread_writes_in_file_order() {
    let env = TestEnv::new();
    env.index_fixtures();
    let file = env.path("queries.txt");
    let words = [
        "oil", "putin", "storm", "the", "florida", "zyzzyva", "prices",
    ];
    let mut text = String::new();
    for i in 0..40 {
        if i == 17 {
            text.push_str("storm AND (florida\n");
        } else {
            text.push_str(words[i % words.len()]);
            text.push('\n');
        }
    }
    std::fs::write(&file, text).unwrap();
    let file = file.to_str().unwrap();
    // With and without a limit: queries run in rounds of different sizes.
    for extra in [&["--limit", "2"][..], &[]] {
        let run = |threads: &str| {
            let mut args = vec!["batch", file, "--format", "trec", "--threads", threads];
            args.extend_from_slice(extra);
            env.run(&args)
        };
        let one = run("1");
        assert_eq!(one.code, 3, "{}", one.stderr);
        let qids: Vec<u32> = one
            .stdout
            .lines()
            .map(|l| l.split(' ').next().unwrap().parse().unwrap())
            .collect();
        assert!(qids.windows(2).all(|w| w[0] <= w[1]), "{}", one.stdout);
        assert_eq!(qids.first(), Some(&1));
        assert_eq!(qids.last(), Some(&40));
        assert!(one.stderr.contains("query 18 (line 18)"), "{}", one.stderr);
        for threads in ["2", "3"] {
            let many = run(threads);
            assert_eq!(many.code, one.code);
            assert_eq!(many.stdout, one.stdout);
            assert_eq!(many.stderr, one.stderr);
        }
    }
}

#[test]
fn batch_runs_every_query_and_reports_a_broken_one() {
    let env = TestEnv::new();
    env.index_fixtures();
    let file = env.path("queries.txt");
    std::fs::write(
        &file,
        "oil\n\n# a comment\nstorm AND (florida\nputin erdogan\nzyzzyva\n",
    )
    .unwrap();
    let r = env.run(&[
        "batch",
        file.to_str().unwrap(),
        "--format",
        "trec",
        "--tag",
        "run1",
    ]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{}", r.stdout);
    assert!(
        lines[0].starts_with("1 Q0 a2 1 ") && lines[0].ends_with(" run1"),
        "{}",
        r.stdout
    );
    let mut putin: Vec<&str> = lines[1..]
        .iter()
        .map(|l| l.split(' ').nth(2).unwrap())
        .collect();
    putin.sort();
    assert_eq!(putin, ["000_5e268a1f2f6dac0e", "a3"]);
    for l in &lines[1..] {
        let f: Vec<&str> = l.split(' ').collect();
        assert_eq!((f[0], f[1], f.len()), ("5", "Q0", 6));
    }
    assert_eq!(
        r.stderr,
        format!(
            "newsdex: query 4 (line 4) of {}: query error at column 11: unclosed parenthesis: ( needs a matching )\n  \
             storm AND (florida\n            ^\nnewsdex: batch: 3 queries run, 1 failed, 3 hits (1: 1, 5: 2, 6: 0)\n",
            file.display()
        )
    );
    // CSV input with ids, CSV output, a limit per query.
    let csv_in = env.path("q.csv");
    std::fs::write(&csv_in, "id,query\nq-oil,oil\nq-the,the\n").unwrap();
    let r = env.run(&[
        "batch",
        csv_in.to_str().unwrap(),
        "--limit",
        "1",
        "--sort",
        "-date",
        "--fields",
        "qid,rank,id,score,date,title",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "qid,rank,id,score,date,title\r\nq-oil,1,a2,6.2829,2020-03-09T08:30:00Z,Oil prices fall\r\nq-the,1,a3,0.6681,2020-03-10T12:00:00Z,Putin visits Ankara\r\n"
    );
}

#[test]
fn similar_finds_the_closest_articles_but_not_itself() {
    let env = TestEnv::new();
    env.index_fixtures();
    let r = env.run(&["similar", "a3", "--format", "jsonl"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let ids = ids(&r.stdout);
    assert_eq!(
        ids[0], "000_5e268a1f2f6dac0e",
        "the other Putin/Erdogan/Syria article first: {ids:?}"
    );
    assert!(!ids.contains(&"a3".to_string()));
    let r = env.run(&["similar", "no-such-id"]);
    assert_eq!(r.code, 2);
    assert_eq!(
        r.stderr,
        format!(
            "newsdex: no article with id \"no-such-id\" in {}\n",
            env.index_dir()
        )
    );
}

#[test]
fn recency_decays_scores_with_age() {
    let env = TestEnv::new();
    env.index_fixtures();
    let first = |args: &[&str]| {
        let r = env.run(args);
        assert_eq!(r.code, 0, "{}", r.stderr);
        let v: serde_json::Value = serde_json::from_str(r.stdout.lines().next().unwrap()).unwrap();
        (
            v["id"].as_str().unwrap().to_string(),
            v["score"].as_f64().unwrap(),
        )
    };
    let (id, _) = first(&[
        "search",
        "the",
        "--recency",
        "1h",
        "--since",
        "2020",
        "--format",
        "jsonl",
    ]);
    assert_eq!(
        id, "a3",
        "the newest dated hit wins when scores decay by half every hour"
    );
    // Undated articles keep their score (as Elasticsearch's decay functions
    // treat a missing date).
    let (id, _) = first(&["search", "the", "--recency", "1h", "--format", "jsonl"]);
    assert_eq!(id, "000_5e268a1f2f6dac0e");
    let r = env.run(&["search", "the", "--recency", "soon"]);
    assert_eq!(r.code, 2);
    assert_eq!(
        r.stderr,
        "newsdex: --recency: expected a half-life such as 30d, 12h, 2w or 1y, got \"soon\"\n"
    );
}

/// `--facets all`, which batch's help offers, counts every facet, in
/// batch as in search.
#[test]
fn facets_all_counts_every_facet_in_batch_and_search() {
    let env = TestEnv::new();
    env.index_fixtures();
    let file = env.path("q.txt");
    std::fs::write(&file, "putin\n").unwrap();
    let r = env.run(&[
        "batch",
        file.to_str().unwrap(),
        "--format",
        "jsonl",
        "--facets",
        "all",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let facets: serde_json::Value = r
        .stdout
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|l| l.get("facets").is_some())
        .unwrap();
    let s = env.run(&["search", "putin", "--format", "json", "--facets", "all"]);
    assert_eq!(s.code, 0, "{}", s.stderr);
    let s: serde_json::Value = serde_json::from_str(&s.stdout).unwrap();
    let kinds: Vec<&str> = s["facets"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        kinds,
        ["person", "org", "location", "misc", "source", "category"]
    );
    assert_eq!(facets["facets"], s["facets"]);
    let r = env.run(&["search", "putin", "--facets", "people"]);
    assert_eq!(r.code, 2);
    assert_eq!(
        r.stderr,
        "newsdex: --facets: unknown facet \"people\"; facets are person, org, location, misc, source, category (or all, or none)\n"
    );
}

#[test]
fn batch_counts_facets_and_makes_snippets_as_search_does() {
    let env = TestEnv::new();
    env.index_fixtures();
    let file = env.path("q.txt");
    std::fs::write(&file, "putin\nthe\n").unwrap();
    let r = env.run(&[
        "batch",
        file.to_str().unwrap(),
        "--format",
        "jsonl",
        "--fields",
        "qid,id,snippet,person",
        "--facets",
        "person,location",
        "--limit",
        "3",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let lines: Vec<serde_json::Value> = r
        .stdout
        .lines()
        .skip(1)
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    for (qid, query) in [("1", "putin"), ("2", "the")] {
        let s = env.run(&[
            "search",
            query,
            "--format",
            "json",
            "--limit",
            "3",
            "--facets",
            "person,location",
        ]);
        assert_eq!(s.code, 0, "{}", s.stderr);
        let s: serde_json::Value = serde_json::from_str(&s.stdout).unwrap();
        let hits: Vec<&serde_json::Value> = lines
            .iter()
            .filter(|l| l["qid"] == qid && l.get("facets").is_none())
            .collect();
        let expected = s["hits"].as_array().unwrap();
        assert_eq!(hits.len(), expected.len(), "{query}");
        for (h, e) in hits.iter().zip(expected) {
            assert_eq!(h["id"], e["id"]);
            assert_eq!(h["snippet"], e["snippet"]);
            assert_eq!(h["person"], e["entities"]["person"]);
        }
        let facets = lines
            .iter()
            .find(|l| l["qid"] == qid && l.get("facets").is_some())
            .unwrap();
        assert_eq!(facets["total"], s["total"], "{query}");
        assert_eq!(facets["facets"], s["facets"], "{query}");
    }
    let r = env.run(&["batch", file.to_str().unwrap(), "--facets", "person"]);
    assert_eq!(r.code, 2);
    assert_eq!(
        r.stderr,
        "newsdex: --facets needs --format jsonl (facet counts are a line per query)\n"
    );
}

#[test]
fn batch_default_columns_and_jsonl() {
    let env = TestEnv::new();
    env.index_fixtures();
    let file = env.path("q.txt");
    std::fs::write(&file, "oil\n").unwrap();
    let r = env.run(&["batch", file.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "qid,rank,id,score,date\r\n1,1,a2,6.2829,2020-03-09T08:30:00Z\r\n"
    );
    let r = env.run(&[
        "batch",
        file.to_str().unwrap(),
        "--format",
        "jsonl",
        "--fields",
        "qid,id,source",
    ]);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert!(lines[0].starts_with("{\"type\":\"meta\""), "{}", r.stdout);
    assert_eq!(
        lines[1],
        "{\"qid\":\"1\",\"id\":\"a2\",\"source\":\"Reuters\"}"
    );
    let r = env.run(&["batch", file.to_str().unwrap(), "--fields", "qid,body"]);
    assert_eq!(r.code, 2);
    assert_eq!(
        r.stderr,
        "newsdex: --fields: unknown field \"body\"; fields are qid, rank, id, score, date, title, source, url, snippet, person, org, location, misc\n"
    );
}
