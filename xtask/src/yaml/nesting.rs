//! The nesting of a YAML text, read line by line without parsing it, in linear time.
//!
//! The YAML reader is quadratic in flow nesting (`[[[[...`: 100k levels took 71 s) and checks
//! its depth limit only after reading the whole text, so the depth is measured here first.
//! The scan knows just enough YAML to be right on real documents: block indentation, `- ` and
//! `key:` openers, flow collections, quoted scalars (which may hold brackets and span lines),
//! comments and block scalars (`|`, `>`: their lines are text). The same walk gives the lines
//! of a block mapping key, for duplicate-key warnings.

/// Where the text first nests deeper than allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooDeep {
    pub line: usize,
}

/// The first line at which collections nest more than `max_depth` levels, if any.
pub fn first_too_deep(text: &str, max_depth: usize) -> Option<TooDeep> {
    let mut scan = Scan::default();
    for (i, line) in text.lines().enumerate() {
        if scan.line(line, &mut |_, _| {}) > max_depth {
            return Some(TooDeep { line: i + 1 });
        }
    }
    None
}

/// The 1-based lines where block mapping key `key` appears in the mapping at `parent` (keys
/// and sequence indices from the root). Keys inside flow collections are not found.
pub fn key_lines(text: &str, parent: &[String], key: &str) -> Vec<usize> {
    let mut scan = Scan::default();
    let mut lines = Vec::new();
    for (i, line) in text.lines().enumerate() {
        scan.line(line, &mut |path, found| {
            if found == key && path == parent {
                lines.push(i + 1);
            }
        });
    }
    lines
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Key(String),
    Item(usize),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pending {
    None,
    /// Inside a quoted scalar that goes on to the next line.
    Quoted {
        double: bool,
    },
    /// Inside flow collections, `depth` deep (and maybe inside a quoted scalar there).
    Flow {
        depth: usize,
        quoted: Option<bool>,
    },
    /// Inside a `|` or `>` scalar whose key is indented `indent`.
    BlockScalar {
        indent: usize,
    },
}

struct Scan {
    /// The open block collections: the column each started at and its token in the path.
    stack: Vec<(usize, Token)>,
    pending: Pending,
}

impl Default for Scan {
    fn default() -> Self {
        Scan {
            stack: Vec::new(),
            pending: Pending::None,
        }
    }
}

impl Scan {
    fn path(&self) -> Vec<String> {
        self.stack
            .iter()
            .map(|(_, t)| match t {
                Token::Key(k) => k.clone(),
                Token::Item(i) => i.to_string(),
            })
            .collect()
    }

    /// Reads one line; calls `on_key(parent path, key)` for each block mapping key; returns
    /// the deepest nesting seen on the line.
    fn line(&mut self, line: &str, on_key: &mut dyn FnMut(&[String], &str)) -> usize {
        let bytes = line.as_bytes();
        let indent = bytes.iter().take_while(|&&b| b == b' ').count();
        let blank = indent == bytes.len() || bytes[indent] == b'#';
        match self.pending {
            Pending::BlockScalar { indent: key_indent } => {
                if blank || indent > key_indent {
                    return self.stack.len();
                }
                self.pending = Pending::None;
            }
            Pending::Quoted { double } => {
                return match skip_quoted(bytes, 0, double) {
                    Some(_) => {
                        self.pending = Pending::None;
                        self.stack.len()
                    }
                    None => self.stack.len(),
                };
            }
            Pending::Flow { depth, quoted } => return self.flow(bytes, 0, depth, quoted),
            Pending::None => {}
        }
        if blank || line.starts_with("---") || line.starts_with("...") {
            return self.stack.len();
        }
        let mut at = indent;
        // `- ` openers, possibly several on one line (`- - x` nests sequences).
        while bytes.get(at) == Some(&b'-') && matches!(bytes.get(at + 1), None | Some(b' ')) {
            while self.stack.last().is_some_and(|(col, _)| *col > at) {
                self.stack.pop();
            }
            match self.stack.last_mut() {
                Some((col, Token::Item(i))) if *col == at => *i += 1,
                _ => self.stack.push((at, Token::Item(0))),
            }
            at += 1;
            while bytes.get(at) == Some(&b' ') {
                at += 1;
            }
        }
        let deepest = self.stack.len();
        if at >= bytes.len() || bytes[at] == b'#' {
            return deepest;
        }
        // A `key:` at `at`?
        let (key, value_at) = match mapping_key(bytes, at) {
            Some((key, value_at)) => (Some(key), value_at),
            None => (None, at),
        };
        if let Some(key) = key {
            while self
                .stack
                .last()
                .is_some_and(|(col, t)| *col > at || (*col == at && matches!(t, Token::Key(_))))
            {
                self.stack.pop();
            }
            on_key(&self.path(), &key);
            self.stack.push((at, Token::Key(key)));
        }
        let mut v = value_at;
        while bytes.get(v) == Some(&b' ') {
            v += 1;
        }
        // Anchors and tags before the value.
        while matches!(bytes.get(v), Some(b'&' | b'!')) {
            while v < bytes.len() && bytes[v] != b' ' {
                v += 1;
            }
            while bytes.get(v) == Some(&b' ') {
                v += 1;
            }
        }
        match bytes.get(v) {
            Some(b'[' | b'{') => self.flow(bytes, v, 0, None),
            Some(&q @ (b'"' | b'\'')) => {
                if skip_quoted(bytes, v + 1, q == b'"').is_none() {
                    self.pending = Pending::Quoted { double: q == b'"' };
                }
                self.stack.len()
            }
            Some(b'|' | b'>') => {
                self.pending = Pending::BlockScalar { indent };
                self.stack.len()
            }
            _ => self.stack.len(),
        }
    }

    /// Reads flow collections from `bytes[from..]`, `depth` already open.
    fn flow(&mut self, bytes: &[u8], from: usize, mut depth: usize, quoted: Option<bool>) -> usize {
        let base = self.stack.len();
        let mut deepest = base + depth;
        let mut i = from;
        if let Some(double) = quoted {
            match skip_quoted(bytes, i, double) {
                Some(end) => i = end,
                None => {
                    self.pending = Pending::Flow { depth, quoted };
                    return deepest;
                }
            }
        }
        // Whether a quote here would open a quoted scalar (only at the start of a node).
        let mut node_start = true;
        while i < bytes.len() {
            let b = bytes[i];
            match b {
                b'[' | b'{' => {
                    depth += 1;
                    deepest = deepest.max(base + depth);
                    node_start = true;
                }
                b']' | b'}' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        self.pending = Pending::None;
                        return deepest;
                    }
                    node_start = false;
                }
                b',' | b':' => node_start = true,
                b'"' | b'\'' if node_start => match skip_quoted(bytes, i + 1, b == b'"') {
                    Some(end) => {
                        i = end;
                        node_start = false;
                        continue;
                    }
                    None => {
                        self.pending = Pending::Flow {
                            depth,
                            quoted: Some(b == b'"'),
                        };
                        return deepest;
                    }
                },
                b'#' if i == 0 || bytes[i - 1] == b' ' => break,
                b' ' | b'\t' => {}
                _ => node_start = false,
            }
            i += 1;
        }
        self.pending = if depth == 0 {
            Pending::None
        } else {
            Pending::Flow {
                depth,
                quoted: None,
            }
        };
        deepest
    }
}

