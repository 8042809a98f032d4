//! A dependency-free reader of a crate's top-level module graph, for
//! `tests/module_graph.rs`.
//!
//! The sources are read as tokens, so comments, doc comments, string, char
//! and byte literals never count. A reference to another top-level module is:
//! - a path starting with `crate::` (or `$crate::`), in a `use` or inline
//!   (`crate::error::builder(..)`); a grouped form
//!   (`crate::{a::X, b::{Y, Z}}`, over any number of lines) gives one
//!   reference per branch;
//! - a `super::` chain that climbs to the crate root (`super::super::body`
//!   from `src/auth/basic.rs`, `super::Body` from `src/auth/mod.rs`); a
//!   shorter chain stays inside its module;
//! - the first segment after the root names the module; a name `lib.rs`
//!   re-exports (`crate::Response`) counts as the module it comes from, read
//!   from the `use` items of `lib.rs`. A name defined in `lib.rs`, a
//!   re-export of another crate, `crate::*`, `crate::{self}` and a macro
//!   (`crate::name!`) belong to the root and make no edge. A name the reader
//!   cannot place is reported, so that a gap in the reader fails the check
//!   instead of hiding an edge.
//!
//! An inline `mod name { .. }` of `lib.rs` (a public facade re-exporting
//! from private modules) is a module of its own: the references in its body
//! are its edges, and a path through it (`crate::name::X`) is an edge to it.
//!
//! Test code is left out, as unit tests may use anything: every item under
//! `#[cfg(test)]` or `#[cfg(all(test, ..))]` (a `mod tests { .. }`, a
//! test-only function), the file and folder of such a `mod x;` declaration
//! (following its `#[path]`), every file named `tests.rs` or `*_tests.rs`,
//! and a file that starts with `#![cfg(test)]`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Ident,
    Punct,
    Literal,
}

#[derive(Debug, Clone)]
struct Token {
    kind: Kind,
    text: String,
    line: usize,
}

impl Token {
    fn is(&self, text: &str) -> bool {
        self.kind != Kind::Literal && self.text == text
    }
}

fn is(toks: &[Token], i: usize, text: &str) -> bool {
    toks.get(i).is_some_and(|t| t.is(text))
}

fn ident_at(toks: &[Token], i: usize) -> Option<&str> {
    toks.get(i)
        .filter(|t| t.kind == Kind::Ident)
        .map(|t| t.text.as_str())
}

/// Splits Rust source into identifiers, punctuation (`::` is one token) and
/// literals; comments are dropped, a string literal keeps only its content.
fn tokenize(src: &str) -> Vec<Token> {
    let c: Vec<char> = src.chars().collect();
    let ident_char = |ch: char| ch.is_alphanumeric() || ch == '_';
    let mut toks = Vec::new();
    let (mut i, mut line) = (0, 1);
    while i < c.len() {
        let ch = c[i];
        let next = c.get(i + 1).copied();
        let (kind, end) = if ch.is_whitespace() {
            (None, i + 1)
        } else if ch == '/' && next == Some('/') {
            let len = c[i..].iter().take_while(|&&ch| ch != '\n').count();
            (None, i + len)
        } else if ch == '/' && next == Some('*') {
            (None, block_comment_end(&c, i))
        } else if let Some(end) = string_end(&c, i) {
            (Some(Kind::Literal), end)
        } else if ch == 'r' && next == Some('#') && c.get(i + 2).is_some_and(|&ch| ident_char(ch)) {
            let len = c[i + 2..].iter().take_while(|&&ch| ident_char(ch)).count();
            (Some(Kind::Ident), i + 2 + len)
        } else if ch == '\'' || (ch == 'b' && next == Some('\'')) {
            let quote = if ch == 'b' { i + 1 } else { i };
            (Some(Kind::Literal), char_or_lifetime_end(&c, quote))
        } else if ch.is_ascii_digit() {
            let len = c[i..].iter().take_while(|&&ch| ident_char(ch)).count();
            (Some(Kind::Literal), i + len)
        } else if ident_char(ch) {
            let len = c[i..].iter().take_while(|&&ch| ident_char(ch)).count();
            (Some(Kind::Ident), i + len)
        } else if ch == ':' && next == Some(':') {
            (Some(Kind::Punct), i + 2)
        } else {
            (Some(Kind::Punct), i + 1)
        };
        let end = end.min(c.len());
        if let Some(kind) = kind {
            let text: String = if kind == Kind::Literal && c[i..end].contains(&'"') {
                string_content(&c[i..end])
            } else {
                c[i..end].iter().collect()
            };
            toks.push(Token { kind, text, line });
        }
        line += c[i..end].iter().filter(|&&ch| ch == '\n').count();
        i = end;
    }
    toks
}

