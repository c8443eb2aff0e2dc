//! The file structure (ISO 32000-1 §7.5): cross-reference tables and streams, incremental
//! updates, object streams, and objects resolved as of any revision.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::rc::Rc;

use super::syntax::{Dict, Object, Parser};
use super::{
    MAX_DECOMPRESSED_TOTAL, MAX_INFLATE_RATIO, MAX_OBJECTS, MAX_PDF_LEN, MAX_REF_HOPS,
    MAX_REVISIONS, MAX_STREAM_LEN, PdfError,
};

/// Where an object lives, as one cross-reference section says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Entry {
    Free,
    /// At this file offset.
    Offset(usize),
    /// The `index`th object of object stream `stream`.
    Compressed {
        stream: u32,
        index: usize,
    },
}

/// One cross-reference section (the file's last one first): where it starts and what it
/// defines.
#[derive(Debug)]
pub(crate) struct Section {
    pub(crate) offset: usize,
    pub(crate) trailer: Dict,
    pub(crate) entries: BTreeMap<u32, Entry>,
}

/// A PDF file read far enough to resolve objects: its cross-reference sections, newest first.
pub(crate) struct Document<'a> {
    pub(crate) data: &'a [u8],
    pub(crate) sections: Vec<Section>,
    inflated: Cell<usize>,
    object_streams: RefCell<HashMap<(u32, usize), Rc<ObjectStream>>>,
}

struct ObjectStream {
    data: Vec<u8>,
    /// (object number, offset in `data`).
    index: Vec<(u32, usize)>,
}

fn malformed(offset: usize, reason: impl Into<String>) -> PdfError {
    PdfError::Malformed {
        offset,
        reason: reason.into(),
    }
}

impl<'a> Document<'a> {
    /// Reads the header and every cross-reference section from the last `startxref` back
    /// through `/Prev`.
    pub(crate) fn parse(data: &'a [u8]) -> Result<Self, PdfError> {
        if data.len() > MAX_PDF_LEN {
            return Err(PdfError::TooLarge {
                len: data.len(),
                max: MAX_PDF_LEN,
            });
        }
        let head = &data[..data.len().min(1024)];
        if memchr::memmem::find(head, b"%PDF-").is_none() {
            return Err(PdfError::NotPdf);
        }
        let tail_start = data.len().saturating_sub(2048);
        let at = memchr::memmem::rfind(&data[tail_start..], b"startxref")
            .ok_or_else(|| malformed(data.len(), "no startxref near the end of the file"))?;
        let mut p = Parser::new(data, tail_start + at + b"startxref".len(), true);
        let first =
            usize::try_from(p.unsigned()?).map_err(|_| malformed(p.pos, "startxref offset"))?;

        let mut document = Self {
            data,
            sections: Vec::new(),
            inflated: Cell::new(0),
            object_streams: RefCell::new(HashMap::new()),
        };
        let mut seen = HashSet::new();
        let mut next = Some(first);
        let mut total = 0usize;
        while let Some(offset) = next {
            if !seen.insert(offset) {
                return Err(malformed(offset, "the /Prev chain loops"));
            }
            if document.sections.len() >= MAX_REVISIONS {
                return Err(PdfError::TooMany {
                    what: "cross-reference sections",
                    max: MAX_REVISIONS,
                });
            }
            let mut section = document.section(offset)?;
            // A hybrid file's table names an xref stream with more entries (§7.5.8.4).
            if let Some(stm) = section.trailer.int(b"XRefStm") {
                let stm = usize::try_from(stm).map_err(|_| malformed(offset, "/XRefStm"))?;
                if stm != offset && seen.insert(stm) {
                    let extra = document.section(stm)?;
                    for (number, entry) in extra.entries {
                        section.entries.entry(number).or_insert(entry);
                    }
                }
            }
            total += section.entries.len();
            if total > MAX_OBJECTS {
                return Err(PdfError::TooMany {
                    what: "cross-reference entries",
                    max: MAX_OBJECTS,
                });
            }
            next = match section.trailer.int(b"Prev") {
                Some(prev) => Some(usize::try_from(prev).map_err(|_| malformed(offset, "/Prev"))?),
                None => None,
            };
            document.sections.push(section);
        }
        Ok(document)
    }

