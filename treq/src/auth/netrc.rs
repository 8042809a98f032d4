//! `.netrc` credentials (opt-in with `ClientBuilder::netrc(true)`).
//!
//! A small hand-written parser rather than a crate: the candidates are either
//! unmaintained (`netrc` 0.4, 2017, no docs) or pull in nom, regex, serde,
//! toml and dirs for what is a whitespace tokenizer (`netrc-parser`), and none
//! reports the file and line of a mistake. The format (as read by curl, GNU
//! inetutils and Python's `netrc`): tokens separated by whitespace, `"quoted
//! tokens"` with backslash escapes, `#` comments to the end of the line,
//! entries `machine NAME` or `default` followed by `login`, `password`,
//! `account` (ignored) and `port` (ignored) pairs; `macdef NAME` skips its
//! body up to the next empty line.
//!
//! Decisions: a `default` entry (credentials for any host) is used only over
//! https. curl and Python send it over plain http too, to whatever host a
//! request names, where anyone on the path can read it; a `machine` entry,
//! which names its host, is still used over http as they do. A missing file
//! means no credentials; an unreadable or malformed
//! file is a clear error (kind `Builder`, naming the file and line) on every
//! request that would have used it, because the user opted in and silently
//! sending no credentials hides the mistake. The file is read once per client,
//! the first time a request needs it.

use std::path::{Path, PathBuf};

/// Credentials for one machine (or the `default` entry).
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    /// `None` for the `default` entry.
    machine: Option<String>,
    pub(crate) login: String,
    pub(crate) password: String,
}

impl std::fmt::Debug for Entry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Entry")
            .field("machine", &self.machine)
            .field("login", &self.login)
            .finish_non_exhaustive()
    }
}

/// A parsed `.netrc` file.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Netrc {
    entries: Vec<Entry>,
}

impl Netrc {
    /// The entry for `host` (names compare case-insensitively), else the
    /// `default` entry, but only for an https request (`https`).
    pub(crate) fn lookup(&self, host: &str, https: bool) -> Option<&Entry> {
        let host = host.trim_start_matches('[').trim_end_matches(']');
        self.entries
            .iter()
            .find(|e| {
                e.machine
                    .as_deref()
                    .is_some_and(|m| m.eq_ignore_ascii_case(host))
            })
            .or_else(|| {
                https
                    .then(|| self.entries.iter().find(|e| e.machine.is_none()))
                    .flatten()
            })
    }

    /// Parses the text of a `.netrc` file. The error names the line.
    pub(crate) fn parse(text: &str) -> Result<Netrc, String> {
        let mut tokens = Tokens::new(text);
        let mut entries: Vec<Entry> = Vec::new();
        while let Some((word, line)) = tokens.next()? {
            match word.as_str() {
                "machine" => {
                    let name = tokens.value("machine", line)?;
                    entries.push(Entry {
                        machine: Some(name),
                        login: String::new(),
                        password: String::new(),
                    });
                }
                "default" => entries.push(Entry {
                    machine: None,
                    login: String::new(),
                    password: String::new(),
                }),
                "login" | "password" | "account" | "port" => {
                    let value = tokens.value(&word, line)?;
                    let Some(entry) = entries.last_mut() else {
                        return Err(format!(
                            "line {line}: `{word}` before any `machine` or `default`"
                        ));
                    };
                    match word.as_str() {
                        "login" => entry.login = value,
                        "password" => entry.password = value,
                        _ => {}
                    }
                }
                "macdef" => {
                    tokens.value("macdef", line)?;
                    tokens.skip_macro();
                }
                other => return Err(format!("line {line}: unexpected token `{other}`")),
            }
        }
        Ok(Netrc { entries })
    }
}

struct Tokens<'a> {
    rest: &'a str,
    line: usize,
}

impl<'a> Tokens<'a> {
    fn new(text: &'a str) -> Self {
        Tokens {
            rest: text,
            line: 1,
        }
    }

    fn advance(&mut self, n: usize) {
        self.line += self.rest[..n].matches('\n').count();
        self.rest = &self.rest[n..];
    }

    /// The next token and its line, skipping whitespace and comments.
    fn next(&mut self) -> Result<Option<(String, usize)>, String> {
        loop {
            let ws = self.rest.len() - self.rest.trim_start().len();
            self.advance(ws);
            if self.rest.starts_with('#') {
                let end = self.rest.find('\n').unwrap_or(self.rest.len());
                self.advance(end);
                continue;
            }
            break;
        }
        if self.rest.is_empty() {
            return Ok(None);
        }
        let line = self.line;
        if let Some(quoted) = self.rest.strip_prefix('"') {
            let mut value = String::new();
            let mut chars = quoted.char_indices();
            while let Some((i, c)) = chars.next() {
                match c {
                    '"' => {
                        self.advance(i + 2);
                        return Ok(Some((value, line)));
                    }
                    '\\' => match chars.next() {
                        Some((_, escaped)) => value.push(escaped),
                        None => break,
                    },
                    c => value.push(c),
                }
            }
            return Err(format!("line {line}: unterminated quoted string"));
        }
        let end = self
            .rest
            .find(char::is_whitespace)
            .unwrap_or(self.rest.len());
        let token = self.rest[..end].to_owned();
        self.advance(end);
        Ok(Some((token, line)))
    }