fn block_comment_end(c: &[char], start: usize) -> usize {
    let (mut depth, mut i) = (0usize, start);
    while i + 1 < c.len() {
        if c[i] == '/' && c[i + 1] == '*' {
            depth += 1;
            i += 2;
        } else if c[i] == '*' && c[i + 1] == '/' {
            depth -= 1;
            i += 2;
            if depth == 0 {
                return i;
            }
        } else {
            i += 1;
        }
    }
    c.len()
}

/// The end of a string literal starting at `i` (`".."`, `b".."`, `c".."`,
/// `r#".."#`, `br".."`, ...), or `None` if none starts there.
fn string_end(c: &[char], i: usize) -> Option<usize> {
    let mut j = i;
    if matches!(c.get(j), Some('b' | 'c')) {
        j += 1;
    }
    let raw = c.get(j) == Some(&'r');
    if raw {
        j += 1;
    }
    let hashes = c[j.min(c.len())..]
        .iter()
        .take_while(|&&ch| ch == '#' && raw)
        .count();
    j += hashes;
    if c.get(j) != Some(&'"') {
        return None;
    }
    j += 1;
    while j < c.len() {
        if !raw && c[j] == '\\' {
            j += 2;
        } else if c[j] == '"'
            && c[j + 1..]
                .iter()
                .take(hashes)
                .filter(|&&h| h == '#')
                .count()
                == hashes
        {
            return Some(j + 1 + hashes);
        } else {
            j += 1;
        }
    }
    Some(c.len())
}

fn string_content(lit: &[char]) -> String {
    let open = lit.iter().position(|&ch| ch == '"').unwrap_or(0);
    let close = lit.iter().rposition(|&ch| ch == '"').unwrap_or(lit.len());
    lit[(open + 1).min(close)..close].iter().collect()
}

/// The end of a char literal (`'a'`, `'\n'`, `'\u{1F600}'`) or a lifetime
/// or label (`'a`) whose quote is at `i`.
fn char_or_lifetime_end(c: &[char], i: usize) -> usize {
    if c.get(i + 1) == Some(&'\\') {
        let close = c
            .get(i + 3..)
            .unwrap_or(&[])
            .iter()
            .position(|&ch| ch == '\'');
        return close.map_or(c.len(), |p| i + 3 + p + 1);
    }
    if c.get(i + 2) == Some(&'\'') {
        return i + 3;
    }
    let len = c[i + 1..]
        .iter()
        .take_while(|&&ch| ch.is_alphanumeric() || ch == '_')
        .count();
    i + 1 + len
}

/// The index of the bracket closing the one at `open`.
fn matching(toks: &[Token], open: usize) -> usize {
    let mut depth = 0usize;
    for (k, t) in toks.iter().enumerate().skip(open) {
        if t.is("(") || t.is("[") || t.is("{") {
            depth += 1;
        } else if t.is(")") || t.is("]") || t.is("}") {
            depth -= 1;
            if depth == 0 {
                return k;
            }
        }
    }
    toks.len()
}

/// Splits a bracket's content at its top-level commas.
fn split_commas(toks: &[Token]) -> Vec<&[Token]> {
    let (mut parts, mut start, mut depth) = (Vec::new(), 0, 0usize);
    for (k, t) in toks.iter().enumerate() {
        if t.is("(") || t.is("[") || t.is("{") {
            depth += 1;
        } else if t.is(")") || t.is("]") || t.is("}") {
            depth = depth.saturating_sub(1);
        } else if t.is(",") && depth == 0 {
            parts.push(&toks[start..k]);
            start = k + 1;
        }
    }
    parts.push(&toks[start..]);
    parts.into_iter().filter(|p| !p.is_empty()).collect()
}

/// Tokens written back as a path: `crate::b::{Y, Z}`.
fn join(toks: &[Token]) -> String {
    let mut s = String::new();
    for t in toks {
        match t.text.as_str() {
            "," => s.push_str(", "),
            "as" => s.push_str(" as "),
            text => s.push_str(text),
        }
    }
    s
}

