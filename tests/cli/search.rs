//! `newsdex search` and `newsdex export`: ranking, filters, formats, exit
//! codes, and export round-trips.

use crate::{TestEnv, fixture, ids};

const SEED: &str = "000_5e268a1f2f6dac0e";

#[test]
fn keyword_search_ranks_the_seed_article_first() {
    let env = TestEnv::new();
    env.index_fixtures();
    let r = env.run(&["search", "Shoigu", "--format", "jsonl"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(ids(&r.stdout), [SEED]);
    let table = env.run(&["search", "Shoigu", "--facets", "source"]);
    let lines: Vec<&str> = table.stdout.lines().collect();
    assert_eq!(
        lines[0],
        "   #     score  date        source   id                    title"
    );
    assert!(lines[1].starts_with("   1  "), "{}", table.stdout);
    assert!(
        lines[1].ends_with("  Sputnik  000_5e268a1f2f6dac0e  (untitled)"),
        "{}",
        table.stdout
    );
    assert!(lines[2].contains("Sergei Shoigu"), "{}", table.stdout);
    assert_eq!(&lines[3..], ["1 hit (showing 1-1)", "source: Sputnik (1)"]);
}

#[test]
fn person_filter_and_person_field_find_the_canonical_name() {
    let env = TestEnv::new();
    env.index_fixtures();
    for args in [
        vec!["search", "--person", "Vladimir Putin", "--format", "jsonl"],
        vec!["search", "--person", "vladimir putin", "--format", "jsonl"],
        vec!["search", "person:\"Vladimir Putin\"", "--format", "jsonl"],
    ] {
        let r = env.run(&args);
        assert_eq!(r.code, 0, "{args:?}: {}", r.stderr);
        let mut got = ids(&r.stdout);
        got.sort();
        assert_eq!(got, ["000_5e268a1f2f6dac0e", "a3"], "{args:?}");
    }
    // No facet for the short form: "Putin" is resolved to the full name.
    let r = env.run(&[
        "search",
        "Putin",
        "--format",
        "json",
        "--facets",
        "person",
        "--facet-size",
        "50",
    ]);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let names: Vec<&str> = v["facets"]["person"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"Vladimir Putin"), "{names:?}");
    assert!(!names.contains(&"Putin"), "{names:?}");
    let putin = serde_json::json!({"name": "Vladimir Putin", "count": 2});
    assert!(
        v["facets"]["person"].as_array().unwrap().contains(&putin),
        "{}",
        v["facets"]
    );
}

#[test]
fn no_hits_exits_1_and_syntax_errors_exit_2_with_the_place() {
    let env = TestEnv::new();
    env.index_fixtures();
    let r = env.run(&["search", "zyzzyva"]);
    assert_eq!(r.code, 1);
    assert_eq!(r.stdout, "0 hits (none shown from offset 0)\n");
    let r = env.run(&["search", "\"unclosed"]);
    assert_eq!(r.code, 2);
    assert_eq!(
        r.stderr,
        "newsdex: query error at column 1: unclosed quote: a phrase needs a closing \"\n  \"unclosed\n  ^\n"
    );
    assert_eq!(r.stdout, "");
    let r = env.run(&["search", "oil AND (prices"]);
    assert_eq!(r.code, 2);
    assert_eq!(
        r.stderr,
        "newsdex: query error at column 9: unclosed parenthesis: ( needs a matching )\n  oil AND (prices\n          ^\n"
    );
    let r = env.run(&["search"]);
    assert_eq!(r.code, 2);
    assert_eq!(
        r.stderr,
        "newsdex: give a QUERY or a filter (--person, --org, --location, --misc, --source, --since, --until)\n"
    );
}

#[test]
fn boolean_operators_phrases_fields_and_dates() {
    let env = TestEnv::new();
    env.index_fixtures();
    let q = |query: &str| {
        let r = env.run(&["search", query, "--format", "jsonl", "--limit", "100"]);
        let mut got = ids(&r.stdout);
        got.sort();
        got
    };
    assert_eq!(q("oil prices"), ["a2"]);
    assert_eq!(q("oil OR storm"), ["a2", "c1"]);
    assert_eq!(q("storm -florida"), Vec::<String>::new());
    assert_eq!(q("\"prices fell\""), ["a2"]);
    assert_eq!(q("\"oil fell\"~1"), ["a2"]);
    assert_eq!(q("\"oil fell\""), Vec::<String>::new());
    assert_eq!(q("title:berlin"), ["a1"]);
    assert_eq!(q("source:ap"), ["42", "c1", "h0016dab7d459668b"]);
    assert_eq!(q("date:[2020-03-08 TO 2020-03-09]"), ["a2", "c1"]);
    assert_eq!(
        q("date:2020-03"),
        ["a1", "a2", "a3", "c1", "c3", "h0016dab7d459668b"]
    );
    assert_eq!(q("id:a3"), ["a3"]);
    assert_eq!(q("lisbon"), ["notes/lisbon.md"]);
}

#[test]
fn filters_without_a_query_list_newest_first() {
    let env = TestEnv::new();
    env.index_fixtures();
    let r = env.run(&[
        "search",
        "--source",
        "Reuters",
        "--source",
        "Sputnik",
        "--format",
        "jsonl",
        "--since",
        "2020-03-07",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(ids(&r.stdout), ["c3", "a3", "a2"]);
    let r = env.run(&[
        "search", "--source", "Reuters", "--sort", "date", "--format", "jsonl",
    ]);
    assert_eq!(ids(&r.stdout), ["a1", "a2", "c3"]);
    let r = env.run(&[
        "search",
        "--until",
        "2020-03",
        "--since",
        "2020-03-09",
        "--format",
        "jsonl",
    ]);
    assert_eq!(ids(&r.stdout), ["c3", "a3", "h0016dab7d459668b", "a2"]);
    let r = env.run(&["search", "--since", "yesterday"]);
    assert_eq!(r.code, 2);
    assert_eq!(
        r.stderr,
        "newsdex: --since: \"yesterday\" is not a day, month or year (2020-03-06, 2020-03, 2020)\n"
    );
}

#[test]
fn export_writes_every_hit_and_round_trips() {
    let env = TestEnv::new();
    env.index_fixtures();
    let total = {
        let r = env.run(&["search", "the", "--format", "json"]);
        let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
        v["total"].as_u64().unwrap() as usize
    };
    assert!(total >= 5);
    let csv = env.run(&["export", "the", "--format", "csv"]);
    assert_eq!(csv.code, 0, "{}", csv.stderr);
    assert!(csv.stdout.starts_with(
        "id,score,rank,date,source,title,url,category,person,org,location,misc,snippet\r\n"
    ));
    let mut reader = csv::Reader::from_reader(csv.stdout.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), total);
    let jsonl = env.run(&["export", "the", "--format", "jsonl"]);
    let mut lines = jsonl.stdout.lines();
    let meta: serde_json::Value = serde_json::from_str(lines.next().unwrap()).unwrap();
    assert_eq!(
        (meta["type"].as_str(), meta["hits"].as_u64()),
        (Some("meta"), Some(total as u64))
    );
    let objs: Vec<serde_json::Value> = lines.map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(objs.len(), total);
    for (i, (row, obj)) in rows.iter().zip(&objs).enumerate() {
        assert_eq!(row[0], *obj["id"].as_str().unwrap());
        assert_eq!(
            row[1].parse::<f64>().unwrap(),
            obj["score"].as_f64().unwrap()
        );
        assert_eq!(row[2], (i + 1).to_string());
        assert_eq!(row[5], *obj["title"].as_str().unwrap());
        let persons: Vec<&str> = obj["person"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_str().unwrap())
            .collect();
        assert_eq!(row[8], persons.join("; "));
    }
    // Best first, ties by id.
    for w in objs.windows(2) {
        let (a, b) = (
            w[0]["score"].as_f64().unwrap(),
            w[1]["score"].as_f64().unwrap(),
        );
        assert!(a > b || (a == b && w[0]["id"].as_str() < w[1]["id"].as_str()));
    }
    // To a file: the same bytes, and nothing left half-written.
    let out = env.path("hits.csv");
    let r = env.run(&[
        "export",
        "the",
        "--format",
        "csv",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0);
    assert_eq!(std::fs::read_to_string(&out).unwrap(), csv.stdout);
    assert_eq!(
        r.stderr,
        format!("newsdex: wrote {total} hits to {}\n", out.display())
    );
    // Again over it, shorter: the new rows replace the old ones whole.
    let ids = env.run(&["export", "the", "--fields", "id"]);
    let args = [
        "export",
        "the",
        "--fields",
        "id",
        "-o",
        out.to_str().unwrap(),
    ];
    let r = env.run(&args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(std::fs::read_to_string(&out).unwrap(), ids.stdout);
    assert!(ids.stdout.len() < csv.stdout.len());
    assert!(!env.path("hits.csv.partial").exists());
    let r = env.run(&["export", "zyzzyva"]);
    assert_eq!(
        (r.code, r.stdout.as_str()),
        (
            1,
            "id,score,rank,date,source,title,url,category,person,org,location,misc,snippet\r\n"
        )
    );
}

#[test]
fn export_fields_and_tsv() {
    let env = TestEnv::new();
    env.index_fixtures();
    let r = env.run(&[
        "export",
        "storm",
        "--format",
        "tsv",
        "--fields",
        "id,date,title,body",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "id\tdate\ttitle\tbody\nc1\t2020-03-08T00:00:00Z\tStorm hits Florida\tA storm hit Florida on Sunday. Thousands lost power, the governor said.\n"
    );
    // A column may be asked for more than once, even more times than
    // there are columns.
    let many = vec!["id"; 16].join(",");
    let r = env.run(&["export", "storm", "--format", "tsv", "--fields", &many]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stdout,
        format!(
            "{}\n{}\n",
            vec!["id"; 16].join("\t"),
            vec!["c1"; 16].join("\t")
        )
    );
    let r = env.run(&["export", "storm", "--fields", "id,words"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .starts_with("newsdex: --fields: unknown field \"words\""),
        "{}",
        r.stderr
    );
}

#[test]
fn export_into_a_closed_pipe_ends_quietly() {
    let env = TestEnv::new();
    let mut input = String::new();
    for i in 0..3000 {
        input.push_str(&format!("{{\"id\":\"n{i}\",\"title\":\"Common title {i}\",\"body\":\"the same words again and again {i}\"}}\n"));
    }
    let r = env.run_stdin(&["index", "-", "--quiet", "--no-entities"], &input);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let bin = env!("CARGO_BIN_EXE_newsdex");
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("'{bin}' --index '{}' export the --format jsonl | head -1; echo \"exit=${{PIPESTATUS:-$?}}\"", env.index_dir()))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.starts_with("{\"type\":\"meta\","), "{stdout}");
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
    let status = std::process::Command::new("bash")
        .arg("-c")
        .arg(format!(
            "set -o pipefail; '{bin}' --index '{}' export the --format csv | head -2 >/dev/null",
            env.index_dir()
        ))
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(0));
}

#[test]
fn stats_describe_the_index() {
    let env = TestEnv::new();
    env.index_fixtures();
    let r = env.run(&["stats", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["articles"], 10);
    assert_eq!(v["dated"], 6);
    assert_eq!(v["first_date"], "2020-03-06T00:00:00Z");
    assert_eq!(v["last_date"], "2020-03-11T00:00:00Z");
    assert_eq!(v["schema_version"], 3);
    assert_eq!(
        v["facets"]["source"]["top"][0],
        serde_json::json!({"name": "AP", "count": 3})
    );
    let _ = fixture("corpus");
}

#[test]
fn entities_lists_canonical_names_with_surface_forms() {
    let env = TestEnv::new();
    env.index_fixtures();
    let r = env.run(&["entities", "--type", "person", "--format", "json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["articles"], 10);
    let top = v["person"]["top"].as_array().unwrap();
    let putin = top
        .iter()
        .find(|e| e["name"] == "Vladimir Putin")
        .expect("Vladimir Putin listed");
    assert_eq!(putin["articles"], 2);
    let variants: Vec<&str> = putin["variants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert!(
        variants.contains(&"Putin") && variants.contains(&"Vladimir Putin"),
        "{variants:?}"
    );
    assert!(top.iter().all(|e| e["name"] != "Putin"));
    let q = env.run(&["entities", "oil", "--type", "org", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&q.stdout).unwrap();
    assert_eq!(v["articles"], 1);
    let bad = env.run(&["entities", "--type", "people"]);
    assert_eq!(bad.code, 2);
    assert_eq!(
        bad.stderr,
        "newsdex: --type: unknown type \"people\"; types are person, org, location, misc\n"
    );
}

#[test]
fn export_to_a_full_disk_fails_loudly() {
    let env = TestEnv::new();
    env.index_fixtures();
    let bin = env!("CARGO_BIN_EXE_newsdex");
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "'{bin}' --index '{}' export the --fields body > /dev/full",
            env.index_dir()
        ))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("newsdex: ") && stderr.contains("No space left on device"),
        "{stderr}"
    );
}

/// The top of a ranked list is the same whether every hit is collected
/// (no limit) or only the best ones (a limit, relevance order), ties
/// included: identical articles score the same and are ordered by id.
#[test]
fn a_limited_ranking_is_the_top_of_the_full_one_ties_included() {
    let env = TestEnv::new();
    let mut corpus = String::new();
    let texts = [
        "oil prices rose as oil output fell",
        "oil and gas",
        "prices of gas fell in the oil market",
        "the market for oil",
    ];
    for i in 0..60 {
        // Groups of identical articles: equal scores everywhere.
        let text = texts[i % texts.len()];
        corpus.push_str(&format!(
            "{{\"id\":\"d{:02}\",\"title\":\"t\",\"body\":\"{text} {}\"}}\n",
            (i * 37) % 60,
            if i % 7 == 0 { "oil" } else { "" }
        ));
    }
    let r = env.run_stdin(&["index", "-", "--quiet", "--no-entities"], &corpus);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let queries = env.path("q.txt");
    std::fs::write(&queries, "oil\noil prices\ngas OR market\nthe\n").unwrap();
    let q = queries.to_str().unwrap();
    let all = env.run(&["batch", q, "--format", "trec"]);
    assert_eq!(all.code, 0, "{}", all.stderr);
    for limit in [1, 3, 5, 16] {
        let top = env.run(&[
            "batch",
            q,
            "--format",
            "trec",
            "--limit",
            &limit.to_string(),
        ]);
        assert_eq!(top.code, 0, "{}", top.stderr);
        let mut expected = String::new();
        for qid in ["1", "2", "3", "4"] {
            for line in all
                .stdout
                .lines()
                .filter(|l| l.split(' ').next() == Some(qid))
                .take(limit)
            {
                expected.push_str(line);
                expected.push('\n');
            }
        }
        assert_eq!(top.stdout, expected, "limit {limit}");
    }
    // search pages: the same order, whatever the page.
    let full = env.run(&[
        "search", "oil", "--format", "jsonl", "--limit", "60", "--facets", "none",
    ]);
    let ids = |s: &str| -> Vec<String> {
        s.lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter_map(|v| v["id"].as_str().map(String::from))
            .collect()
    };
    let full = ids(&full.stdout);
    let page = env.run(&[
        "search", "oil", "--format", "jsonl", "--limit", "4", "--offset", "4", "--facets", "none",
    ]);
    assert_eq!(ids(&page.stdout), full[4..8].to_vec());
}

/// Hits tied on score are ordered by id, byte by byte, whichever segment
/// holds them: export and search alike.
#[test]
fn ties_are_ordered_by_id_across_segments() {
    let env = TestEnv::new();
    let short = [
        ["m7", "b10", "z", "a2", "B1"],
        ["b9", "a10", "m70", "A", "z0"],
        ["a", "b1", "m", "b", "aa"],
    ];
    // Ids that share a long prefix and then the same 8 bytes (in two
    // segments, in an order the wrong way round whichever segment comes
    // first), or end inside them: gas.
    let long = [
        [
            "wire-2024-03-0000010000000A",
            "wire-2024-03-0000010000000D",
            "wire-2024-03-000001é",
        ],
        [
            "wire-2024-03-0000010000000B",
            "wire-2024-03-0000010000000C",
            "wire-2024-03-0000011",
        ],
        [
            "wire-2024-03-00000100",
            "wire-2024-03-000001 z",
            "wire-2024-03-00000",
        ],
    ];
    // One index run per list: a segment each.
    for (list, long) in short.iter().zip(&long) {
        let mut corpus = String::new();
        for (id, body) in list
            .iter()
            .map(|id| (id, "oil"))
            .chain(long.iter().map(|id| (id, "gas")))
        {
            corpus.push_str(&format!(
                "{{\"id\":\"{id}\",\"title\":\"t\",\"body\":\"{body}\"}}\n"
            ));
        }
        let r = env.run_stdin(&["index", "-", "--quiet", "--no-entities"], &corpus);
        assert_eq!(r.code, 0, "{}", r.stderr);
    }
    let mut want: Vec<&str> = short.iter().flatten().copied().collect();
    want.sort();
    let export = env.run(&["export", "oil", "--format", "csv", "--fields", "id"]);
    assert_eq!(export.code, 0, "{}", export.stderr);
    let got: Vec<&str> = export.stdout.lines().skip(1).collect();
    assert_eq!(got, want);
    let mut want_long: Vec<String> = long.iter().flatten().map(|id| id.to_string()).collect();
    want_long.sort();
    let export = env.run(&["export", "gas", "--format", "jsonl", "--fields", "id"]);
    assert_eq!(export.code, 0, "{}", export.stderr);
    // After the provenance line.
    let rows = export.stdout.split_once('\n').unwrap().1;
    assert_eq!(ids(rows), want_long);
    let search = env.run(&[
        "search", "oil", "--format", "jsonl", "--limit", "6", "--facets", "none",
    ]);
    assert_eq!(search.code, 0, "{}", search.stderr);
    assert_eq!(ids(&search.stdout), want[..6]);
}

/// Export formats rows in parallel, in chunks written in rank order: over
/// more hits than one round of chunks (16,384), with runs of tied scores
/// (ordered by id) across chunk boundaries, its rows are byte for byte the
/// rows `search` writes one at a time.
#[test]
fn a_parallel_export_equals_the_sequential_search_rows() {
    let env = TestEnv::new();
    let mut corpus = String::new();
    for i in 0..17_000 {
        let oil = "oil ".repeat(i % 5 + 1);
        corpus.push_str(&format!(
            "{{\"id\":\"d{i}\",\"title\":\"Story {i}, \\\"quoted\\\"\",\"body\":\"{oil}word{}\",\"date\":\"2020-01-{:02}\"}}\n",
            i % 3,
            i % 28 + 1
        ));
    }
    let r = env.run_stdin(&["index", "-", "--quiet", "--no-entities"], &corpus);
    assert_eq!(r.code, 0, "{}", r.stderr);
    for format in ["csv", "tsv", "jsonl"] {
        let export = env.run(&[
            "export",
            "oil",
            "--format",
            format,
            "--fields",
            "rank,id,score,date,title",
        ]);
        assert_eq!(export.code, 0, "{}", export.stderr);
        let lines: Vec<&str> = export.stdout.lines().collect();
        // After the header (CSV, TSV) or the provenance line (JSONL).
        let rows = &lines[1..];
        assert_eq!(rows.len(), 17_000, "{format}");
        // Ranks count up without a gap across chunks and rounds.
        for (i, row) in rows.iter().enumerate() {
            let rank = match format {
                "jsonl" => serde_json::from_str::<serde_json::Value>(row).unwrap()["rank"]
                    .as_u64()
                    .unwrap() as usize,
                "tsv" => row.split('\t').next().unwrap().parse().unwrap(),
                _ => row.split(',').next().unwrap().parse().unwrap(),
            };
            assert_eq!(rank, i + 1, "{format}: {row}");
        }
    }
    let export = env.run(&["export", "oil", "--format", "csv"]);
    let search = env.run(&["search", "oil", "--limit", "20000", "--format", "csv"]);
    assert_eq!(search.code, 0, "{}", search.stderr);
    assert!(export.stdout.len() > 1_000_000);
    assert!(
        export.stdout == search.stdout,
        "export and search rows differ"
    );
}

/// A `date:` clause scores the same in every segment: where every article
/// of a segment was in the range, it used to score 0 (tantivy drops an
/// all-documents clause), elsewhere 1, so equal articles ranked apart.
#[test]
fn a_date_clause_scores_the_same_in_every_segment() {
    let env = TestEnv::new();
    let article = |id: &str, date: &str| {
        format!(r#"{{"id":"{id}","title":"Oil","body":"oil prices rose","date":"{date}"}}"#)
    };
    let first = env.path("first.jsonl");
    std::fs::write(
        &first,
        [article("a", "2020-03-01"), article("b", "2020-03-02")].join("\n"),
    )
    .unwrap();
    let second = env.path("second.jsonl");
    std::fs::write(
        &second,
        [article("c", "2020-03-03"), article("d", "2021-01-01")].join("\n"),
    )
    .unwrap();
    for f in [&first, &second] {
        let r = env.run(&["index", f.to_str().unwrap(), "--no-entities", "--quiet"]);
        assert_eq!(r.code, 0, "{}", r.stderr);
    }
    let r = env.run(&[
        "search",
        "oil date:2020",
        "--format",
        "jsonl",
        "--facets",
        "none",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let hits: Vec<serde_json::Value> = r
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(ids(&r.stdout), ["a", "b", "c"]);
    let scores: Vec<f64> = hits.iter().map(|h| h["score"].as_f64().unwrap()).collect();
    assert!(scores.iter().all(|s| *s == scores[0]), "{scores:?}");
    let bare = env.run(&["search", "oil", "--format", "jsonl", "--facets", "none"]);
    let bare: serde_json::Value =
        serde_json::from_str(bare.stdout.lines().next().unwrap()).unwrap();
    let bare = bare["score"].as_f64().unwrap();
    assert!((scores[0] - bare - 1.0).abs() < 1e-3, "{scores:?} {bare}");
}

#[test]
fn dates_beyond_what_an_index_holds_neither_wrap_nor_crash() {
    let env = TestEnv::new();
    let corpus = env.path("old.jsonl");
    std::fs::write(
        &corpus,
        "{\"id\":\"new\",\"body\":\"grain\",\"date\":\"2020-01-02\"}\n\
         {\"id\":\"old\",\"body\":\"grain\",\"date\":\"1500-06-01\"}\n",
    )
    .unwrap();
    let r = env.run(&["index", corpus.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains(
            "field date: \"1500-06-01\" is outside the years 1678 to 2261 an index can hold; article kept undated"
        ),
        "{}",
        r.stderr
    );
    for (since, until, want) in [
        ("1000", "3000", vec!["new"]),
        ("1000", "1600", vec![]),
        ("2500", "9999", vec![]),
    ] {
        let args = [
            "search", "grain", "--since", since, "--until", until, "--format", "jsonl",
        ];
        let r = env.run(&args);
        assert_eq!(
            r.code,
            if want.is_empty() { 1 } else { 0 },
            "{since}..{until}: {}",
            r.stderr
        );
        assert_eq!(ids(&r.stdout), want, "{since}..{until}");
    }
}