    fn section(&self, offset: usize) -> Result<Section, PdfError> {
        if offset >= self.data.len() {
            return Err(malformed(
                offset,
                "a cross-reference offset is past the end of the file",
            ));
        }
        let mut p = Parser::new(self.data, offset, true);
        if p.eat_keyword(b"xref") {
            let mut entries = BTreeMap::new();
            loop {
                let save = p.pos;
                p.skip_whitespace();
                if p.eat_keyword(b"trailer") {
                    p.pos = save;
                    break;
                }
                let start = p.unsigned()?;
                let count = p.unsigned()?;
                if count > MAX_OBJECTS as u64 || entries.len() as u64 + count > MAX_OBJECTS as u64 {
                    return Err(PdfError::TooMany {
                        what: "cross-reference entries",
                        max: MAX_OBJECTS,
                    });
                }
                for i in 0..count {
                    let field = p.unsigned()?;
                    let _generation = p.unsigned()?;
                    let entry = if p.eat_keyword(b"n") {
                        Entry::Offset(
                            usize::try_from(field).map_err(|_| malformed(p.pos, "offset"))?,
                        )
                    } else if p.eat_keyword(b"f") {
                        Entry::Free
                    } else {
                        return Err(malformed(
                            p.pos,
                            "a cross-reference entry is neither n nor f",
                        ));
                    };
                    let number =
                        u32::try_from(start + i).map_err(|_| malformed(p.pos, "object number"))?;
                    entries.entry(number).or_insert(entry);
                }
            }
            let trailer = p.trailer()?;
            return Ok(Section {
                offset,
                trailer,
                entries,
            });
        }
        // A cross-reference stream (§7.5.8).
        let (_, _, object) = p.indirect(&|o| match o {
            Object::Int(i) => u64::try_from(*i).ok(),
            _ => None,
        })?;
        let Object::Stream(dict, range) = object else {
            return Err(malformed(
                offset,
                "neither `xref` nor a cross-reference stream",
            ));
        };
        if dict.name(b"Type") != Some(b"XRef") {
            return Err(malformed(
                offset,
                "neither `xref` nor a cross-reference stream",
            ));
        }
        let data = self.decode(&dict, &self.data[range])?;
        let widths: Vec<usize> = match dict.get(b"W") {
            Some(Object::Array(w)) if w.len() == 3 => w
                .iter()
                .map(|o| match o {
                    Object::Int(i) if (0..=8).contains(i) => Ok(usize::try_from(*i).unwrap_or(0)),
                    _ => Err(malformed(offset, "bad /W")),
                })
                .collect::<Result<_, _>>()?,
            _ => {
                return Err(malformed(
                    offset,
                    "a cross-reference stream without /W [a b c]",
                ));
            }
        };
        let row = widths.iter().sum::<usize>();
        if row == 0 {
            return Err(malformed(offset, "bad /W"));
        }
        let size = dict.int(b"Size").unwrap_or(0);
        let index: Vec<i64> = match dict.get(b"Index") {
            Some(Object::Array(items)) => items
                .iter()
                .map(|o| match o {
                    Object::Int(i) => Ok(*i),
                    _ => Err(malformed(offset, "bad /Index")),
                })
                .collect::<Result<_, _>>()?,
            _ => vec![0, size],
        };
        let mut entries = BTreeMap::new();
        let mut rows = data.chunks_exact(row);
        for pair in index.chunks(2) {
            let [start, count] = pair else {
                return Err(malformed(offset, "bad /Index"));
            };
            let (Ok(start), Ok(count)) = (u32::try_from(*start), usize::try_from(*count)) else {
                return Err(malformed(offset, "bad /Index"));
            };
            if entries.len() + count > MAX_OBJECTS {
                return Err(PdfError::TooMany {
                    what: "cross-reference entries",
                    max: MAX_OBJECTS,
                });
            }
            for i in 0..count {
                let Some(bytes) = rows.next() else {
                    return Err(malformed(
                        offset,
                        "a cross-reference stream is shorter than its /Index",
                    ));
                };
                let field = |n: usize| -> u64 {
                    let from: usize = widths[..n].iter().sum();
                    bytes[from..from + widths[n]]
                        .iter()
                        .fold(0u64, |v, b| (v << 8) | u64::from(*b))
                };
                let kind = if widths[0] == 0 { 1 } else { field(0) };
                let entry = match kind {
                    0 => Entry::Free,
                    1 => Entry::Offset(usize::try_from(field(1)).unwrap_or(usize::MAX)),
                    2 => Entry::Compressed {
                        stream: u32::try_from(field(1)).unwrap_or(u32::MAX),
                        index: usize::try_from(field(2)).unwrap_or(usize::MAX),
                    },
                    // Unknown types are null references (§7.5.8.3).
                    _ => Entry::Free,
                };
                let Some(number) = start.checked_add(u32::try_from(i).unwrap_or(u32::MAX)) else {
                    return Err(malformed(offset, "object number"));
                };
                entries.entry(number).or_insert(entry);
            }
        }
        Ok(Section {
            offset,
            trailer: dict,
            entries,
        })
    }