/// `cfg(test)` and `cfg(all(test, ..))`: code that exists only in unit tests.
fn is_test_cfg(attr: &[Token]) -> bool {
    fn test_only(pred: &[Token]) -> bool {
        match pred {
            [t] => t.is("test"),
            [all, open, inner @ .., _] if all.is("all") && open.is("(") => {
                split_commas(inner).into_iter().any(test_only)
            }
            _ => false,
        }
    }
    match attr {
        [cfg, open, pred @ .., _] if cfg.is("cfg") && open.is("(") => test_only(pred),
        _ => false,
    }
}

/// A reference to something at the crate root, as written.
#[derive(Debug, Clone)]
struct RootRef {
    /// The first segment after the root (`error` in `crate::error::builder`).
    name: String,
    line: usize,
    path: String,
    /// `crate::name!(..)`: a macro exported at the root.
    macro_call: bool,
    /// The outermost inline `mod name { .. }` around the reference, if any.
    inline_mod: Option<String>,
}

/// What one file says about the graph.
#[derive(Debug, Default)]
struct FileScan {
    refs: Vec<RootRef>,
    /// `#[cfg(test)] mod name;` declarations: (name, `#[path]`).
    test_mods: Vec<(String, Option<String>)>,
    /// Inline `mod name { .. }` items at the top of the file.
    inline_mods: Vec<String>,
    /// Non-test `mod name;` declarations without a `#[path]`.
    mods: Vec<String>,
    /// Non-test `mod name;` declarations with a `#[path]`: (name, path).
    path_mods: Vec<(String, String)>,
    /// The top-level `use` trees (what follows `use`, up to the `;`).
    uses: Vec<Vec<Token>>,
    /// Names of the top-level items the file defines.
    defined: Vec<String>,
    test_only: bool,
}

impl FileScan {
    fn push_refs(&mut self, refs: Vec<RootRef>, inline_mods: &[(String, usize)]) {
        let inline_mod = inline_mods.first().map(|(name, _)| name.clone());
        self.refs.extend(refs.into_iter().map(|r| RootRef {
            inline_mod: inline_mod.clone(),
            ..r
        }));
    }
}

const ITEM_KEYWORDS: &[&str] = &[
    "fn",
    "mod",
    "struct",
    "enum",
    "union",
    "impl",
    "trait",
    "use",
    "type",
    "const",
    "static",
    "macro_rules",
    "extern",
    "unsafe",
    "async",
    "let",
];

/// The keywords followed by the name of the item they define.
const DEFINING: &[&str] = &[
    "fn",
    "struct",
    "enum",
    "union",
    "trait",
    "type",
    "const",
    "static",
    "macro_rules",
];

/// The index after the item or statement starting at `j` (a `;`-terminated
/// item, a braced item, or a field, variant or match arm ending at a `,`; in
/// a field's type, the commas between `<..>` are inside it).
fn skip_item(toks: &[Token], j: usize) -> usize {
    let start = skip_visibility(toks, j);
    let is_item = ident_at(toks, start).is_some_and(|w| ITEM_KEYWORDS.contains(&w));
    let is_field = !is_item && ident_at(toks, start).is_some() && is(toks, start + 1, ":");
    let mut depth = 0usize;
    let mut k = j;
    while k < toks.len() {
        let t = &toks[k];
        let arrow = k > 0 && (toks[k - 1].is("-") || toks[k - 1].is("="));
        if t.is("(") || t.is("[") || (is_field && t.is("<")) {
            depth += 1;
        } else if is_field && t.is(">") && !arrow {
            depth = depth.saturating_sub(1);
        } else if t.is(")") || t.is("]") || (t.is("}") && depth == 0) {
            if depth == 0 {
                return k;
            }
            depth -= 1;
        } else if depth == 0 && (t.is(";") || (t.is(",") && !is_item)) {
            return k + 1;
        } else if depth == 0 && t.is("{") {
            return matching(toks, k) + 1;
        }
        k += 1;
    }
    k
}

fn skip_visibility(toks: &[Token], j: usize) -> usize {
    if !is(toks, j, "pub") {
        return j;
    }
    if is(toks, j + 1, "(") {
        matching(toks, j + 1) + 1
    } else {
        j + 1
    }
}

/// `[pub(..)] mod name;` at `j`: the name.
fn mod_decl(toks: &[Token], j: usize) -> Option<String> {
    let k = skip_visibility(toks, j);
    if is(toks, k, "mod") && is(toks, k + 2, ";") {
        ident_at(toks, k + 1).map(str::to_owned)
    } else {
        None
    }
}