    fn value(&mut self, keyword: &str, line: usize) -> Result<String, String> {
        self.next()?
            .map(|(v, _)| v)
            .ok_or_else(|| format!("line {line}: `{keyword}` needs a value"))
    }

    /// Skips a macro body: everything up to the next empty line.
    fn skip_macro(&mut self) {
        // The rest of the `macdef NAME` line belongs to the macro too.
        match self.rest.find("\n\n") {
            Some(i) => self.advance(i + 2),
            None => self.advance(self.rest.len()),
        }
    }
}

/// Where the file is: `$NETRC` if set, else `~/.netrc` (on Windows also
/// `~/_netrc`, as curl does).
pub(crate) fn default_path() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("NETRC").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(path));
    }
    let home = std::env::var_os("HOME")
        .or_else(|| std::env::var_os("USERPROFILE"))
        .filter(|h| !h.is_empty())?;
    let home = PathBuf::from(home);
    let dot = home.join(".netrc");
    if cfg!(windows) && !dot.exists() {
        return Some(home.join("_netrc"));
    }
    Some(dot)
}

/// Reads and parses the file; a missing file is an empty `Netrc`.
pub(crate) fn load(path: &Path) -> Result<Netrc, String> {
    match std::fs::read_to_string(path) {
        Ok(text) => {
            Netrc::parse(&text).map_err(|e| format!("could not parse {}: {e}", path.display()))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Netrc::default()),
        Err(e) => Err(format!("could not read {}: {e}", path.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn creds(netrc: &Netrc, host: &str) -> Option<(String, String)> {
        netrc
            .lookup(host, true)
            .map(|e| (e.login.clone(), e.password.clone()))
    }

    #[test]
    fn machines_default_and_case_insensitive_hosts() {
        let netrc = Netrc::parse(
            "# comment line\n\
             machine example.com login alice password s3cret\n\
             machine other.org\n  login bob # trailing comment\n  password \"p w\\\"d\"\n  account x\n\
             default login anon password guest\n",
        )
        .unwrap();
        assert_eq!(
            creds(&netrc, "EXAMPLE.com"),
            Some(("alice".into(), "s3cret".into()))
        );
        assert_eq!(
            creds(&netrc, "other.org"),
            Some(("bob".into(), "p w\"d".into()))
        );
        assert_eq!(
            creds(&netrc, "elsewhere"),
            Some(("anon".into(), "guest".into()))
        );
        // Over plain http only the named machines get credentials.
        assert_eq!(netrc.lookup("elsewhere", false), None);
        assert_eq!(
            netrc.lookup("example.com", false).map(|e| e.login.as_str()),
            Some("alice")
        );
    }

    #[test]
    fn macdef_bodies_are_skipped() {
        let netrc = Netrc::parse(
            "macdef init\ncd /pub\nmachine trap login no password no\n\nmachine h login u password p\n",
        )
        .unwrap();
        assert_eq!(creds(&netrc, "trap"), None);
        assert_eq!(creds(&netrc, "h"), Some(("u".into(), "p".into())));
    }

    #[test]
    fn no_match_without_default_and_ipv6_brackets() {
        let netrc = Netrc::parse("machine ::1 login v6 password six").unwrap();
        assert_eq!(creds(&netrc, "[::1]"), Some(("v6".into(), "six".into())));
        assert_eq!(creds(&netrc, "example.com"), None);
    }

    #[test]
    fn mistakes_name_the_line() {
        assert_eq!(
            Netrc::parse("machine a login u\nmachine b password").unwrap_err(),
            "line 2: `password` needs a value"
        );
        assert_eq!(
            Netrc::parse("\n\nlogin u").unwrap_err(),
            "line 3: `login` before any `machine` or `default`"
        );
        assert_eq!(
            Netrc::parse("machine a\n  bogus x").unwrap_err(),
            "line 2: unexpected token `bogus`"
        );
        assert!(Netrc::parse("machine a password \"open")
            .unwrap_err()
            .contains("unterminated"));
    }

    #[test]
    fn load_missing_file_is_empty_and_bad_file_names_path() {
        let dir = std::env::temp_dir().join(format!("treq-netrc-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        assert_eq!(load(&dir.join("absent")).unwrap(), Netrc::default());
        let bad = dir.join("bad");
        std::fs::write(&bad, "machine").unwrap();
        let err = load(&bad).unwrap_err();
        assert!(err.contains("bad") && err.contains("line 1"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn debug_hides_the_password() {
        let netrc = Netrc::parse("machine a login u password hunter2").unwrap();
        assert!(!format!("{netrc:?}").contains("hunter2"));
    }
}
