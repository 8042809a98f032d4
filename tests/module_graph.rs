//! The module graph of `treq` and `treq-testing`, read from their sources:
//! no cycle between top-level modules, and the layer modules of `treq` import
//! only the lower layer (the table below).
//!
//! A top-level module is `src/foo.rs` together with everything under
//! `src/foo/` (or the file a `#[path]` in `lib.rs` names); `lib.rs` is the
//! crate root, which re-exports everything and is no node of the graph. The
//! reader (`support/module_graph.rs`) turns the sources into references
//! between modules: how it tells code from comments and literals, follows
//! `crate::`, `super::` and root re-exports, and leaves test code out is
//! described there. This file holds the rules: the cycle check, the layer
//! table and its check, and the tests of both on small crates.
//!
//! Run: `cargo test --test module_graph` (the checks of the real tree:
//! `cargo test --test module_graph -- --include-ignored` while they are
//! ignored).

#[path = "support/module_graph.rs"]
mod module_graph;

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt::Write as _;
use std::path::Path;

use module_graph::{analyze, read_crate, CrateGraph, Reference};

/// The module holding the values passed between layers (request-scoped values
/// in `http::Extensions`, layer configuration). The first of these that
/// exists in `treq/src` is allowed to every layer.
const REQUEST_VALUES_MODULES: &[&str] = &["layer", "extensions"];

/// The wrapper layers. A name missing from the tree is skipped.
const LAYER_MODULES: &[&str] = &[
    "auth",
    "decompress",
    "redirect",
    "cookie",
    "cookies",
    "timeout",
    "record",
    "retry",
    "trace",
];

/// What every layer may import besides itself and the request-scoped values
/// module: the agent trait, the body and the error.
const LAYER_MAY_IMPORT: &[&str] = &["agent", "body", "error"];

fn workspace_crate(dir: &str) -> CrateGraph {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let files = read_crate(&root.join(dir).join("src"));
    let graph = analyze(dir, &files);
    // A wrong path or a scanner that sees nothing must not pass as "no cycle".
    assert!(
        graph.modules.len() >= 3 && graph.references.len() >= 3,
        "{dir}/src: found {} modules and {} cross-module references, too few to be the real crate",
        graph.modules.len(),
        graph.references.len()
    );
    graph
}

fn assert_no_cycle(dir: &str) {
    if let Some(report) = cycle_report(&workspace_crate(dir)) {
        panic!("{report}");
    }
}

#[test]
fn treq_has_no_module_cycle() {
    assert_no_cycle("treq");
}

#[test]
fn treq_testing_has_no_module_cycle() {
    assert_no_cycle("treq-testing");
}

#[test]
fn treq_layers_import_only_the_lower_layer() {
    let graph = workspace_crate("treq");
    if let Some(report) = layer_report(
        &graph,
        LAYER_MODULES,
        LAYER_MAY_IMPORT,
        REQUEST_VALUES_MODULES,
    ) {
        panic!("{report}");
    }
}

/// The edges with the references making each, in order.
fn edges(graph: &CrateGraph) -> BTreeMap<(&str, &str), Vec<&Reference>> {
    let mut edges: BTreeMap<(&str, &str), Vec<&Reference>> = BTreeMap::new();
    for r in &graph.references {
        edges.entry((&r.from, &r.to)).or_default().push(r);
    }
    edges
}

/// Tarjan's strongly connected components, each sorted, in order of their
/// smallest module.
fn components<'a>(nodes: &[&'a str], next: &BTreeMap<&'a str, Vec<&'a str>>) -> Vec<Vec<&'a str>> {
    struct State<'a, 'n> {
        next: &'n BTreeMap<&'a str, Vec<&'a str>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        out: Vec<Vec<&'a str>>,
    }
    fn visit<'a>(s: &mut State<'a, '_>, v: &'a str) {
        let i = s.index.len();
        s.index.insert(v, i);
        s.low.insert(v, i);
        s.stack.push(v);
        for &w in s.next.get(v).into_iter().flatten() {
            if !s.index.contains_key(w) {
                visit(s, w);
                let low = s.low[v].min(s.low[w]);
                s.low.insert(v, low);
            } else if s.stack.contains(&w) {
                let low = s.low[v].min(s.index[w]);
                s.low.insert(v, low);
            }
        }
        if s.low[v] == s.index[v] {
            let at = s.stack.iter().rposition(|&x| x == v).unwrap();
            let mut scc = s.stack.split_off(at);
            scc.sort_unstable();
            s.out.push(scc);
        }
    }
    let mut s = State {
        next,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        out: Vec::new(),
    };
    for &v in nodes {
        if !s.index.contains_key(v) {
            visit(&mut s, v);
        }
    }
    s.out.sort();
    s.out
}