/// Reads the path after a root prefix (`crate::`, `super::super::`) at `k`:
/// one reference per branch of a group. Returns them and the index after.
fn root_refs(toks: &[Token], k: usize, prefix: &str) -> (Vec<RootRef>, usize) {
    if is(toks, k, "{") {
        let close = matching(toks, k);
        let mut refs = Vec::new();
        for branch in split_commas(&toks[k + 1..close.min(toks.len())]) {
            if branch[0].is("{") {
                refs.extend(root_refs(branch, 0, prefix).0);
            } else if let Some(name) = ident_at(branch, 0).filter(|&n| n != "self") {
                refs.push(RootRef {
                    name: name.to_owned(),
                    line: branch[0].line,
                    path: format!("{prefix}{}", join(branch)),
                    macro_call: false,
                    inline_mod: None,
                });
            }
        }
        return (refs, close + 1);
    }
    let Some(name) = ident_at(toks, k).filter(|&n| n != "self") else {
        return (Vec::new(), k + 1);
    };
    let mut end = k + 1;
    while is(toks, end, "::") {
        if is(toks, end + 1, "{") {
            end = matching(toks, end + 1) + 1;
            break;
        } else if ident_at(toks, end + 1).is_some() || is(toks, end + 1, "*") {
            end += 2;
        } else {
            break;
        }
    }
    let path = format!("{prefix}{}", join(&toks[k..end.min(toks.len())]));
    let reference = RootRef {
        name: name.to_owned(),
        line: toks[k].line,
        path,
        macro_call: end == k + 1 && is(toks, end, "!"),
        inline_mod: None,
    };
    (vec![reference], end)
}

/// Scans one file whose module lies `file_depth` below the root (0 for
/// `lib.rs`, 1 for `foo.rs` and `foo/mod.rs`, 2 for `foo/bar.rs`).
fn scan(toks: &[Token], file_depth: usize) -> FileScan {
    let mut out = FileScan::default();
    // The brace depth inside each enclosing inline `mod name { .. }`.
    let mut inline_mods: Vec<(String, usize)> = Vec::new();
    let mut braces = 0usize;
    let mut i = 0;
    while i < toks.len() {
        let t = &toks[i];
        let top_level = braces == 0;
        if t.is("#") && is(toks, i + 1, "!") && is(toks, i + 2, "[") {
            let close = matching(toks, i + 2);
            if top_level && is_test_cfg(&toks[i + 3..close.min(toks.len())]) {
                out.test_only = true;
                return out;
            }
            i = close + 1;
        } else if t.is("#") && is(toks, i + 1, "[") {
            let (mut item, mut test, mut path) = (i, false, None);
            while is(toks, item, "#") && is(toks, item + 1, "[") {
                let close = matching(toks, item + 1);
                let attr = &toks[item + 2..close.min(toks.len())];
                test |= is_test_cfg(attr);
                if let [p, eq, lit] = attr {
                    if p.is("path") && eq.is("=") && lit.kind == Kind::Literal {
                        path = Some(lit.text.clone());
                    }
                }
                item = close + 1;
            }
            let declared = mod_decl(toks, item);
            if test {
                if let Some(name) = declared {
                    out.test_mods.push((name, path));
                }
                i = skip_item(toks, item);
            } else if let (Some(name), Some(path)) = (declared, path) {
                out.path_mods.push((name, path));
                i = skip_item(toks, item);
            } else {
                i = item;
            }
        } else if t.is("{") {
            braces += 1;
            i += 1;
        } else if t.is("}") {
            braces = braces.saturating_sub(1);
            while inline_mods.last().is_some_and(|(_, d)| *d > braces) {
                inline_mods.pop();
            }
            i += 1;
        } else if let Some(name) = mod_decl(toks, i) {
            out.mods.push(name);
            i = skip_item(toks, i);
        } else if t.is("mod") && ident_at(toks, i + 1).is_some() && is(toks, i + 2, "{") {
            if top_level {
                out.inline_mods.push(toks[i + 1].text.clone());
            }
            inline_mods.push((toks[i + 1].text.clone(), braces + 1));
            i += 2;
        } else if t.is("use") && top_level {
            let end = (i..toks.len())
                .find(|&k| toks[k].is(";"))
                .unwrap_or(toks.len());
            out.uses.push(toks[i + 1..end].to_vec());
            i += 1;
        } else if top_level && t.kind == Kind::Ident && DEFINING.contains(&t.text.as_str()) {
            let bang = usize::from(t.is("macro_rules") && is(toks, i + 1, "!"));
            if let Some(name) = ident_at(toks, i + 1 + bang) {
                out.defined.push(name.to_owned());
            }
            i += 1;
        } else if t.is("crate") && is(toks, i + 1, "::") {
            let (refs, end) = root_refs(toks, i + 2, "crate::");
            out.push_refs(refs, &inline_mods);
            i = end;
        } else if t.is("super") && is(toks, i + 1, "::") && !(i > 0 && toks[i - 1].is("::")) {
            let mut k = i;
            while is(toks, k, "super") && is(toks, k + 1, "::") {
                k += 2;
            }
            let ups = (k - i) / 2;
            if ups == file_depth + inline_mods.len() {
                let (refs, end) = root_refs(toks, k, &"super::".repeat(ups));
                out.push_refs(refs, &inline_mods);
                i = end;
            } else {
                i = k;
            }
        } else {
            i += 1;
        }
    }
    out
}

