//! `.env` files, as `docker run --env-file`, Compose and the dotenv libraries write them:
//! `NAME=value` lines, `export ` before a name, `#` comments, values bare (trimmed, a ` #`
//! starting a comment), in single quotes (taken as written) or in double quotes (`\n`, `\t`,
//! `\"`, `\\` escapes; may span lines). Errors give the line, never the value.

use zeroize::Zeroizing;

use crate::fail::{Failure, Result};

/// One `NAME=value` of a file.
pub struct Entry {
    pub name: String,
    pub value: Zeroizing<String>,
    /// Where it starts, from 1.
    pub line: usize,
}

/// Every entry of `text`, in order.
pub fn parse(text: &str) -> Result<Vec<Entry>> {
    let mut parser = Parser {
        chars: text.chars().collect::<Vec<_>>().into(),
        at: 0,
        line: 1,
    };
    let mut entries = Vec::new();
    while let Some(entry) = parser.entry()? {
        entries.push(entry);
    }
    Ok(entries)
}

struct Parser {
    /// Wiped when dropped: it holds every value of the file.
    chars: Zeroizing<Vec<char>>,
    at: usize,
    line: usize,
}

impl Parser {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.at).copied()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.at += 1;
        if c == '\n' {
            self.line += 1;
        }
        Some(c)
    }

    fn skip_blanks(&mut self) {
        while matches!(self.peek(), Some(' ' | '\t' | '\r')) {
            self.bump();
        }
    }

    fn skip_line(&mut self) {
        while let Some(c) = self.bump() {
            if c == '\n' {
                break;
            }
        }
    }

    /// The next entry, skipping blank and comment lines; `None` at the end.
    fn entry(&mut self) -> Result<Option<Entry>> {
        loop {
            self.skip_blanks();
            match self.peek() {
                None => return Ok(None),
                Some('\n') => {
                    self.bump();
                }
                Some('#') => self.skip_line(),
                Some(_) => break,
            }
        }
        let line = self.line;
        let mut name = String::new();
        while let Some(c) = self.peek() {
            if matches!(c, '=' | '\n') {
                break;
            }
            name.push(c);
            self.bump();
        }
        if self.bump() != Some('=') {
            // Not quoted: a line without `=` may be a value on its own.
            return Err(fail(line, "has no `=`: write NAME=value"));
        }
        let name = name.trim();
        let name = name.strip_prefix("export ").map_or(name, str::trim_start);
        if let Err(why) = secrets_names::blind::check_env_name(name) {
            return Err(fail(line, &why));
        }
        self.skip_blanks();
        let value = match self.peek() {
            Some('\'') => self.single_quoted(line)?,
            Some('"') => self.double_quoted(line)?,
            _ => self.bare(),
        };
        Ok(Some(Entry {
            name: name.to_owned(),
            value,
            line,
        }))
    }

    fn bare(&mut self) -> Zeroizing<String> {
        let mut value = Zeroizing::new(String::new());
        let mut after_blank = true;
        while let Some(c) = self.peek() {
            if c == '\n' || (c == '#' && after_blank) {
                break;
            }
            after_blank = c == ' ' || c == '\t';
            value.push(c);
            self.bump();
        }
        self.skip_line();
        let trimmed = value.trim_end().len();
        value.truncate(trimmed);
        value
    }

    fn single_quoted(&mut self, line: usize) -> Result<Zeroizing<String>> {
        self.bump();
        let mut value = Zeroizing::new(String::new());
        loop {
            match self.bump() {
                None => return Err(fail(line, "the single-quoted value is never closed")),
                Some('\'') => break,
                Some(c) => value.push(c),
            }
        }
        self.after_quote(line)?;
        Ok(value)
    }

    fn double_quoted(&mut self, line: usize) -> Result<Zeroizing<String>> {
        self.bump();
        let mut value = Zeroizing::new(String::new());
        loop {
            match self.bump() {
                None => return Err(fail(line, "the double-quoted value is never closed")),
                Some('"') => break,
                Some('\\') => match self.bump() {
                    Some('n') => value.push('\n'),
                    Some('r') => value.push('\r'),
                    Some('t') => value.push('\t'),
                    Some(c @ ('"' | '\\' | '$')) => value.push(c),
                    Some(c) => {
                        value.push('\\');
                        value.push(c);
                    }
                    None => {
                        return Err(fail(line, "the double-quoted value is never closed"));
                    }
                },
                Some(c) => value.push(c),
            }
        }
        self.after_quote(line)?;
        Ok(value)
    }

    /// After a closing quote: blanks, perhaps a comment, then the end of the line.
    fn after_quote(&mut self, line: usize) -> Result<()> {
        self.skip_blanks();
        match self.peek() {
            None | Some('\n' | '#') => {
                self.skip_line();
                Ok(())
            }
            Some(_) => Err(fail(
                line,
                "has text after the closing quote: quote the whole value",
            )),
        }
    }
}

fn fail(line: usize, why: &str) -> Failure {
    Failure::new(format!("line {line}: {why}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(text: &str) -> Vec<(String, String, usize)> {
        parse(text)
            .unwrap()
            .into_iter()
            .map(|e| (e.name, e.value.to_string(), e.line))
            .collect()
    }

    #[test]
    fn the_forms_env_files_are_written_in() {
        let text = "# a comment\n\
                    \n\
                    A=plain value  # a comment\n\
                    export B = spaced\n\
                    C='single # kept \\n as is'\n\
                    D=\"line\\none \\\"quoted\\\" \\\\ \\$x\"\n\
                    E=\"spans\n\
                    two lines\"\n\
                    F=\n\
                    G=a#b\r\n\
                    H=sm://p/s#3\n";
        assert_eq!(
            pairs(text),
            [
                ("A".into(), "plain value".into(), 3),
                ("B".into(), "spaced".into(), 4),
                ("C".into(), "single # kept \\n as is".into(), 5),
                ("D".into(), "line\none \"quoted\" \\ $x".into(), 6),
                ("E".into(), "spans\ntwo lines".into(), 7),
                ("F".into(), String::new(), 9),
                ("G".into(), "a#b".into(), 10),
                ("H".into(), "sm://p/s#3".into(), 11),
            ]
        );
    }

    #[test]
    fn errors_give_the_line_and_never_the_text() {
        for (text, why) in [
            (
                "A=1\ns3cr3t-alone\n",
                "line 2: has no `=`: write NAME=value",
            ),
            (
                "A='s3cr3t\n",
                "line 1: the single-quoted value is never closed",
            ),
            (
                "\n\nA=\"s3cr3t\n",
                "line 3: the double-quoted value is never closed",
            ),
            (
                "A=\"s3\"cr3t\n",
                "line 1: has text after the closing quote: quote the whole value",
            ),
        ] {
            let err = parse(text).err().expect(text).to_string();
            assert_eq!(err, why);
        }
        let err = parse("s3cr3t-name!=x\n").err().unwrap().to_string();
        assert!(err.starts_with("line 1: "), "{err}");
        assert!(!err.contains("s3cr3t"), "{err}");
    }
}