/// The shortest path from `from` to `to` inside `scc` (breadth first).
fn shortest_path<'a>(
    from: &'a str,
    to: &'a str,
    scc: &[&'a str],
    next: &BTreeMap<&'a str, Vec<&'a str>>,
) -> Vec<&'a str> {
    let mut parent: BTreeMap<&str, &str> = BTreeMap::new();
    let mut queue = VecDeque::from([from]);
    while let Some(v) = queue.pop_front() {
        if v == to {
            let mut path = vec![to];
            while let Some(&p) = parent.get(path.last().unwrap()) {
                path.push(p);
            }
            path.reverse();
            return path;
        }
        for &w in next.get(v).into_iter().flatten() {
            if scc.contains(&w) && w != from && !parent.contains_key(w) {
                parent.insert(w, v);
                queue.push_back(w);
            }
        }
    }
    Vec::new()
}

fn unresolved_section(graph: &CrateGraph, out: &mut String) {
    if graph.unresolved.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "{}: the module graph reader cannot tell which module these name \
         (neither a module nor a name lib.rs defines or re-exports):",
        graph.name
    );
    for u in &graph.unresolved {
        let _ = writeln!(out, "  {u}");
    }
}

/// `None` when the crate has no module cycle; otherwise every strongly
/// connected component of more than one module, a shortest cycle through
/// each of its edges, and the first reference making each edge.
fn cycle_report(graph: &CrateGraph) -> Option<String> {
    let edges = edges(graph);
    let mut next: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for &(a, b) in edges.keys() {
        next.entry(a).or_default().push(b);
    }
    let nodes: Vec<&str> = graph.modules.iter().map(String::as_str).collect();
    let cyclic: Vec<Vec<&str>> = components(&nodes, &next)
        .into_iter()
        .filter(|scc| scc.len() > 1)
        .collect();
    let mut out = String::new();
    if !cyclic.is_empty() {
        let _ = writeln!(
            out,
            "{}: {} module cycle(s) (strongly connected components of top-level modules):",
            graph.name,
            cyclic.len()
        );
    }
    for scc in &cyclic {
        let _ = writeln!(out, "\n  component {{{}}}", scc.join(", "));
        let inner: Vec<_> = edges
            .iter()
            .filter(|((a, b), _)| scc.contains(a) && scc.contains(b))
            .collect();
        let mut cycles = BTreeSet::new();
        for &(&(a, b), _) in &inner {
            let mut cycle = vec![a];
            cycle.extend(shortest_path(b, a, scc, &next));
            cycle.pop();
            let smallest = (0..cycle.len()).min_by_key(|&k| cycle[k]).unwrap();
            cycle.rotate_left(smallest);
            cycles.insert((cycle.len(), cycle));
        }
        // Shortest first, a cycle is listed when it takes an edge no listed
        // cycle has taken yet, so every edge of the component is on one.
        let mut covered = BTreeSet::new();
        let _ = writeln!(
            out,
            "    cycles (shortest first, together covering every edge of the component):"
        );
        for (_, cycle) in &cycles {
            let steps: Vec<_> = (0..cycle.len())
                .map(|k| (cycle[k], cycle[(k + 1) % cycle.len()]))
                .collect();
            if steps.iter().any(|step| !covered.contains(step)) {
                covered.extend(steps);
                let _ = writeln!(out, "      {} -> {}", cycle.join(" -> "), cycle[0]);
            }
        }
        let _ = writeln!(
            out,
            "    edges (first reference, and how many make the edge):"
        );
        for ((a, b), refs) in &inner {
            let _ = writeln!(
                out,
                "      {a} -> {b}: {} `{}` ({} reference(s))",
                refs[0].at,
                refs[0].path,
                refs.len()
            );
        }
    }
    unresolved_section(graph, &mut out);
    (!out.is_empty()).then_some(out)
}