/// The leaves of a `use` tree: (path segments, name it binds).
fn use_leaves(toks: &[Token], mut segs: Vec<String>, out: &mut Vec<(Vec<String>, String)>) {
    let mut k = 0;
    loop {
        match toks.get(k) {
            None => {
                let name = match segs.as_slice() {
                    [.., prev, last] if last == "self" => prev.clone(),
                    [.., last] => last.clone(),
                    [] => return,
                };
                out.push((segs, name));
                return;
            }
            Some(t) if t.is("{") => {
                let close = matching(toks, k);
                for branch in split_commas(&toks[k + 1..close.min(toks.len())]) {
                    use_leaves(branch, segs.clone(), out);
                }
                return;
            }
            Some(t) if t.is("*") => {
                out.push((segs, "*".to_owned()));
                return;
            }
            Some(t) if t.is("as") => {
                let alias = toks.get(k + 1).map_or(String::new(), |a| a.text.clone());
                out.push((segs, alias));
                return;
            }
            Some(t) if t.kind == Kind::Ident => {
                segs.push(t.text.clone());
                k += 1;
            }
            Some(_) => k += 1,
        }
    }
}

/// One file of a crate: its path under `src/` (with `/`) and its text.
pub(crate) type SourceFile = (String, String);

/// Every `.rs` file under `src`, sorted.
pub(crate) fn read_crate(src: &Path) -> Vec<SourceFile> {
    fn walk(dir: &Path, rel: &str, out: &mut Vec<SourceFile>) {
        let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        let mut entries: Vec<_> = entries.map(|e| e.unwrap().path()).collect();
        entries.sort();
        for path in entries {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if path.is_dir() {
                walk(&path, &format!("{rel}{name}/"), out);
            } else if name.ends_with(".rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                out.push((format!("{rel}{name}"), text));
            }
        }
    }
    let mut files = Vec::new();
    walk(src, "", &mut files);
    files
}

/// A reference from one top-level module to another.
#[derive(Debug, Clone)]
pub(crate) struct Reference {
    pub(crate) from: String,
    pub(crate) to: String,
    /// `treq/src/auth/mod.rs:46`.
    pub(crate) at: String,
    pub(crate) path: String,
}

#[derive(Debug)]
pub(crate) struct CrateGraph {
    pub(crate) name: String,
    pub(crate) modules: BTreeSet<String>,
    pub(crate) references: Vec<Reference>,
    /// References the reader could not place, as `file:line: path`.
    pub(crate) unresolved: Vec<String>,
}

enum RootName {
    Module(String),
    Elsewhere,
}

/// The files of the `#[cfg(test)] mod name;` declared in `file`: the file
/// itself, and the folder as a prefix ending in `/`.
fn test_mod_files(file: &str, name: &str, path: Option<&str>) -> Vec<String> {
    let (dir, file_name) = file.rsplit_once('/').map_or(("", file), |(d, f)| (d, f));
    let dir = if dir.is_empty() {
        String::new()
    } else {
        format!("{dir}/")
    };
    if let Some(path) = path {
        let own_dir = path.rsplit_once('/').map(|(d, _)| format!("{dir}{d}/"));
        return std::iter::once(format!("{dir}{path}"))
            .chain(own_dir)
            .collect();
    }
    let base = match file_name {
        "lib.rs" | "mod.rs" | "main.rs" => dir,
        other => format!("{dir}{}/", other.trim_end_matches(".rs")),
    };
    vec![format!("{base}{name}.rs"), format!("{base}{name}/")]
}