/// The end (one past the closing quote) of a quoted scalar whose text starts at `from`, or
/// `None` when it goes on past this line.
fn skip_quoted(bytes: &[u8], from: usize, double: bool) -> Option<usize> {
    let mut i = from;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if double => i += 2,
            b'"' if double => return Some(i + 1),
            b'\'' if !double => {
                if bytes.get(i + 1) == Some(&b'\'') {
                    i += 2;
                } else {
                    return Some(i + 1);
                }
            }
            _ => i += 1,
        }
    }
    None
}

/// A block mapping key at `at` (`name:`, `"200":`, `'a b':`), and where its value starts.
fn mapping_key(bytes: &[u8], at: usize) -> Option<(String, usize)> {
    let is_end = |i: usize| matches!(bytes.get(i), None | Some(b' ' | b'\t'));
    match bytes.get(at)? {
        &q @ (b'"' | b'\'') => {
            let end = skip_quoted(bytes, at + 1, q == b'"')?;
            if bytes.get(end) == Some(&b':') && is_end(end + 1) {
                let inner = String::from_utf8_lossy(&bytes[at + 1..end - 1]);
                let key = if q == b'\'' {
                    inner.replace("''", "'")
                } else {
                    inner.replace("\\\"", "\"").replace("\\\\", "\\")
                };
                Some((key, end + 1))
            } else {
                None
            }
        }
        b'[' | b'{' | b'#' | b'|' | b'>' | b'&' | b'*' | b'!' | b'%' | b'@' | b'`' => None,
        _ => {
            let mut i = at;
            while i < bytes.len() {
                if bytes[i] == b':' && is_end(i + 1) {
                    let key = String::from_utf8_lossy(&bytes[at..i]).trim_end().to_owned();
                    return Some((key, i + 1));
                }
                if bytes[i] == b'#' && bytes[i - 1] == b' ' {
                    return None;
                }
                i += 1;
            }
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn depth(text: &str) -> usize {
        let mut scan = Scan::default();
        text.lines()
            .map(|l| scan.line(l, &mut |_, _| {}))
            .max()
            .unwrap_or(0)
    }

    #[test]
    fn block_flow_and_compact_nesting_are_measured() {
        assert_eq!(depth("a:\n  b:\n    c: 1\n"), 3);
        assert_eq!(depth("a: [[1, [2]], {b: [3]}]\n"), 4);
        assert_eq!(depth("- - - x\n"), 3);
        assert_eq!(depth("a: [\n  [1,\n   [2]]]\n"), 4);
    }

    #[test]
    fn brackets_in_text_do_not_count() {
        let text = "description: \"see [a](b) {x\"\nd2: 'it''s [['\npattern: ^[a-z]+$\n\
                    body: |\n  [[[[[[ text\n  {{{{\nnext: \"multi\n  line [[[\"\nlast: [a, \"]]\", b]\n";
        assert_eq!(depth(text), 2);
        assert_eq!(first_too_deep(text, 2), None);
    }

    #[test]
    fn a_hundred_thousand_flow_levels_stop_at_the_limit() {
        let text = format!("a: {}{}\n", "[".repeat(100_000), "]".repeat(100_000));
        let started = std::time::Instant::now();
        assert_eq!(first_too_deep(&text, 100), Some(TooDeep { line: 1 }));
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
    }

    #[test]
    fn key_lines_follow_the_block_structure() {
        let text = "paths:\n  /a:\n    get: {}\ninfo:\n  title: x\npaths:\n  /b: {}\nlist:\n- paths: 1\n  x: 2\n- paths: 3\n";
        let root: Vec<String> = vec![];
        assert_eq!(key_lines(text, &root, "paths"), [1, 6]);
        assert_eq!(key_lines(text, &["info".to_string()], "title"), [5]);
        assert_eq!(
            key_lines(text, &["list".to_string(), "1".to_string()], "paths"),
            [11]
        );
        assert_eq!(
            key_lines(text, &["list".to_string(), "0".to_string()], "x"),
            [10]
        );
    }
}