/// `None` when every present layer imports only `may_import`, the first
/// present `values_modules` and itself; otherwise every other reference.
fn layer_report(
    graph: &CrateGraph,
    layers: &[&str],
    may_import: &[&str],
    values_modules: &[&str],
) -> Option<String> {
    let values = values_modules.iter().find(|m| graph.modules.contains(**m));
    let allowed: Vec<&str> = may_import.iter().copied().chain(values.copied()).collect();
    let present: Vec<&str> = layers
        .iter()
        .copied()
        .filter(|l| graph.modules.contains(*l))
        .collect();
    let mut out = String::new();
    for r in &graph.references {
        if present.contains(&r.from.as_str()) && !allowed.contains(&r.to.as_str()) {
            let _ = writeln!(out, "  {}: {} imports {}: `{}`", r.at, r.from, r.to, r.path);
        }
    }
    if !out.is_empty() {
        out.insert_str(
            0,
            &format!(
                "{}: layer modules importing what they must not (layers present: {}; \
                 each may import only itself and {}):\n",
                graph.name,
                present.join(", "),
                allowed.join(", ")
            ),
        );
    }
    unresolved_section(graph, &mut out);
    (!out.is_empty()).then_some(out)
}

/// The checker itself, on small crates written here.
mod self_tests {
    use super::*;

    fn demo(files: &[(&str, &str)]) -> CrateGraph {
        let files: Vec<_> = files
            .iter()
            .map(|(rel, text)| ((*rel).to_owned(), (*text).to_owned()))
            .collect();
        analyze("demo", &files)
    }

    /// Every reference as `from -> to at path`.
    fn edges(graph: &CrateGraph) -> Vec<String> {
        graph
            .references
            .iter()
            .map(|r| format!("{} -> {} {} {}", r.from, r.to, r.at, r.path))
            .collect()
    }

    fn layers(graph: &CrateGraph) -> Option<String> {
        layer_report(
            graph,
            LAYER_MODULES,
            LAYER_MAY_IMPORT,
            REQUEST_VALUES_MODULES,
        )
    }

    #[test]
    fn a_two_module_cycle_is_reported_with_its_path_and_references() {
        let graph = demo(&[
            ("lib.rs", "mod a;\nmod b;\nmod c;\n"),
            ("a.rs", "use crate::b::X;\n"),
            ("b.rs", "pub fn f() {\n    crate::a::g();\n}\n"),
            ("c.rs", "use crate::a::Y;\n"),
        ]);
        let report = cycle_report(&graph).expect("a -> b -> a is a cycle");
        assert!(report.contains("component {a, b}"), "{report}");
        assert!(report.contains("      a -> b -> a\n"), "{report}");
        assert!(
            report.contains("a -> b: demo/src/a.rs:1 `crate::b::X` (1 reference(s))"),
            "{report}"
        );
        assert!(
            report.contains("b -> a: demo/src/b.rs:2 `crate::a::g`"),
            "{report}"
        );
        assert!(!report.contains("component {a, b, c}"), "{report}");
    }

    #[test]
    fn a_longer_cycle_is_found_through_every_edge() {
        let graph = demo(&[
            ("lib.rs", "mod a;\nmod b;\nmod c;\n"),
            ("a.rs", "use crate::b::X;\n"),
            ("b.rs", "use crate::c::X;\nuse crate::a::Y;\n"),
            ("c.rs", "use crate::a::Z;\n"),
        ]);
        let report = cycle_report(&graph).expect("two cycles");
        assert!(report.contains("component {a, b, c}"), "{report}");
        assert!(report.contains("      a -> b -> a\n"), "{report}");
        assert!(report.contains("      a -> b -> c -> a\n"), "{report}");
    }

    #[test]
    fn a_chain_is_no_cycle() {
        let graph = demo(&[
            ("lib.rs", "mod a;\nmod b;\nmod c;\n"),
            ("a.rs", "use crate::b::X;\n"),
            ("b/mod.rs", "mod inner;\n"),
            ("b/inner.rs", "pub fn f() { crate::c::g() }\n"),
            ("c.rs", "pub fn g() {}\n"),
        ]);
        assert_eq!(
            edges(&graph),
            [
                "a -> b demo/src/a.rs:1 crate::b::X",
                "b -> c demo/src/b/inner.rs:1 crate::c::g",
            ]
        );
        assert_eq!(cycle_report(&graph), None);
    }

    #[test]
    fn a_grouped_use_over_several_lines_gives_one_reference_per_branch() {
        let graph = demo(&[
            ("lib.rs", "mod a;\nmod b;\nmod c;\nmod d;\n"),
            (
                "a.rs",
                "use crate::{\n    b::X,\n    c::{Y, Z as W},\n    self,\n    {d::V},\n};\n",
            ),
        ]);
        assert_eq!(
            edges(&graph),
            [
                "a -> b demo/src/a.rs:2 crate::b::X",
                "a -> c demo/src/a.rs:3 crate::c::{Y, Z as W}",
                "a -> d demo/src/a.rs:5 crate::d::V",
            ]
        );
    }

