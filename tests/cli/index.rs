//! `newsdex index`: counts, rejects, warnings, upserts, versions.

use crate::{TestEnv, fixture, fixtures};

fn articles(env: &TestEnv) -> u64 {
    let r = env.run(&["stats", "--format", "json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    v["articles"].as_u64().unwrap()
}

fn summary_line(stderr: &str) -> &str {
    stderr
        .lines()
        .find(|l| l.trim_start().starts_with("read "))
        .unwrap_or_else(|| panic!("no summary in {stderr}"))
        .trim()
}

#[test]
fn index_reports_rejects_warnings_and_keeps_the_invariant() {
    let env = TestEnv::new();
    let r = env.index_fixtures();
    assert_eq!(
        summary_line(&r.stderr),
        "read 15, new 10, replaced 0, unchanged 0, rejected 5, warnings 2, ids derived 1"
    );
    let corpus = fixture("corpus");
    let warnings: Vec<&str> = r
        .stderr
        .lines()
        .filter(|l| l.starts_with("newsdex: warning:"))
        .collect();
    assert_eq!(
        warnings,
        [
            format!(
                "newsdex: warning: {corpus}/articles.jsonl:7: field id: expected a string, found the number 42; used \"42\""
            ),
            format!(
                "newsdex: warning: {corpus}/articles.jsonl:7: field date: \"sometime last week\" is not a date \
                 (RFC 3339, YYYY-MM-DD, YYYY-MM-DD HH:MM:SS, RFC 2822 or unix seconds); article kept undated"
            ),
        ]
    );
    // Every rejected record is in the rejects file, whole, with its reason.
    let rejects = std::fs::read_to_string(env.path("idx/rejects.jsonl")).unwrap();
    let rows: Vec<serde_json::Value> = rejects
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let got: Vec<(String, u64, String)> = rows
        .iter()
        .map(|v| {
            let file = v["file"]
                .as_str()
                .unwrap()
                .rsplit('/')
                .next()
                .unwrap()
                .to_string();
            (
                file,
                v["line"].as_u64().unwrap(),
                v["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let want = [
        (
            "articles.jsonl",
            2,
            "invalid JSON at column 69: EOF while parsing a string",
        ),
        (
            "articles.jsonl",
            5,
            "field body: expected a string, found an array",
        ),
        (
            "articles.jsonl",
            6,
            "no text: title and body are both missing or empty",
        ),
        (
            "articles.jsonl",
            10,
            "expected a JSON object {\"id\", \"title\", \"body\", ...}, found an array",
        ),
        (
            "wire.csv",
            4,
            "expected 5 fields (as in the header), found 3",
        ),
    ];
    let want: Vec<(String, u64, String)> = want
        .iter()
        .map(|(f, l, r)| (f.to_string(), *l, r.to_string()))
        .collect();
    assert_eq!(got, want);
    assert_eq!(
        rows[1]["raw"],
        r#"{"id": "bad2", "title": "Body as a list", "body": ["one", "two"]}"#
    );
    assert_eq!(rows[4]["raw"], "c2,Ragged row,only three fields");
    // read = indexed + rejected.
    assert_eq!(articles(&env) + rows.len() as u64, 15);
}

#[test]
fn reindexing_the_same_input_changes_nothing() {
    let env = TestEnv::new();
    env.index_fixtures();
    let again = env.index_fixtures();
    assert_eq!(
        summary_line(&again.stderr),
        "read 15, new 0, replaced 0, unchanged 10, rejected 5, warnings 2, ids derived 1"
    );
    assert_eq!(articles(&env), 10);
}

#[test]
fn an_article_with_a_known_id_is_replaced() {
    let env = TestEnv::new();
    env.index_fixtures();
    let line = r#"{"id": "a2", "title": "Oil prices rebound", "body": "Oil prices rebounded sharply.", "source": "Reuters"}"#;
    let r = env.run_stdin(&["index", "-", "--quiet"], &format!("{line}\n"));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        summary_line(&r.stderr),
        "read 1, new 0, replaced 1, unchanged 0, rejected 0, warnings 0, ids derived 0"
    );
    assert_eq!(articles(&env), 10);
    let hits = env.run(&["search", "rebounded", "--format", "jsonl"]);
    assert_eq!(hits.code, 0);
    assert!(hits.stdout.contains("\"id\":\"a2\""), "{}", hits.stdout);
    assert_eq!(env.run(&["search", "OPEC"]).code, 1, "the old text is gone");
}

#[test]
fn duplicate_ids_in_one_run_keep_the_last() {
    let env = TestEnv::new();
    let input =
        "{\"id\":\"x\",\"body\":\"first version\"}\n{\"id\":\"x\",\"body\":\"second version\"}\n";
    let r = env.run_stdin(&["index", "-", "--quiet", "--no-entities"], input);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        summary_line(&r.stderr),
        "read 2, new 1, replaced 1, unchanged 0, rejected 0, warnings 0, ids derived 0"
    );
    assert_eq!(articles(&env), 1);
    assert_eq!(env.run(&["search", "first"]).code, 1);
    assert_eq!(env.run(&["search", "second"]).code, 0);
}

#[test]
fn field_map_reads_other_keys() {
    let env = TestEnv::new();
    let input = "{\"story\":\"A story about Lisbon\",\"headline\":\"H\",\"guid\":\"g1\"}\n";
    let r = env.run_stdin(
        &[
            "index",
            "-",
            "--quiet",
            "--no-entities",
            "--field-map",
            "body=story,id=guid",
        ],
        input,
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let hit = env.run(&["search", "lisbon", "--format", "jsonl"]);
    assert!(hit.stdout.starts_with("{\"rank\":1,"), "{}", hit.stdout);
    assert!(
        hit.stdout.contains("\"id\":\"g1\",\"title\":\"H\""),
        "{}",
        hit.stdout
    );
    let bad = env.run(&["index", "-", "--field-map", "text=story"]);
    assert_eq!(bad.code, 2);
    assert_eq!(
        bad.stderr,
        "newsdex: --field-map: unknown field \"text\"; fields are id, title, body, date, source, url, category\n"
    );
}

#[test]
fn missing_input_is_an_error_before_anything_is_written() {
    let env = TestEnv::new();
    let r = env.run(&["index", "no-such-file.jsonl"]);
    assert_eq!(r.code, 2);
    assert_eq!(
        r.stderr,
        format!(
            "newsdex: indexing into {}: no-such-file.jsonl: No such file or directory (os error 2)\n",
            env.index_dir()
        )
    );
    assert!(!env.path("idx").exists());
}

#[test]
fn searching_without_an_index_says_how_to_build_one() {
    let env = TestEnv::new();
    let r = env.run(&["search", "x"]);
    assert_eq!(r.code, 2);
    let idx = env.index_dir();
    assert_eq!(
        r.stderr,
        format!(
            "newsdex: no newsdex index at {idx}: build one with `newsdex index --index {idx} PATH...` (or set NEWSDEX_INDEX)\n"
        )
    );
}

#[test]
fn an_index_of_another_schema_version_is_refused_with_the_fix() {
    let env = TestEnv::new();
    env.index_fixtures();
    let meta = env.path("idx/newsdex.json");
    let text = std::fs::read_to_string(&meta)
        .unwrap()
        .replace("\"schema_version\": 3", "\"schema_version\": 0");
    std::fs::write(&meta, text).unwrap();
    let r = env.run(&["search", "oil"]);
    assert_eq!(r.code, 2);
    let idx = env.index_dir();
    assert_eq!(
        r.stderr,
        format!(
            "newsdex: the index at {idx} has schema version 0, this newsdex reads versions 1 to 3; rebuild it: \
             `newsdex index --index {idx} --rebuild PATH...` with the original inputs\n"
        )
    );
    std::fs::write(&meta, "{not json").unwrap();
    let r = env.run(&["stats"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("damaged index metadata"), "{}", r.stderr);
}

/// A tiny index of each schema version is committed; this version must open,
/// search, export and add to each. Version 1 has no title column, so export
/// reads its stored documents; versions 2 and 3 are read from columns: the
/// same rows. Versions 1 and 2 keep facet paths in a tantivy facet field,
/// version 3 in a column only: an article added to each gets its entities.
#[test]
fn committed_schema_v1_to_v3_indexes_open_search_export_and_take_more() {
    for (version, entities) in [
        ("v1", ",,,"),
        ("v2", "Recep Tayyip Erdogan; Vladimir Putin,,Moscow,"),
        ("v3", "Recep Tayyip Erdogan; Vladimir Putin,,Moscow,"),
    ] {
        let env = TestEnv::new();
        let src = fixtures().join("compat").join(version);
        let dst = env.path("idx");
        std::fs::create_dir_all(&dst).unwrap();
        for entry in std::fs::read_dir(&src).unwrap() {
            let entry = entry.unwrap();
            std::fs::copy(entry.path(), dst.join(entry.file_name())).unwrap();
        }
        assert_eq!(articles(&env), 2);
        let r = env.run(&[
            "search",
            "ceasefire",
            "--format",
            "jsonl",
            "--facets",
            "none",
        ]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert!(r.stdout.contains("\"id\":\"compat-1\""), "{}", r.stdout);
        let r = env.run(&[
            "export",
            "NOT zyzzyva",
            "--format",
            "csv",
            "--fields",
            "id,rank,date,title,person,org,location,misc",
        ]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        let org = if version != "v1" {
            "Bank of England"
        } else {
            ""
        };
        assert_eq!(
            r.stdout,
            format!(
                "id,rank,date,title,person,org,location,misc\r\n\
                 compat-1,1,2020-03-05T00:00:00Z,Ceasefire agreed,{entities}\r\n\
                 compat-2,2,2020-03-06T00:00:00Z,Markets,,{org},,\r\n"
            ),
            "{version}"
        );
        let more = r#"{"id":"compat-3","title":"Talks","body":"Angela Merkel spoke in Berlin on Monday.","date":"2020-03-07"}"#;
        let r = env.run_stdin(&["index", "-", "--quiet"], more);
        assert_eq!(r.code, 0, "{}", r.stderr);
        let r = env.run(&["search", "merkel", "--facets", "person,location"]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert!(
            r.stdout
                .ends_with("person: Angela Merkel (1)\nlocation: Berlin (1)\n"),
            "{version}: {}",
            r.stdout
        );
    }
}

/// Export reads id, title and entities from columns when it can, and
/// from stored documents when a column needs them (source here): the
/// shared columns are the same either way, on every hit of the fixtures.
#[test]
fn export_from_columns_equals_export_from_stored_documents() {
    let env = TestEnv::new();
    env.index_fixtures();
    // A title longer than a column value can be (tantivy cuts at 65,530
    // bytes): export reads that one from the stored document.
    let long = format!(
        "{{\"id\":\"long\",\"title\":\"Oil {} end\",\"body\":\"oil\"}}\n",
        "x".repeat(70_000)
    );
    let r = env.run_stdin(&["index", "-", "--quiet", "--no-entities"], &long);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let cols = "id,score,rank,date,title,person,org,location,misc";
    let fast = env.run(&[
        "export",
        "the OR oil OR putin",
        "--format",
        "csv",
        "--fields",
        cols,
    ]);
    let stored = env.run(&[
        "export",
        "the OR oil OR putin",
        "--format",
        "csv",
        "--fields",
        &format!("{cols},source"),
    ]);
    assert_eq!(fast.code, 0, "{}", fast.stderr);
    // The first `n` columns of every row.
    let cut = |s: &str, n: usize| -> Vec<Vec<String>> {
        csv::Reader::from_reader(s.as_bytes())
            .records()
            .map(|r| r.unwrap().iter().take(n).map(String::from).collect())
            .collect()
    };
    let rows = cut(&fast.stdout, 9);
    assert!(rows.len() >= 5, "{}", fast.stdout);
    assert!(
        rows.iter().any(|r| r[4].len() == 70_008),
        "the long title is whole"
    );
    assert!(
        rows.iter().any(|r| !r[5].is_empty()),
        "some hit has persons"
    );
    assert_eq!(rows, cut(&stored.stdout, 9));
    // batch likewise: titles from the column, or stored when a column
    // needs the document (source), the long one whole either way.
    let queries = env.dir.path().join("q.txt");
    std::fs::write(&queries, "the OR oil OR putin\n").unwrap();
    let q = queries.to_str().unwrap();
    let fast = env.run(&["batch", q, "--format", "csv", "--fields", "id,title"]);
    let stored = env.run(&["batch", q, "--format", "csv", "--fields", "id,title,source"]);
    assert_eq!(fast.code, 0, "{}", fast.stderr);
    let rows = cut(&fast.stdout, 2);
    assert!(rows.len() >= 5, "{}", fast.stdout);
    assert!(
        rows.iter().any(|r| r[1].len() == 70_008),
        "the long title is whole"
    );
    assert_eq!(rows, cut(&stored.stdout, 2));
}

/// A second writer is refused while the first holds the index; searching
/// still works and sees the last commit; a killed writer's lock does not
/// block the next run.
#[test]
fn one_writer_at_a_time_and_a_killed_writer_leaves_no_lock() {
    use std::io::Write;
    use std::process::Stdio;
    let env = TestEnv::new();
    env.index_fixtures();
    let mut first = env
        .cmd(&["index", "-", "--quiet", "--no-entities"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = first.stdin.take().unwrap();
    stdin
        .write_all(b"{\"id\":\"w1\",\"body\":\"pending words\"}\n")
        .unwrap();
    stdin.flush().unwrap();
    // Wait until the first writer holds the lock, so the second one is the
    // one refused. Read /proc/locks rather than try the lock: a probe that
    // takes the lock, even for a moment, can make the writer fail.
    let lock = env.path("idx/.tantivy-writer.lock");
    let held = || {
        use std::os::unix::fs::MetadataExt;
        let Ok(meta) = std::fs::metadata(&lock) else {
            return false;
        };
        let inode = format!(":{} ", meta.ino());
        std::fs::read_to_string("/proc/locks")
            .is_ok_and(|locks| locks.lines().any(|l| l.contains(&inode)))
    };
    for _ in 0..400 {
        if held() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(25));
    }
    assert!(held(), "the first writer took the lock");
    let refused = env.run_stdin(
        &["index", "-", "--quiet", "--no-entities"],
        "{\"id\":\"w2\",\"body\":\"x\"}\n",
    );
    assert_eq!(refused.code, 2, "the second writer is refused");
    assert_eq!(
        refused.stderr,
        format!(
            "newsdex: indexing into {idx}: the index at {idx} is locked by another newsdex process that is writing to it\n",
            idx = env.index_dir()
        )
    );
    // Readers are not blocked, and see the last commit.
    let r = env.run(&["search", "oil", "--format", "jsonl"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    // Kill the writer mid-run: the index still opens, and the next run works.
    first.kill().unwrap();
    first.wait().unwrap();
    drop(stdin);
    assert_eq!(env.run(&["stats"]).code, 0);
    let r = env.run_stdin(
        &["index", "-", "--quiet", "--no-entities"],
        "{\"id\":\"w3\",\"body\":\"after the crash\"}\n",
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(env.run(&["search", "crash"]).code, 0);
}

/// Every kind of damage real corpora have, in one folder: each is reported
/// with file and line and either kept with a warning or rejected whole, and
/// read = indexed + rejected.
#[test]
fn damaged_inputs_are_reported_and_the_rest_is_indexed() {
    use std::io::Write;
    let env = TestEnv::new();
    let dir = env.path("damaged");
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    let mut lines: Vec<u8> = Vec::new();
    lines.extend_from_slice(
        b"\xEF\xBB\xBF{\"id\":\"bom\",\"body\":\"first line after a byte-order mark\"}\r\n",
    );
    lines.extend_from_slice(b"{\"id\":\"crlf\",\"body\":\"windows line end\"}\r\n");
    lines.extend_from_slice(b"{\"id\":\"nul\",\"body\":\"a raw \x00 byte\"}\n");
    lines.extend_from_slice(b"{\"id\":\"esc\",\"body\":\"an escaped \\u0000 byte\"}\n");
    lines.extend_from_slice(b"{\"id\":\"utf8\",\"body\":\"bad \xff\xfe bytes\"}\n");
    lines.extend_from_slice(
        format!("{{\"id\":\"big\",\"body\":\"{}\"}}\n", "x".repeat(5000)).as_bytes(),
    );
    lines.extend_from_slice(
        b"{\"id\":\"dup\",\"body\":\"first copy\"}\n{\"id\":\"dup\",\"body\":\"second copy\"}\n",
    );
    lines.extend_from_slice(b"{\"id\":\"types\",\"title\":7,\"body\":\"x\"}\n");
    std::fs::write(dir.join("a.jsonl"), &lines).unwrap();
    // A gzip file cut in the middle: what was read before the cut is kept.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    for i in 0..200 {
        writeln!(
            gz,
            "{{\"id\":\"gz{i}\",\"body\":\"compressed article number {i} with some words\"}}"
        )
        .unwrap();
    }
    let gz = gz.finish().unwrap();
    std::fs::write(dir.join("sub/cut.jsonl.gz"), &gz[..gz.len() / 2]).unwrap();
    std::fs::write(
        dir.join("sub/rows.csv"),
        // A third copy of "dup", in another file.
        "id,body\nr1,\"quoted\nnewline\"\nr2,ragged,row\ndup,third copy\n",
    )
    .unwrap();
    std::os::unix::fs::symlink(&dir, dir.join("sub/loop")).unwrap();
    // A file that cannot be opened (a dangling link; as root, permissions
    // would not stop us).
    std::os::unix::fs::symlink(dir.join("gone.jsonl"), dir.join("sub/unreadable.jsonl")).unwrap();
    let r = env.run(&[
        "index",
        dir.to_str().unwrap(),
        "--quiet",
        "--no-entities",
        "--max-record-bytes",
        "4096",
    ]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    let d = dir.display().to_string();
    let want_lines = [
        format!(
            "newsdex: rejected {d}/a.jsonl:3: invalid JSON at column 27: control character (\\u0000-\\u001F) found while parsing a string"
        ),
        format!("newsdex: warning: {d}/a.jsonl:4: field body: NUL characters removed"),
        format!(
            "newsdex: rejected {d}/a.jsonl:5: invalid UTF-8 at byte 26 of the line (expected UTF-8 text)"
        ),
        format!(
            "newsdex: rejected {d}/a.jsonl:6: record is 5023 bytes, over the limit of 4096 bytes (--max-record-bytes); only its first 4096 bytes are kept here"
        ),
        format!("newsdex: rejected {d}/a.jsonl:9: field title: expected a string, found a number"),
        format!(
            "newsdex: rejected {d}/sub/rows.csv:4: expected 2 fields (as in the header), found 3"
        ),
    ];
    for w in &want_lines {
        assert!(
            r.stderr.lines().any(|l| l == w),
            "missing {w:?} in\n{}",
            r.stderr
        );
    }
    assert!(
        r.stderr.lines().any(|l| l.starts_with(&format!(
            "newsdex: error: {d}/sub/cut.jsonl.gz: truncated or corrupt gzip stream after line "
        ))),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .lines()
            .any(|l| l.starts_with(&format!("newsdex: error: {d}/sub/loop"))
                && l.ends_with("symbolic link loop, not followed")),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .lines()
            .any(|l| l.starts_with(&format!("newsdex: error: {d}/sub/unreadable.jsonl"))),
        "{}",
        r.stderr
    );
    // read = indexed + rejected, and every rejected record is in the file.
    let summary = r
        .stderr
        .lines()
        .find(|l| l.trim_start().starts_with("read "))
        .unwrap()
        .trim()
        .to_string();
    let num = |key: &str| -> u64 {
        summary
            .split(", ")
            .find_map(|p| p.strip_prefix(&format!("{key} ")))
            .unwrap()
            .parse()
            .unwrap()
    };
    let (read, new, replaced, rejected) =
        (num("read"), num("new"), num("replaced"), num("rejected"));
    assert_eq!(read, new + replaced + rejected, "{summary}");
    assert_eq!(rejected, 5, "{summary}");
    assert_eq!(
        replaced, 2,
        "the duplicate id, within and across files: {summary}"
    );
    let rejects = std::fs::read_to_string(env.path("idx/rejects.jsonl")).unwrap();
    assert_eq!(rejects.lines().count(), 5);
    let v: serde_json::Value = serde_json::from_str(&articles_json(&env)).unwrap();
    assert_eq!(v["articles"].as_u64().unwrap(), new);
    assert!(new > 40, "articles before the gzip cut are kept: {summary}");
    // The kept duplicate is the last one.
    assert_eq!(env.run(&["search", "third"]).code, 0);
    assert_eq!(env.run(&["search", "second"]).code, 1);
    assert_eq!(env.run(&["search", "\"first copy\""]).code, 1);
}

fn articles_json(env: &TestEnv) -> String {
    env.run(&["stats", "--format", "json"]).stdout
}

/// Crashes at many points of a run (a failpoint aborts the process after N
/// batches, like a kill, with no clean-up): the index always opens at its
/// last commit with whole articles, and re-running the same command ends
/// with exactly the right articles, without redoing committed ones.
#[test]
fn a_crash_at_any_batch_leaves_a_usable_index_and_a_rerun_completes_it() {
    // Records per batch (`BATCH` in src/index.rs); five batches and a bit.
    const BATCH: u64 = 2048;
    const N: u64 = 5 * BATCH + 60;
    let env = TestEnv::new();
    let corpus = env.path("corpus.jsonl");
    let mut text = String::new();
    for i in 0..N {
        text.push_str(&format!(
            "{{\"id\":\"c{i}\",\"title\":\"Title {i}\",\"body\":\"body words number {i}\"}}\n"
        ));
    }
    std::fs::write(&corpus, text).unwrap();
    let corpus = corpus.to_str().unwrap();
    for crash_after in 1..=5u64 {
        let dir = env.path(&format!("idx{crash_after}"));
        let dir = dir.to_str().unwrap();
        let args = [
            "--index",
            dir,
            "index",
            corpus,
            "--quiet",
            "--no-entities",
            "--commit-every",
            "500",
        ];
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_newsdex"))
            .args(args)
            .env("NEWSDEX_CRASH_AFTER_BATCHES", crash_after.to_string())
            .output()
            .unwrap();
        assert!(!out.status.success(), "the failpoint fired");
        // The index opens; what is visible is whole.
        let stats = std::process::Command::new(env!("CARGO_BIN_EXE_newsdex"))
            .args(["--index", dir, "stats", "--format", "json"])
            .output()
            .unwrap();
        assert_eq!(
            stats.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&stats.stderr)
        );
        let v: serde_json::Value = serde_json::from_slice(&stats.stdout).unwrap();
        let visible = v["articles"].as_u64().unwrap();
        assert_eq!(
            visible,
            BATCH * crash_after,
            "every batch was committed before the crash"
        );
        let export = std::process::Command::new(env!("CARGO_BIN_EXE_newsdex"))
            .args([
                "--index", dir, "export", "body", "--format", "csv", "--fields", "id,title",
            ])
            .output()
            .unwrap();
        let rows = String::from_utf8_lossy(&export.stdout);
        for row in rows.lines().skip(1) {
            let (id, title) = row.split_once(',').unwrap();
            assert_eq!(format!("Title {}", &id[1..]), title, "whole article {id}");
        }
        // Re-run: committed articles are unchanged, the rest are new.
        let again = std::process::Command::new(env!("CARGO_BIN_EXE_newsdex"))
            .args(args)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&again.stderr);
        assert_eq!(again.status.code(), Some(0), "{stderr}");
        assert!(
            stderr.contains(&format!(
                "read {N}, new {}, replaced 0, unchanged {visible}, rejected 0",
                N - visible
            )),
            "{stderr}"
        );
        let stats = std::process::Command::new(env!("CARGO_BIN_EXE_newsdex"))
            .args(["--index", dir, "stats", "--format", "json"])
            .output()
            .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&stats.stdout).unwrap();
        assert_eq!(v["articles"], N);
    }
}

/// Unmounts a test filesystem when dropped.
struct Mount(std::path::PathBuf);

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg(&self.0).status();
    }
}

/// Indexing onto a filesystem that fills up ends with a clear error, and the
/// index still opens at its last commit. Needs root (to mount a 2 MB tmpfs),
/// as CI has; elsewhere it says so and passes.
#[test]
fn a_full_disk_ends_indexing_with_a_clear_error_and_keeps_the_last_commit() {
    let env = TestEnv::new();
    let small = env.path("small");
    std::fs::create_dir_all(&small).unwrap();
    let mounted = std::process::Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=2m", "tmpfs"])
        .arg(&small)
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !mounted {
        eprintln!("skipped: cannot mount a small tmpfs here (not root)");
        return;
    }
    let _guard = Mount(small.clone());
    let idx = small.join("idx");
    let idx = idx.to_str().unwrap();
    let newsdex = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_newsdex"))
            .arg("--index")
            .arg(idx)
            .args(args)
            .output()
            .unwrap()
    };
    let first = newsdex(&["index", &crate::fixture("corpus"), "--quiet"]);
    assert_eq!(first.status.code(), Some(3));
    let big = env.path("big.jsonl");
    let mut text = String::new();
    for i in 0..20_000 {
        let words: Vec<String> = (0..40).map(|j| format!("word{}", i * 7 + j)).collect();
        text.push_str(&format!(
            "{{\"id\":\"f{i}\",\"body\":\"{}\"}}\n",
            words.join(" ")
        ));
    }
    std::fs::write(&big, text).unwrap();
    let full = newsdex(&["index", big.to_str().unwrap(), "--quiet", "--no-entities"]);
    assert_eq!(full.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&full.stderr);
    assert!(
        stderr.starts_with(&format!("newsdex: indexing into {idx}: "))
            && stderr.contains("No space left on device"),
        "{stderr}"
    );
    let stats = newsdex(&["stats", "--format", "json"]);
    assert_eq!(stats.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&stats.stdout).unwrap();
    assert_eq!(v["articles"], 10, "the last commit, whole");
}
