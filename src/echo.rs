//! Input echoed in a message, made safe to print: one line, control characters escaped, long
//! text cut with an ellipsis.
//!
//! Every error path of the crate goes through it: [`echo`] for a piece of input quoted in a
//! message (a file name, a key, a value, a name), [`one_line`] for a whole message, including
//! one written by a parser. `echo("a\nb")` is `a\nb` with a backslash (4 characters); a 10 MB
//! key becomes its first 60 and last 39 characters around `…`.
//!
//! May depend on: nothing (a leaf of the crate).

/// Most characters of one piece of echoed input (see [`echo`]).
pub const ECHO_CHARS: usize = 100;

/// Most characters of one message (see [`one_line`]).
pub const LINE_CHARS: usize = 1_000;

/// Characters kept before the ellipsis when a piece is cut; the rest of [`ECHO_CHARS`] − 1
/// are kept from its end (the end of a path or key says most).
const HEAD_CHARS: usize = 60;

/// A piece of input as it may appear inside a message: control characters (line breaks,
/// escape sequences, Unicode line separators and bidirectional overrides) written as Rust
/// escapes, cut in the middle to at most [`ECHO_CHARS`] characters.
pub fn echo(text: &str) -> String {
    cut_middle(&escape_controls(text), ECHO_CHARS)
}

/// A file name as it may appear inside a message: [`echo`] of its display form.
pub fn echo_path(path: &std::path::Path) -> String {
    echo(&path.display().to_string())
}

/// A whole message as one line of at most [`LINE_CHARS`] characters: control characters
/// escaped as in [`echo`], every quoted span (where parsers put the input they echo: serde's
/// `` `key` `` and `"value"`, clap's `'value'`) cut in the middle to [`ECHO_CHARS`]
/// characters, and the whole cut at its end. Idempotent.
pub fn one_line(message: &str) -> String {
    let escaped = escape_controls(message);
    let shortened = cut_quoted_spans(&escaped);
    cut_end(&shortened, LINE_CHARS)
}

/// Whether `c` would break the line or fool the terminal.
fn is_hostile(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{2028}' | '\u{2029}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

fn escape_controls(text: &str) -> String {
    if !text.chars().any(is_hostile) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_hostile(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// The first [`HEAD_CHARS`] and the last `limit − HEAD_CHARS − 1` characters around `…`.
fn cut_middle(text: &str, limit: usize) -> String {
    if text.chars().count() <= limit {
        return text.to_string();
    }
    let head = HEAD_CHARS.min(limit.saturating_sub(1));
    let tail_len = limit.saturating_sub(head + 1);
    let mut tail: Vec<char> = text.chars().rev().take(tail_len).collect();
    tail.reverse();
    let mut out: String = text.chars().take(head).collect();
    out.push('…');
    out.extend(tail);
    out
}

fn cut_end(text: &str, limit: usize) -> String {
    if text.chars().count() <= limit {
        return text.to_string();
    }
    let mut out: String = text.chars().take(limit.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// Cuts the inside of every quoted span longer than [`ECHO_CHARS`]: a backquote, double quote
/// or single quote at the start or after a character that is not a letter or digit opens a
/// span (so the apostrophe of "chain's" does not), the next same quote closes it.
fn cut_quoted_spans(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(4 * LINE_CHARS));
    let mut rest = text;
    while let Some(open) = find_opening_quote(rest) {
        let quote = &rest[open..=open];
        out.push_str(&rest[..=open]);
        rest = &rest[open + 1..];
        let Some(close) = rest.find(quote) else {
            break;
        };
        out.push_str(&cut_middle(&rest[..close], ECHO_CHARS));
        out.push_str(quote);
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    out
}

fn find_opening_quote(text: &str) -> Option<usize> {
    let mut previous: Option<char> = None;
    for (i, c) in text.char_indices() {
        if matches!(c, '`' | '"' | '\'') && !previous.is_some_and(char::is_alphanumeric) {
            return Some(i);
        }
        previous = Some(c);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn line_breaks_and_escapes_are_escaped() {
        assert_eq!(echo("a\nb\rc\u{1b}[31m"), "a\\nb\\rc\\u{1b}[31m");
        assert_eq!(echo("x\u{2028}y\u{202e}z"), "x\\u{2028}y\\u{202e}z");
        assert_eq!(echo("plain text"), "plain text");
    }

    #[test]
    fn long_input_is_cut_in_the_middle() {
        let key = format!("{}{}", "a".repeat(5_000_000), "z".repeat(5_000_000));
        let shown = echo(&key);
        assert_eq!(shown.chars().count(), ECHO_CHARS);
        assert!(shown.starts_with(&"a".repeat(HEAD_CHARS)));
        assert!(shown.ends_with(&format!("…{}", "z".repeat(ECHO_CHARS - HEAD_CHARS - 1))));
        assert_eq!(echo(&"b".repeat(ECHO_CHARS)), "b".repeat(ECHO_CHARS));
    }

    #[test]
    fn quoted_spans_of_a_parser_message_are_cut() {
        let key = "k".repeat(10_000);
        let message = format!("unknown field `{key}`, expected `block` or `tempo`");
        let line = one_line(&message);
        assert!(line.starts_with("unknown field `kkk"), "{line}");
        assert!(
            line.contains('…') && line.ends_with("kkk`, expected `block` or `tempo`"),
            "{line}"
        );
        assert!(line.chars().count() < 200, "{line}");
        let value = "v".repeat(10_000);
        let line = one_line(&format!(
            "invalid value '{value}' for '--jobs <N>': the chain's"
        ));
        assert!(
            line.contains('…') && line.ends_with("vvv' for '--jobs <N>': the chain's"),
            "{line}"
        );
    }

    #[test]
    fn a_message_is_cut_at_its_end() {
        let line = one_line(&"word ".repeat(1_000));
        assert_eq!(line.chars().count(), LINE_CHARS);
        assert!(line.ends_with('…'));
    }

    proptest! {
        #[test]
        fn any_text_becomes_one_bounded_line(text in any::<String>(), repeat in 1usize..300) {
            let text = text.repeat(repeat);
            for (shown, limit) in [(echo(&text), ECHO_CHARS), (one_line(&text), LINE_CHARS)] {
                prop_assert!(!shown.chars().any(is_hostile), "{:?}", shown);
                prop_assert!(shown.chars().count() <= limit, "{} chars", shown.chars().count());
            }
            prop_assert_eq!(one_line(&one_line(&text)), one_line(&text));
        }
    }
}
