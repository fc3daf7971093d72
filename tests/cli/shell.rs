//! What fits newsdex into the shell and the spreadsheet: completions, the
//! manual pages, and the byte-order mark for Excel.

use crate::TestEnv;

#[test]
fn completions_for_each_shell_name_the_commands() {
    let env = TestEnv::new();
    for (shell, start) in [
        ("bash", "_newsdex() {"),
        ("zsh", "#compdef newsdex"),
        ("fish", "# Print an optspec for argparse"),
        (
            "powershell",
            "\nusing namespace System.Management.Automation",
        ),
    ] {
        let r = env.run(&["completions", shell]);
        assert_eq!(r.code, 0, "{shell}: {}", r.stderr);
        assert!(r.stdout.starts_with(start), "{shell}: {}", &r.stdout[..80]);
        for command in ["index", "search", "export", "batch"] {
            assert!(r.stdout.contains(command), "{shell} lacks {command}");
        }
    }
    let r = env.run(&["completions", "tcsh"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("invalid value 'tcsh'"), "{}", r.stderr);
}

#[test]
fn the_manual_is_generated_from_the_help() {
    let env = TestEnv::new();
    let r = env.run(&["man"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains(".TH newsdex 1"), "{}", &r.stdout[..200]);
    assert!(r.stdout.contains("Every hit of a query, ranked"));
    let dir = env.path("man1");
    let r = env.run(&["man", "--dir", dir.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let export = std::fs::read_to_string(dir.join("newsdex-export.1")).unwrap();
    assert!(export.contains(".TH newsdex-export 1"), "{export}");
    assert!(export.contains("byte\\-order mark"), "{export}");
}

#[test]
fn bom_starts_csv_and_tsv_and_nothing_else_changes() {
    let env = TestEnv::new();
    env.index_fixtures();
    for format in ["csv", "tsv"] {
        let plain = env.path(&format!("plain.{format}"));
        let marked = env.path(&format!("marked.{format}"));
        for (path, bom) in [(&plain, false), (&marked, true)] {
            let mut args = vec![
                "export",
                "putin",
                "--format",
                format,
                "-o",
                path.to_str().unwrap(),
            ];
            if bom {
                args.push("--bom");
            }
            let r = env.run(&args);
            assert_eq!(r.code, 0, "{}", r.stderr);
        }
        let plain = std::fs::read(plain).unwrap();
        let marked = std::fs::read(marked).unwrap();
        assert_eq!(&marked[..3], b"\xEF\xBB\xBF");
        assert_eq!(&marked[3..], &plain[..]);
    }
    let r = env.run(&["export", "putin", "--format", "csv", "--bom"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.starts_with("\u{FEFF}id,"), "{}", &r.stdout[..20]);
    let r = env.run(&["export", "putin", "--format", "jsonl", "--bom"]);
    assert_eq!(r.code, 2);
    assert_eq!(
        r.stderr,
        "newsdex: --bom: only CSV and TSV start with a byte-order mark\n"
    );
    let queries = env.path("q.txt");
    std::fs::write(&queries, "putin\n").unwrap();
    let r = env.run(&["batch", queries.to_str().unwrap(), "--bom"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.starts_with("\u{FEFF}qid,"), "{}", &r.stdout[..20]);
}
