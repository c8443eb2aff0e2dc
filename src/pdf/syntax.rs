//! PDF object syntax (ISO 32000-1 §7.2–7.3): a bounded tokenizer and object parser over bytes.

use std::ops::Range;

use super::{MAX_DICT_ENTRIES, MAX_NESTING, PdfError};

/// Where a string lies in the file: the `<` to the `>` (or `(` to `)`) inclusive. Never part
/// of an object's equality (the same dictionary written elsewhere is the same dictionary).
#[derive(Clone, Debug)]
pub(crate) struct Span(pub(crate) Option<Range<usize>>);

impl PartialEq for Span {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

/// A PDF object. Reals are kept as written (they are only ever compared).
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Object {
    Null,
    Bool(bool),
    Int(i64),
    Real(Vec<u8>),
    Name(Vec<u8>),
    Str {
        bytes: Vec<u8>,
        hex: bool,
        span: Span,
    },
    Array(Vec<Object>),
    Dict(Dict),
    Ref(u32, u16),
    /// A stream: its dictionary and where its (still encoded) data lies in its buffer.
    Stream(Dict, Range<usize>),
}

/// A dictionary, in the order written.
#[derive(Clone, Debug, PartialEq, Default)]
pub(crate) struct Dict(pub(crate) Vec<(Vec<u8>, Object)>);

impl Dict {
    pub(crate) fn get(&self, key: &[u8]) -> Option<&Object> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    pub(crate) fn name(&self, key: &[u8]) -> Option<&[u8]> {
        match self.get(key) {
            Some(Object::Name(n)) => Some(n),
            _ => None,
        }
    }

    pub(crate) fn int(&self, key: &[u8]) -> Option<i64> {
        match self.get(key) {
            Some(Object::Int(i)) => Some(*i),
            _ => None,
        }
    }
}

impl Object {
    pub(crate) fn as_dict(&self) -> Option<&Dict> {
        match self {
            Self::Dict(d) | Self::Stream(d, _) => Some(d),
            _ => None,
        }
    }
}

fn is_whitespace(b: u8) -> bool {
    matches!(b, 0 | b'\t' | b'\n' | 0x0c | b'\r' | b' ')
}

fn is_delimiter(b: u8) -> bool {
    matches!(
        b,
        b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%'
    )
}

fn is_regular(b: u8) -> bool {
    !is_whitespace(b) && !is_delimiter(b)
}

/// A cursor over one buffer (the file, or a decompressed object stream). `in_file` says
/// whether positions are file offsets (string spans are recorded only then).
pub(crate) struct Parser<'a> {
    pub(crate) data: &'a [u8],
    pub(crate) pos: usize,
    in_file: bool,
}

impl<'a> Parser<'a> {
    pub(crate) fn new(data: &'a [u8], pos: usize, in_file: bool) -> Self {
        Self { data, pos, in_file }
    }

    fn malformed(&self, what: &str) -> PdfError {
        PdfError::Malformed {
            offset: self.pos,
            reason: what.to_owned(),
        }
    }

    pub(crate) fn skip_whitespace(&mut self) {
        while let Some(&b) = self.data.get(self.pos) {
            if is_whitespace(b) {
                self.pos += 1;
            } else if b == b'%' {
                while let Some(&c) = self.data.get(self.pos) {
                    if c == b'\r' || c == b'\n' {
                        break;
                    }
                    self.pos += 1;
                }
            } else {
                break;
            }
        }
    }