/// The graph of the crate whose `src/` holds `files`; `label` is the crate
/// folder, used in the locations (`treq` gives `treq/src/auth/mod.rs:46`).
pub(crate) fn analyze(label: &str, files: &[SourceFile]) -> CrateGraph {
    let toks: Vec<Vec<Token>> = files.iter().map(|(_, text)| tokenize(text)).collect();
    let depth = |rel: &str| match rel.trim_end_matches("/mod.rs").matches('/').count() {
        _ if rel == "lib.rs" => 0,
        n => n + 1,
    };
    let scans: Vec<FileScan> = files
        .iter()
        .zip(&toks)
        .map(|((rel, _), toks)| scan(toks, depth(rel)))
        .collect();
    let empty = FileScan::default();
    let root = files
        .iter()
        .position(|(rel, _)| rel == "lib.rs")
        .map_or(&empty, |k| &scans[k]);

    // The top-level module of a file: its first path component, unless a
    // `#[path]` in lib.rs names that file.
    let top_of = |rel: &str| {
        let first = rel.split('/').next().unwrap_or(rel);
        root.path_mods
            .iter()
            .find(|(_, path)| path == first)
            .map_or_else(
                || first.trim_end_matches(".rs").to_owned(),
                |(name, _)| name.clone(),
            )
    };

    let mut excluded: Vec<String> = Vec::new();
    for ((rel, _), scan) in files.iter().zip(&scans) {
        for (name, path) in &scan.test_mods {
            excluded.extend(test_mod_files(rel, name, path.as_deref()));
        }
    }
    let is_test_file = |rel: &str, scan: &FileScan| {
        let file_name = rel.rsplit('/').next().unwrap_or(rel);
        scan.test_only
            || file_name == "tests.rs"
            || file_name.ends_with("_tests.rs")
            || excluded
                .iter()
                .any(|e| e == rel || (e.ends_with('/') && rel.starts_with(e.as_str())))
    };

    let declared = root
        .mods
        .iter()
        .chain(root.path_mods.iter().map(|(name, _)| name))
        .chain(&root.inline_mods);
    let modules: BTreeSet<String> = files
        .iter()
        .zip(&scans)
        .filter(|((rel, _), scan)| rel != "lib.rs" && !is_test_file(rel, scan))
        .map(|((rel, _), _)| top_of(rel))
        .chain(declared.cloned())
        .collect();

    let mut root_names: BTreeMap<String, RootName> = BTreeMap::new();
    for tree in &root.uses {
        let mut leaves = Vec::new();
        use_leaves(tree, Vec::new(), &mut leaves);
        for (segs, name) in leaves {
            let mut segs = segs.as_slice();
            if let [first, rest @ ..] = segs {
                if first == "crate" || first == "self" {
                    segs = rest;
                }
            }
            let target = match segs.first() {
                Some(m) if modules.contains(m) => RootName::Module(m.clone()),
                _ => RootName::Elsewhere,
            };
            root_names.insert(name, target);
        }
    }
    for name in &root.defined {
        root_names.insert(name.clone(), RootName::Elsewhere);
    }

    let mut graph = CrateGraph {
        name: label.to_owned(),
        modules: modules.clone(),
        references: Vec::new(),
        unresolved: Vec::new(),
    };
    for ((rel, _), scan) in files.iter().zip(&scans) {
        if rel != "lib.rs" && is_test_file(rel, scan) {
            continue;
        }
        for r in &scan.refs {
            // In lib.rs only an inline `mod name { .. }` is a module.
            let from = match (rel == "lib.rs", &r.inline_mod) {
                (false, _) => top_of(rel),
                (true, Some(inline)) => inline.clone(),
                (true, None) => continue,
            };
            let at = format!("{label}/src/{rel}:{}", r.line);
            let to = if modules.contains(&r.name) {
                r.name.clone()
            } else if r.macro_call {
                continue;
            } else {
                match root_names.get(&r.name) {
                    Some(RootName::Module(m)) => m.clone(),
                    Some(RootName::Elsewhere) => continue,
                    None => {
                        graph.unresolved.push(format!("{at}: {}", r.path));
                        continue;
                    }
                }
            };
            if to != from {
                graph.references.push(Reference {
                    from: from.clone(),
                    to,
                    at,
                    path: r.path.clone(),
                });
            }
        }
    }
    graph
}
