//! Excel workbooks, read back with an independent reader (calamine): the
//! same cells as the CSV export of the same request.

use calamine::{Data, Reader, Xlsx, open_workbook};

use crate::TestEnv;

/// Articles with non-Latin names, a link, dates (one undated) and a body
/// longer than an Excel cell holds.
fn corpus(env: &TestEnv) {
    let long = format!("Ankara {}", "word ".repeat(8_000));
    let lines = [
        serde_json::json!({"id": "a1", "title": "Erdoğan meets Шойгу in Ankara",
            "body": "Recep Tayyip Erdoğan met Sergei Shoigu in Ankara on Tuesday.",
            "date": "2024-03-05T10:30:00Z", "url": "https://example.org/a1", "source": "Agence"}),
        serde_json::json!({"id": "a2", "title": "Talks in Ankara",
            "body": "Erdoğan spoke in Ankara about the talks.", "source": "Другое"}),
        serde_json::json!({"id": "a3", "title": "Long Ankara report", "body": long,
            "date": "2024-03-06", "url": "not a link"}),
    ];
    let lines: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    let file = env.path("news.jsonl");
    std::fs::write(&file, lines.join("\n")).unwrap();
    let r = env.run(&["index", file.to_str().unwrap(), "--quiet"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
}

const FIELDS: &str = "id,score,rank,date,source,title,url,person,location,body";

#[test]
fn a_workbook_holds_the_cells_of_the_csv_export() {
    let env = TestEnv::new();
    corpus(&env);
    let csv_path = env.path("hits.csv");
    let xlsx_path = env.path("hits.xlsx");
    let r = env.run(&[
        "export",
        "ankara",
        "--fields",
        FIELDS,
        "-o",
        csv_path.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = env.run(&[
        "export",
        "ankara",
        "--fields",
        FIELDS,
        "--format",
        "xlsx",
        "-o",
        xlsx_path.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stderr,
        format!(
            "newsdex: wrote 3 hits to {} (1 cells cut at Excel's 32,767 characters)\n",
            xlsx_path.display()
        )
    );
    let mut csv = csv::Reader::from_path(&csv_path).unwrap();
    let header: Vec<String> = csv.headers().unwrap().iter().map(String::from).collect();
    let records: Vec<csv::StringRecord> = csv.records().map(Result::unwrap).collect();
    let mut book: Xlsx<_> = open_workbook(&xlsx_path).unwrap();
    assert_eq!(book.sheet_names(), ["hits", "provenance"]);
    let hits = book.worksheet_range("hits").unwrap();
    let rows: Vec<&[Data]> = hits.rows().collect();
    assert_eq!(rows.len(), records.len() + 1);
    let top: Vec<String> = rows[0].iter().map(|d| d.to_string()).collect();
    assert_eq!(top, header);
    let mut seen_date = false;
    for (row, record) in rows[1..].iter().zip(&records) {
        for ((cell, want), column) in row.iter().zip(record.iter()).zip(&header) {
            match (column.as_str(), cell) {
                (_, Data::Empty) => assert_eq!(want, "", "{column}"),
                ("score" | "rank", Data::Float(f)) => {
                    assert!((f - want.parse::<f64>().unwrap()).abs() < 1e-3, "{column}")
                }
                ("date", Data::DateTime(d)) => {
                    let secs = ((d.as_f64() - 25_569.0) * 86_400.0).round() as i64;
                    let text = chrono::DateTime::from_timestamp(secs, 0).unwrap();
                    assert_eq!(text.format("%Y-%m-%dT%H:%M:%SZ").to_string(), want);
                    seen_date = true;
                }
                ("body", Data::String(s)) if want.len() > 32_767 => {
                    assert!(s.ends_with(" [cut]"), "{}", &s[s.len() - 20..]);
                    assert_eq!(s.encode_utf16().count(), 32_767);
                    assert!(want.starts_with(&s[..s.len() - 6]));
                }
                (_, Data::String(s)) => assert_eq!(s, want, "{column}"),
                (_, other) => panic!("{column}: {other:?} for {want:?}"),
            }
        }
    }
    assert!(seen_date);
    assert!(
        records
            .iter()
            .any(|r| r.iter().any(|f| f.contains("Erdoğan meets Шойгу")))
    );
    let meta = book.worksheet_range("provenance").unwrap();
    let pairs: Vec<(String, String)> = meta
        .rows()
        .map(|r| (r[0].to_string(), r[1].to_string()))
        .collect();
    assert_eq!(pairs[0], ("key".into(), "value".into()));
    for (key, value) in [("query", "ankara"), ("format", "xlsx"), ("hits", "3")] {
        assert!(
            pairs.contains(&(key.into(), value.into())),
            "{key}: {pairs:?}"
        );
    }
    assert!(pairs.iter().any(|(k, v)| k == "commit" && !v.is_empty()));
    assert!(env.path("hits.xlsx.meta.json").exists());
}

#[test]
fn a_workbook_needs_a_file_and_refuses_bom() {
    let env = TestEnv::new();
    corpus(&env);
    let r = env.run(&["export", "ankara", "--format", "xlsx"]);
    assert_eq!(r.code, 2);
    assert_eq!(
        r.stderr,
        "newsdex: --format xlsx needs -o FILE.xlsx (a workbook is a file, not a stream)\n"
    );
    let out = env.path("x.xlsx");
    let r = env.run(&[
        "export",
        "ankara",
        "--format",
        "xlsx",
        "--bom",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 2);
    assert!(!out.exists());
}

/// The rows of every sheet of a workbook, as text.
fn sheets(path: &std::path::Path) -> Vec<(String, Vec<Vec<String>>)> {
    let mut book: Xlsx<_> = open_workbook(path).unwrap();
    book.sheet_names()
        .into_iter()
        .map(|name| {
            let range = book.worksheet_range(&name).unwrap();
            let rows = range
                .rows()
                .map(|r| r.iter().map(|d| d.to_string()).collect())
                .collect();
            (name, rows)
        })
        .collect()
}

#[test]
fn a_batch_workbook_has_a_sheet_per_query_or_one_for_many() {
    let env = TestEnv::new();
    corpus(&env);
    let queries = env.path("q.txt");
    std::fs::write(&queries, "ankara\nerdoğan\nnothing-matches-this\n").unwrap();
    let book = env.path("batch.xlsx");
    let csv = env.path("batch.csv");
    for (format, out) in [("xlsx", &book), ("csv", &csv)] {
        let r = env.run(&[
            "batch",
            queries.to_str().unwrap(),
            "--format",
            format,
            "--fields",
            "qid,rank,id,title,person",
            "-o",
            out.to_str().unwrap(),
        ]);
        assert_eq!(r.code, 0, "{}", r.stderr);
    }
    let csv: Vec<Vec<String>> = csv::Reader::from_path(&csv)
        .unwrap()
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect();
    let got = sheets(&book);
    let names: Vec<&str> = got.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["1", "2", "3", "provenance"]);
    for (qid, rows) in &got[..3] {
        assert_eq!(rows[0], ["qid", "rank", "id", "title", "person"]);
        let want: Vec<&Vec<String>> = csv.iter().filter(|r| &r[0] == qid).collect();
        assert_eq!(rows.len() - 1, want.len(), "query {qid}");
        for (row, want) in rows[1..].iter().zip(want) {
            assert_eq!(row, want);
        }
    }
    assert_eq!(
        got[2].1.len(),
        1,
        "a query without hits has its header only"
    );
    // More queries than sheets: one sheet, with the qid column added.
    let many: String = (0..101)
        .map(|i| if i % 2 == 0 { "ankara\n" } else { "talks\n" })
        .collect();
    std::fs::write(&queries, many).unwrap();
    let r = env.run(&[
        "batch",
        queries.to_str().unwrap(),
        "--format",
        "xlsx",
        "--fields",
        "id",
        "-o",
        book.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let got = sheets(&book);
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].0, "hits");
    assert_eq!(got[0].1[0], ["qid", "id"]);
    assert_eq!(got[0].1.len(), 1 + 51 * 3 + 50, "ankara: 3 hits, talks: 1");
    assert_eq!(got[0].1[1][0], "1");
    assert_eq!(got[0].1.last().unwrap()[0], "101");
}

#[test]
fn a_search_page_as_a_workbook_has_the_rows_of_its_csv() {
    let env = TestEnv::new();
    corpus(&env);
    let book = env.path("page.xlsx");
    let r = env.run(&[
        "search",
        "ankara",
        "--format",
        "xlsx",
        "-o",
        book.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stderr,
        format!("newsdex: wrote 3 hits to {}\n", book.display())
    );
    let csv = env.run(&["search", "ankara", "--format", "csv"]);
    let mut reader = csv::Reader::from_reader(csv.stdout.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    let got = sheets(&book);
    assert_eq!(got[0].0, "hits");
    assert_eq!(got[1].0, "provenance");
    assert_eq!(got[0].1[0], header);
    let text = |i: usize| {
        header
            .iter()
            .position(|h| h == ["id", "title", "person"][i])
            .unwrap()
    };
    for (row, want) in got[0].1[1..]
        .iter()
        .zip(reader.records().map(Result::unwrap))
    {
        for i in 0..3 {
            assert_eq!(row[text(i)], want[text(i)]);
        }
    }
    assert!(
        got[1]
            .1
            .iter()
            .any(|r| r[0] == "command" && r[1] == "search")
    );
    let r = env.run(&["search", "ankara", "-o", book.to_str().unwrap()]);
    assert_eq!(r.code, 2);
    assert_eq!(
        r.stderr,
        "newsdex: -o: only --format xlsx writes a file (the other formats go to stdout)\n"
    );
}