    /// The regular characters at the cursor (a keyword or number), not consumed.
    fn peek_word(&self) -> &'a [u8] {
        let start = self.pos.min(self.data.len());
        let len = self.data[start..]
            .iter()
            .take_while(|&&b| is_regular(b))
            .count();
        &self.data[start..start + len]
    }

    /// Consumes `keyword` (after whitespace) if it is the next word.
    pub(crate) fn eat_keyword(&mut self, keyword: &[u8]) -> bool {
        self.skip_whitespace();
        if self.peek_word() == keyword {
            self.pos += keyword.len();
            true
        } else {
            false
        }
    }

    /// An unsigned integer (after whitespace).
    pub(crate) fn unsigned(&mut self) -> Result<u64, PdfError> {
        self.skip_whitespace();
        let word = self.peek_word();
        if word.is_empty() || word.len() > 19 || !word.iter().all(u8::is_ascii_digit) {
            return Err(self.malformed("expected an unsigned integer"));
        }
        self.pos += word.len();
        Ok(word.iter().fold(0u64, |n, d| n * 10 + u64::from(d - b'0')))
    }

    /// The next object (after whitespace), nesting at most [`MAX_NESTING`] deep.
    pub(crate) fn object(&mut self, depth: usize) -> Result<Object, PdfError> {
        if depth > MAX_NESTING {
            return Err(PdfError::TooDeep { max: MAX_NESTING });
        }
        self.skip_whitespace();
        let Some(&b) = self.data.get(self.pos) else {
            return Err(self.malformed("unexpected end of data"));
        };
        match b {
            b'<' if self.data.get(self.pos + 1) == Some(&b'<') => {
                self.pos += 2;
                let dict = self.dict_body(depth)?;
                Ok(Object::Dict(dict))
            }
            b'<' => self.hex_string(),
            b'(' => self.literal_string(),
            b'[' => {
                self.pos += 1;
                let mut items = Vec::new();
                loop {
                    self.skip_whitespace();
                    match self.data.get(self.pos) {
                        Some(b']') => {
                            self.pos += 1;
                            return Ok(Object::Array(items));
                        }
                        None => return Err(self.malformed("unterminated array")),
                        _ => {}
                    }
                    if items.len() >= MAX_DICT_ENTRIES {
                        return Err(PdfError::TooMany {
                            what: "array elements",
                            max: MAX_DICT_ENTRIES,
                        });
                    }
                    items.push(self.object(depth + 1)?);
                }
            }
            b'/' => Ok(Object::Name(self.name()?)),
            b'+' | b'-' | b'.' | b'0'..=b'9' => self.number(),
            _ => {
                let word = self.peek_word();
                let object = match word {
                    b"true" => Object::Bool(true),
                    b"false" => Object::Bool(false),
                    b"null" => Object::Null,
                    _ => return Err(self.malformed("expected an object")),
                };
                self.pos += word.len();
                Ok(object)
            }
        }
    }

    /// A dictionary's entries, after its `<<`, through its `>>`.
    fn dict_body(&mut self, depth: usize) -> Result<Dict, PdfError> {
        let mut entries = Vec::new();
        loop {
            self.skip_whitespace();
            match self.data.get(self.pos..self.pos + 2) {
                Some(b">>") => {
                    self.pos += 2;
                    return Ok(Dict(entries));
                }
                None => return Err(self.malformed("unterminated dictionary")),
                _ => {}
            }
            if self.data.get(self.pos) != Some(&b'/') {
                return Err(self.malformed("a dictionary key is not a name"));
            }
            if entries.len() >= MAX_DICT_ENTRIES {
                return Err(PdfError::TooMany {
                    what: "dictionary entries",
                    max: MAX_DICT_ENTRIES,
                });
            }
            let key = self.name()?;
            let value = self.object(depth + 1)?;
            entries.push((key, value));
        }
    }

    fn name(&mut self) -> Result<Vec<u8>, PdfError> {
        self.pos += 1; // '/'
        let mut name = Vec::new();
        while let Some(&b) = self.data.get(self.pos) {
            if !is_regular(b) {
                break;
            }
            if b == b'#' {
                let hex = self
                    .data
                    .get(self.pos + 1..self.pos + 3)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .ok_or_else(|| self.malformed("bad #xx escape in a name"))?;
                name.push(hex);
                self.pos += 3;
            } else {
                name.push(b);
                self.pos += 1;
            }
        }
        Ok(name)
    }

    fn number(&mut self) -> Result<Object, PdfError> {
        let word = self.peek_word();
        self.pos += word.len();
        let text = std::str::from_utf8(word).map_err(|_| self.malformed("bad number"))?;
        if let Ok(n) = text.parse::<i64>() {
            // `n g R`: a reference.
            if (0..=i64::from(u32::MAX)).contains(&n) {
                let save = self.pos;
                self.skip_whitespace();
                let generation = self.peek_word();
                if !generation.is_empty()
                    && generation.len() <= 5
                    && generation.iter().all(u8::is_ascii_digit)
                {
                    self.pos += generation.len();
                    self.skip_whitespace();
                    if self.peek_word() == b"R" {
                        self.pos += 1;
                        let g = std::str::from_utf8(generation)
                            .ok()
                            .and_then(|g| g.parse::<u16>().ok())
                            .unwrap_or(u16::MAX);
                        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                        return Ok(Object::Ref(n as u32, g));
                    }
                }
                self.pos = save;
            }
            return Ok(Object::Int(n));
        }
        if text.parse::<f64>().is_ok() || text.ends_with('.') {
            return Ok(Object::Real(word.to_vec()));
        }
        Err(self.malformed("bad number"))
    }

    fn hex_string(&mut self) -> Result<Object, PdfError> {
        let start = self.pos;
        self.pos += 1;
        let mut bytes = Vec::new();
        let mut high: Option<u8> = None;
        loop {
            let Some(&b) = self.data.get(self.pos) else {
                return Err(self.malformed("unterminated hex string"));
            };
            self.pos += 1;
            let nibble = match b {
                b'>' => break,
                b'0'..=b'9' => b - b'0',
                b'a'..=b'f' => b - b'a' + 10,
                b'A'..=b'F' => b - b'A' + 10,
                b if is_whitespace(b) => continue,
                _ => return Err(self.malformed("bad character in a hex string")),
            };
            match high.take() {
                Some(h) => bytes.push((h << 4) | nibble),
                None => high = Some(nibble),
            }
        }
        if let Some(h) = high {
            bytes.push(h << 4);
        }
        Ok(Object::Str {
            bytes,
            hex: true,
            span: Span(self.in_file.then_some(start..self.pos)),
        })
    }

    fn literal_string(&mut self) -> Result<Object, PdfError> {
        let start = self.pos;
        self.pos += 1;
        let mut bytes = Vec::new();
        let mut open = 1usize;
        loop {
            let Some(&b) = self.data.get(self.pos) else {
                return Err(self.malformed("unterminated string"));
            };
            self.pos += 1;
            match b {
                b'(' => {
                    open += 1;
                    bytes.push(b);
                }
                b')' => {
                    open -= 1;
                    if open == 0 {
                        break;
                    }
                    bytes.push(b);
                }
                b'\\' => {
                    let Some(&e) = self.data.get(self.pos) else {
                        return Err(self.malformed("unterminated string"));
                    };
                    self.pos += 1;
                    match e {
                        b'n' => bytes.push(b'\n'),
                        b'r' => bytes.push(b'\r'),
                        b't' => bytes.push(b'\t'),
                        b'b' => bytes.push(8),
                        b'f' => bytes.push(12),
                        b'\r' => {
                            if self.data.get(self.pos) == Some(&b'\n') {
                                self.pos += 1;
                            }
                        }
                        b'\n' => {}
                        b'0'..=b'7' => {
                            let mut value = u32::from(e - b'0');
                            for _ in 0..2 {
                                match self.data.get(self.pos) {
                                    Some(&d @ b'0'..=b'7') => {
                                        value = value * 8 + u32::from(d - b'0');
                                        self.pos += 1;
                                    }
                                    _ => break,
                                }
                            }
                            #[allow(clippy::cast_possible_truncation)]
                            bytes.push(value as u8);
                        }
                        other => bytes.push(other),
                    }
                }
                other => bytes.push(other),
            }
        }
        Ok(Object::Str {
            bytes,
            hex: false,
            span: Span(self.in_file.then_some(start..self.pos)),
        })
    }

    /// `num gen obj <object> [stream … endstream] endobj` at the cursor. `length` resolves an
    /// indirect /Length (None when it cannot be resolved: the data then ends at `endstream`).
    pub(crate) fn indirect(
        &mut self,
        length: &dyn Fn(&Object) -> Option<u64>,
    ) -> Result<(u32, u16, Object), PdfError> {
        let number = self.unsigned()?;
        let generation = self.unsigned()?;
        if !self.eat_keyword(b"obj") {
            return Err(self.malformed("expected `obj`"));
        }
        let number = u32::try_from(number).map_err(|_| self.malformed("object number"))?;
        let generation = u16::try_from(generation).map_err(|_| self.malformed("generation"))?;
        let dict = match self.object(0)? {
            Object::Dict(dict) => dict,
            other => return Ok((number, generation, other)),
        };
        if !self.eat_keyword(b"stream") {
            return Ok((number, generation, Object::Dict(dict)));
        }
        // The data starts after CRLF or LF (§7.3.8.1).
        match self.data.get(self.pos) {
            Some(b'\r') if self.data.get(self.pos + 1) == Some(&b'\n') => self.pos += 2,
            Some(b'\n' | b'\r') => self.pos += 1,
            _ => {}
        }
        let start = self.pos;
        let declared = dict.get(b"Length").and_then(length);
        let end = declared
            .and_then(|len| usize::try_from(len).ok())
            .and_then(|len| start.checked_add(len))
            .filter(|&end| {
                end <= self.data.len() && {
                    let mut after = Parser::new(self.data, end, false);
                    after.eat_keyword(b"endstream")
                }
            });
        let end = match end {
            Some(end) => end,
            None => {
                let found = memchr::memmem::find(&self.data[start..], b"endstream")
                    .ok_or_else(|| self.malformed("stream without endstream"))?;
                let mut end = start + found;
                // The EOL before endstream is not data.
                if end > start && self.data[end - 1] == b'\n' {
                    end -= 1;
                }
                if end > start && self.data[end - 1] == b'\r' {
                    end -= 1;
                }
                end
            }
        };
        self.pos = end;
        self.eat_keyword(b"endstream");
        Ok((number, generation, Object::Stream(dict, start..end)))
    }

    /// The trailer dictionary after `trailer`.
    pub(crate) fn trailer(&mut self) -> Result<Dict, PdfError> {
        if !self.eat_keyword(b"trailer") {
            return Err(self.malformed("expected `trailer`"));
        }
        match self.object(0)? {
            Object::Dict(d) => Ok(d),
            _ => Err(self.malformed("the trailer is not a dictionary")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &[u8]) -> Object {
        Parser::new(text, 0, true).object(0).unwrap()
    }

    #[test]
    fn objects() {
        let o = parse(b"<< /A [1 2 0 R (x\\)y) <41 4> /N#20m] /B -1.5 /C true >>");
        let d = o.as_dict().unwrap();
        let Some(Object::Array(items)) = d.get(b"A") else {
            panic!("{o:?}")
        };
        assert_eq!(items[0], Object::Int(1));
        assert_eq!(items[1], Object::Ref(2, 0));
        assert!(matches!(&items[2], Object::Str { bytes, .. } if bytes == b"x)y"));
        assert!(
            matches!(&items[3], Object::Str { bytes, span, .. } if bytes == &[0x41, 0x40] && span.0 == Some(22..28))
        );
        assert_eq!(items[4], Object::Name(b"N m".to_vec()));
        assert_eq!(d.get(b"C"), Some(&Object::Bool(true)));
    }

    #[test]
    fn nesting_is_bounded() {
        let deep = vec![b'['; MAX_NESTING + 2];
        let err = Parser::new(&deep, 0, true).object(0).unwrap_err();
        assert!(matches!(err, PdfError::TooDeep { .. }), "{err}");
    }
}
