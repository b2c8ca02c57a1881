//! The server's layers point one way only: `app` -> `web` -> `core` -> `db` (ARCHITECTURE.md).
//! This test reads the sources and fails, naming the file and line, when a module names a layer
//! above its own or the HTTP framework where no HTTP belongs.

use std::path::{Path, PathBuf};

/// What the files under a folder of `server/src` may not name.
const RULES: &[(&str, &[&str])] = &[
    (
        "core",
        &[
            "actix_web",
            "actix_multipart",
            "actix_files",
            "utoipa_actix_web",
            "crate::web",
            "crate::app",
        ],
    ),
    (
        "db",
        &[
            "actix_web",
            "actix_multipart",
            "actix_files",
            "utoipa_actix_web",
            "crate::web",
            "crate::app",
            "crate::core",
        ],
    ),
    ("web", &["crate::app"]),
    (
        "error.rs",
        &["actix_web", "crate::web", "crate::app", "crate::core"],
    ),
    (
        "settings.rs",
        &["actix_web", "crate::web", "crate::app", "crate::core"],
    ),
];

fn rust_files(path: &Path, found: &mut Vec<PathBuf>) {
    if path.is_dir() {
        for entry in std::fs::read_dir(path).unwrap() {
            rust_files(&entry.unwrap().path(), found);
        }
    } else if path.extension().is_some_and(|e| e == "rs") {
        found.push(path.to_path_buf());
    }
}

/// The lines of `source` (outside comments) that name one of `forbidden`, as "line: text".
fn violations(source: &str, forbidden: &[&str]) -> Vec<String> {
    source
        .lines()
        .enumerate()
        .filter(|(_, line)| !line.trim_start().starts_with("//"))
        .filter(|(_, line)| forbidden.iter().any(|name| line.contains(name)))
        .map(|(number, line)| format!("{}: {}", number + 1, line.trim()))
        .collect()
}

#[test]
fn each_layer_names_only_the_layers_below_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut broken = Vec::new();
    for (place, forbidden) in RULES {
        let mut files = Vec::new();
        rust_files(&src.join(place), &mut files);
        assert!(!files.is_empty(), "server/src/{place} holds no Rust file");
        for file in files {
            let source = std::fs::read_to_string(&file).unwrap();
            for line in violations(&source, forbidden) {
                broken.push(format!(
                    "{}:{line}",
                    file.strip_prefix(&src).unwrap().display()
                ));
            }
        }
    }
    assert!(
        broken.is_empty(),
        "these lines name a layer above their own (app -> web -> core -> db) or actix outside \
         the web layer; move the code to the layer it belongs in:\n{}",
        broken.join("\n")
    );
}

#[test]
fn a_rule_that_names_the_web_layer_is_found() {
    let source = "//! core\nuse crate::db;\n// crate::web in a comment is fine\nuse crate::web::state::AppState;\n";
    assert_eq!(
        violations(source, &["crate::web"]),
        vec!["4: use crate::web::state::AppState;".to_owned()]
    );
}