    #[test]
    fn comments_doc_comments_and_literals_are_no_references() {
        let source = r###"
// use crate::b::X;
/* crate::b::X /* nested crate::b */ still a comment crate::b */
/// See [`X`](crate::b::X).
//! crate::b
#[doc = "crate::b::X"]
fn f() {
    let s = "crate::b::X \" crate::b";
    let r = r#"crate::b " crate::b"#;
    let q = '"';
    let e = '\'';
    let l: &'static str = b"crate::b";
    crate::c::g();
}
"###;
        let graph = demo(&[
            ("lib.rs", "mod a;\nmod b;\nmod c;\n"),
            ("a.rs", source),
            ("b.rs", "use crate::a::Y;\n"),
        ]);
        assert_eq!(
            edges(&graph),
            [
                "a -> c demo/src/a.rs:13 crate::c::g",
                "b -> a demo/src/b.rs:1 crate::a::Y",
            ]
        );
        assert_eq!(cycle_report(&graph), None);
    }

    #[test]
    fn test_code_is_left_out() {
        let graph = demo(&[
            ("lib.rs", "mod a;\nmod b;\nmod c;\n"),
            (
                "a/mod.rs",
                "mod tests;\nmod part;\n#[cfg(test)]\npub(crate) mod spy;\n\
                 #[cfg(test)]\n#[path = \"helpers.rs\"]\nmod helpers;\n\
                 #[cfg(all(test, feature = \"x\"))]\nmod gated;\n\
                 struct S { #[cfg(test)] seen: M<crate::b::K, crate::b::V>, kept: u8 }\n\
                 #[cfg(test)]\nfn only_in_tests<A, B>() { crate::b::f() }\n\
                 #[cfg(test)]\nmod unit {\n    use crate::b::X;\n}\n\
                 #[cfg(not(test))]\nuse crate::c::Kept;\n",
            ),
            ("a/tests.rs", "use crate::b::X;\n"),
            (
                "a/part.rs",
                "#[cfg(test)]\n#[path = \"part_tests.rs\"]\nmod t;\n",
            ),
            ("a/part_tests.rs", "use crate::b::X;\n"),
            ("a/spy.rs", "use crate::b::X;\n"),
            ("a/spy/deep.rs", "use crate::b::X;\n"),
            ("a/helpers.rs", "use crate::b::X;\n"),
            ("a/gated.rs", "use crate::b::X;\n"),
            ("a/gated/more.rs", "use crate::b::X;\n"),
            ("c_tests.rs", "use crate::b::X;\n"),
            ("b.rs", "use crate::a::Y;\n"),
            ("c.rs", "#![cfg(test)]\nuse crate::b::X;\n"),
        ]);
        assert_eq!(
            edges(&graph),
            [
                "a -> c demo/src/a/mod.rs:18 crate::c::Kept",
                "b -> a demo/src/b.rs:1 crate::a::Y",
            ]
        );
        assert_eq!(cycle_report(&graph), None);
    }

    #[test]
    fn super_chains_and_root_re_exports_resolve_to_their_module() {
        let graph = demo(&[
            (
                "lib.rs",
                "#![warn(missing_docs)]\nmod auth;\nmod body;\nmod client;\nmod response;\n\
                 #[path = \"private.rs\"]\npub mod __private;\n\
                 pub use crate::body::Body;\npub use response::{Response as Resp, self};\n\
                 pub use url::Url;\npub type Alias = u8;\n",
            ),
            (
                "auth/mod.rs",
                "mod basic;\nuse super::Body;\nuse super::*;\nfn f() -> crate::Resp { todo!() }\n\
                 fn g(_: crate::Url, _: crate::Alias) { crate::mac!(); }\n\
                 mod inner {\n    use super::super::client::X;\n    use super::basic;\n}\n\
                 use crate::Missing;\n",
            ),
            (
                "auth/basic.rs",
                "use super::super::{body, client::Y};\nuse super::Auth;\nuse self::x::Z;\n",
            ),
            ("private.rs", "use crate::auth::A;\n"),
        ]);
        assert_eq!(
            edges(&graph),
            [
                "auth -> body demo/src/auth/mod.rs:2 super::Body",
                "auth -> response demo/src/auth/mod.rs:4 crate::Resp",
                "auth -> client demo/src/auth/mod.rs:7 super::super::client::X",
                "auth -> body demo/src/auth/basic.rs:1 super::super::body",
                "auth -> client demo/src/auth/basic.rs:1 super::super::client::Y",
                "__private -> auth demo/src/private.rs:1 crate::auth::A",
            ]
        );
        assert_eq!(
            graph.unresolved,
            ["demo/src/auth/mod.rs:10: crate::Missing"]
        );
        let report = cycle_report(&graph).expect("an unplaced name fails the check");
        assert!(
            report.contains("demo/src/auth/mod.rs:10: crate::Missing"),
            "{report}"
        );
    }