    /// A stream's data with its filters undone: none, or FlateDecode with or without a PNG /
    /// TIFF predictor. Output bounded per stream, by ratio and over the whole document.
    pub(crate) fn decode(&self, dict: &Dict, raw: &[u8]) -> Result<Vec<u8>, PdfError> {
        let filter = match dict.get(b"Filter") {
            None => None,
            Some(Object::Name(n)) => Some(n.clone()),
            Some(Object::Array(a)) if a.is_empty() => None,
            Some(Object::Array(a)) if a.len() == 1 => match &a[0] {
                Object::Name(n) => Some(n.clone()),
                _ => return Err(PdfError::UnsupportedFilter("(not a name)".into())),
            },
            Some(_) => {
                return Err(PdfError::UnsupportedFilter("a filter chain".into()));
            }
        };
        let Some(filter) = filter else {
            return Ok(raw.to_vec());
        };
        if filter != b"FlateDecode" {
            return Err(PdfError::UnsupportedFilter(
                String::from_utf8_lossy(&filter).into_owned(),
            ));
        }
        let budget = MAX_DECOMPRESSED_TOTAL.saturating_sub(self.inflated.get());
        let limit = MAX_STREAM_LEN
            .min(raw.len().saturating_mul(MAX_INFLATE_RATIO).max(64 * 1024))
            .min(budget);
        let data = miniz_oxide::inflate::decompress_to_vec_zlib_with_limit(raw, limit).map_err(
            |e| match e.status {
                miniz_oxide::inflate::TINFLStatus::HasMoreOutput => {
                    PdfError::DecompressionLimit { limit }
                }
                _ => PdfError::Inflate,
            },
        )?;
        self.inflated.set(self.inflated.get() + data.len());
        let params = match dict.get(b"DecodeParms") {
            Some(Object::Dict(d)) => Some(d),
            Some(Object::Array(a)) => a.first().and_then(Object::as_dict),
            _ => None,
        };
        let predictor = params.and_then(|p| p.int(b"Predictor")).unwrap_or(1);
        if predictor <= 1 {
            return Ok(data);
        }
        let columns = params.and_then(|p| p.int(b"Columns")).unwrap_or(1);
        let colors = params.and_then(|p| p.int(b"Colors")).unwrap_or(1);
        let bits = params.and_then(|p| p.int(b"BitsPerComponent")).unwrap_or(8);
        let (Ok(columns), Ok(colors), Ok(bits)) = (
            usize::try_from(columns),
            usize::try_from(colors),
            usize::try_from(bits),
        ) else {
            return Err(PdfError::Inflate);
        };
        if columns == 0
            || columns > 1 << 20
            || !(1..=32).contains(&colors)
            || !(1..=16).contains(&bits)
        {
            return Err(PdfError::Inflate);
        }
        let pixel = (colors * bits).div_ceil(8).max(1);
        let width = (columns * colors * bits).div_ceil(8);
        if predictor == 2 {
            // TIFF predictor 2, 8-bit components only.
            if bits != 8 {
                return Err(PdfError::Inflate);
            }
            let mut out = data;
            for row in out.chunks_mut(width) {
                for i in pixel..row.len() {
                    row[i] = row[i].wrapping_add(row[i - pixel]);
                }
            }
            return Ok(out);
        }
        png_unpredict(&data, width, pixel)
    }

    /// The newest definition of `number` in sections `from..` (0: the whole file; the index of
    /// a revision's section: the file as it was then).
    pub(crate) fn entry(&self, number: u32, from: usize) -> Option<(usize, Entry)> {
        self.sections
            .iter()
            .enumerate()
            .skip(from)
            .find_map(|(i, s)| s.entries.get(&number).map(|e| (i, *e)))
    }

    /// Object `number` as of section `from`, or `None` if free or undefined.
    pub(crate) fn object(&self, number: u32, from: usize) -> Result<Option<Object>, PdfError> {
        let Some((section, entry)) = self.entry(number, from) else {
            return Ok(None);
        };
        match entry {
            Entry::Free => Ok(None),
            Entry::Offset(offset) => self.object_at(number, offset, section).map(Some),
            Entry::Compressed { stream, index } => {
                let stm = self.object_stream(stream, section)?;
                let Some(&(found, at)) = stm.index.get(index) else {
                    return Err(malformed(
                        0,
                        format!("object stream {stream} has no object {index}"),
                    ));
                };
                if found != number {
                    return Err(malformed(
                        0,
                        format!("object stream {stream} holds {found}, not {number}"),
                    ));
                }
                Parser::new(&stm.data, at, false).object(0).map(Some)
            }
        }
    }

    /// The indirect object at `offset`, which must be `number`.
    pub(crate) fn object_at(
        &self,
        number: u32,
        offset: usize,
        from: usize,
    ) -> Result<Object, PdfError> {
        if offset >= self.data.len() {
            return Err(malformed(
                offset,
                format!("object {number} is past the end of the file"),
            ));
        }
        let mut p = Parser::new(self.data, offset, true);
        let (found, _, object) = p.indirect(&|o| self.length(o, from))?;
        if found != number {
            return Err(malformed(
                offset,
                format!("expected object {number}, found {found}"),
            ));
        }
        Ok(object)
    }

