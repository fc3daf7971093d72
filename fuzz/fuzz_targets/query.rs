//! Fuzz target: the query parser and query builder never panic, and
//! errors point inside the query.
#![no_main]

use libfuzzer_sys::fuzz_target;
use newsdex::schema::{Fields, SchemaDecl};
use newsdex::search::query::{Builder, parse};

fuzz_target!(|data: &[u8]| {
    let Ok(q) = std::str::from_utf8(data) else {
        return;
    };
    thread_local! {
        static INDEX: tantivy::Index = {
            let decl = SchemaDecl::embedded();
            let index = tantivy::Index::create_in_ram(decl.build().unwrap());
            decl.register_analyzers(index.tokenizers()).unwrap();
            index
        };
    }
    INDEX.with(|index| {
        let fields = Fields::resolve(&index.schema()).unwrap();
        for any in [false, true] {
            match parse(q, any) {
                Ok(node) => {
                    let b = Builder {
                        fields,
                        tokenizers: index.tokenizers(),
                        q,
                    };
                    if let Err(e) = b.build(&node) {
                        assert!(e.column <= q.chars().count() + 1);
                    }
                }
                Err(e) => assert!(e.column <= q.chars().count() + 1),
            }
        }
    });
});