    #[test]
    fn an_inline_module_of_lib_rs_is_a_module() {
        let graph = demo(&[
            (
                "lib.rs",
                "mod cookies;\nmod redirect;\npub mod cookie {\n    //! Docs.\n    \
                 pub use crate::cookies::Jar;\n    pub use super::redirect::Policy;\n}\n\
                 pub use cookie::Jar;\nuse crate::redirect::Unused;\n",
            ),
            ("cookies.rs", "use crate::cookie::Policy;\n"),
            ("redirect/mod.rs", "use crate::Jar;\n"),
        ]);
        assert_eq!(
            edges(&graph),
            [
                "cookie -> cookies demo/src/lib.rs:5 crate::cookies::Jar",
                "cookie -> redirect demo/src/lib.rs:6 super::redirect::Policy",
                "cookies -> cookie demo/src/cookies.rs:1 crate::cookie::Policy",
                "redirect -> cookie demo/src/redirect/mod.rs:1 crate::Jar",
            ]
        );
        let cycles = cycle_report(&graph).expect("cookie <-> cookies");
        assert!(
            cycles.contains("      cookie -> cookies -> cookie\n"),
            "{cycles}"
        );
        let layers = layers(&graph).expect("layers import the facade");
        assert!(layers.contains("cookies imports cookie"), "{layers}");
        assert!(layers.contains("redirect imports cookie"), "{layers}");
    }

    #[test]
    fn a_layer_importing_the_client_is_reported_with_file_and_line() {
        let graph = demo(&[
            (
                "lib.rs",
                "mod agent;\nmod auth;\nmod body;\nmod client;\nmod error;\n",
            ),
            ("agent.rs", ""),
            ("body.rs", ""),
            ("error.rs", ""),
            (
                "auth/mod.rs",
                "use crate::{agent::Agent, body::Body, error::Error};\nmod digest;\n",
            ),
            ("auth/digest.rs", "\nuse crate::client::HttpClient;\n"),
            ("client.rs", "use crate::auth::Auth;\n"),
        ]);
        let report = layers(&graph).expect("auth imports client");
        assert!(
            report.contains(
                "demo/src/auth/digest.rs:2: auth imports client: `crate::client::HttpClient`"
            ),
            "{report}"
        );
        assert!(report.contains("layers present: auth;"), "{report}");
        assert_eq!(report.matches(" imports ").count(), 1, "{report}");
    }

    #[test]
    fn layers_may_import_the_values_module_and_nothing_else() {
        for values in REQUEST_VALUES_MODULES {
            let graph = demo(&[
                ("lib.rs", &format!("mod {values};\nmod cookies;\nmod redirect;\nmod request;\nmod error;\n")),
                (&format!("{values}.rs"), ""),
                ("error.rs", ""),
                ("request.rs", "use crate::redirect::Policy;\n"),
                ("cookies.rs", &format!("use crate::{values}::Jar;\nuse crate::error::Error;\n")),
                ("redirect/mod.rs", &format!("use crate::{values}::X;\nuse crate::cookies::Jar;\nuse crate::request::R;\n")),
            ]);
            let report = layers(&graph).expect("redirect imports cookies and request");
            assert!(report.contains("redirect imports cookies"), "{report}");
            assert!(report.contains("redirect imports request"), "{report}");
            assert!(!report.contains("cookies imports"), "{report}");
            assert!(!report.contains(&format!("imports {values}")), "{report}");
            assert!(!report.contains("request imports"), "{report}");
        }
        let allowed_only = demo(&[
            ("lib.rs", "mod timeout;\nmod error;\nmod client;\n"),
            ("timeout.rs", "use crate::error::Error;\n"),
            ("client.rs", "use crate::timeout::T;\n"),
        ]);
        assert_eq!(layers(&allowed_only), None);
    }
}