    /// A stream's /Length, which may be an indirect integer (never in an object stream).
    fn length(&self, o: &Object, from: usize) -> Option<u64> {
        match o {
            Object::Int(i) => u64::try_from(*i).ok(),
            Object::Ref(n, _) => match self.entry(*n, from)? {
                (_, Entry::Offset(offset)) => {
                    let mut p = Parser::new(self.data, offset, true);
                    match p.indirect(&|_| None).ok()? {
                        (found, _, Object::Int(i)) if found == *n => u64::try_from(i).ok(),
                        _ => None,
                    }
                }
                _ => None,
            },
            _ => None,
        }
    }

    fn object_stream(&self, number: u32, from: usize) -> Result<Rc<ObjectStream>, PdfError> {
        let Some((section, Entry::Offset(offset))) = self.entry(number, from) else {
            return Err(malformed(
                0,
                format!("object stream {number} is not in the file"),
            ));
        };
        if let Some(stm) = self.object_streams.borrow().get(&(number, offset)) {
            return Ok(Rc::clone(stm));
        }
        let Object::Stream(dict, range) = self.object_at(number, offset, section)? else {
            return Err(malformed(
                offset,
                format!("object {number} is not an object stream"),
            ));
        };
        let data = self.decode(&dict, &self.data[range])?;
        let (Some(count), Some(first)) = (dict.int(b"N"), dict.int(b"First")) else {
            return Err(malformed(offset, "an object stream without /N and /First"));
        };
        let (Ok(count), Ok(first)) = (usize::try_from(count), usize::try_from(first)) else {
            return Err(malformed(offset, "bad /N or /First"));
        };
        if count > MAX_OBJECTS || first > data.len() {
            return Err(malformed(offset, "bad /N or /First"));
        }
        let mut p = Parser::new(&data, 0, false);
        let mut index = Vec::with_capacity(count.min(4096));
        for _ in 0..count {
            let n = u32::try_from(p.unsigned()?).map_err(|_| malformed(offset, "object number"))?;
            let at = usize::try_from(p.unsigned()?).map_err(|_| malformed(offset, "offset"))?;
            index.push((n, first.saturating_add(at)));
        }
        let stm = Rc::new(ObjectStream { data, index });
        self.object_streams
            .borrow_mut()
            .insert((number, offset), Rc::clone(&stm));
        Ok(stm)
    }

    /// `object` with references followed (as of section `from`); `Null` for a dangling one.
    pub(crate) fn resolve(&self, object: &Object, from: usize) -> Result<Object, PdfError> {
        let mut current = object.clone();
        for _ in 0..MAX_REF_HOPS {
            match current {
                Object::Ref(n, _) => current = self.object(n, from)?.unwrap_or(Object::Null),
                other => return Ok(other),
            }
        }
        Err(malformed(0, "a chain of references too long"))
    }

    /// The trailer entry `key` of the file as of section `from` (the newest trailer has it).
    pub(crate) fn trailer(&self, key: &[u8], from: usize) -> Option<&Object> {
        self.sections.get(from).and_then(|s| s.trailer.get(key))
    }
}

/// Undoes PNG predictors (§7.4.4.4): each row starts with its filter type.
fn png_unpredict(data: &[u8], width: usize, pixel: usize) -> Result<Vec<u8>, PdfError> {
    let mut out = Vec::with_capacity(data.len());
    let mut previous = vec![0u8; width];
    for row in data.chunks(width + 1) {
        let (&kind, row) = row.split_first().ok_or(PdfError::Inflate)?;
        let mut current = row.to_vec();
        current.resize(width, 0);
        for i in 0..width {
            let left = if i >= pixel { current[i - pixel] } else { 0 };
            let up = previous[i];
            let up_left = if i >= pixel { previous[i - pixel] } else { 0 };
            current[i] = match kind {
                0 => current[i],
                1 => current[i].wrapping_add(left),
                2 => current[i].wrapping_add(up),
                3 => current[i].wrapping_add(((u16::from(left) + u16::from(up)) / 2) as u8),
                4 => current[i].wrapping_add(paeth(left, up, up_left)),
                _ => return Err(PdfError::Inflate),
            };
        }
        out.extend_from_slice(&current[..row.len().min(width)]);
        previous = current;
    }
    Ok(out)
}

fn paeth(a: u8, b: u8, c: u8) -> u8 {
    let p = i16::from(a) + i16::from(b) - i16::from(c);
    let (pa, pb, pc) = (
        (p - i16::from(a)).abs(),
        (p - i16::from(b)).abs(),
        (p - i16::from(c)).abs(),
    );
    if pa <= pb && pa <= pc {
        a
    } else if pb <= pc {
        b
    } else {
        c
    }
}
