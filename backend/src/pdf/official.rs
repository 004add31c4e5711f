//! Vietnamese official documents rendered as PDF with `printpdf` 0.12.
//!
//! * Liberation Serif 2.x (Times New Roman metrics, SIL OFL 1.1, full Vietnamese
//!   coverage) is embedded in the binary and subset into each PDF.
//! * All text is NFC-normalised before it is measured and laid out.
//! * Output is deterministic: the same input gives byte-identical PDF bytes, so a
//!   caller can store the SHA-256 of the PDF with the action that produced it.
//! * Rendering never panics on user data: long text wraps (words longer than a line
//!   are broken by character), empty fields render as the dotted blank [`BLANK`],
//!   content that overflows a page continues on a new page.
//!
//! printpdf must be built with `default-features = false` (no `text_layout` /
//! `html`): this module reads glyph advances from printpdf's own `ParsedFont`
//! (the plain struct that exists in that configuration) and names the embedded
//! font through its `font_name` field.

use std::collections::BTreeSet;
use std::fmt;
use std::sync::OnceLock;

use printpdf::{
    Color, FontId, Greyscale, Line, LinePoint, Mm, Op, PaintMode, ParsedFont, PdfDocument, PdfFont, PdfFontHandle,
    PdfPage, PdfSaveOptions, Point, Pt, Rect, TextItem, WindingOrder,
};
use unicode_normalization::UnicodeNormalization;

static REGULAR_TTF: &[u8] = include_bytes!("../../fonts/LiberationSerif-Regular.ttf");
static BOLD_TTF: &[u8] = include_bytes!("../../fonts/LiberationSerif-Bold.ttf");

/// Rendered in place of an empty field.
pub const BLANK: &str = "……";

const PT_PER_MM: f32 = 72.0 / 25.4;

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
pub enum Error {
    /// The embedded font could not be parsed (should never happen).
    Font(String),
    /// The QR payload could not be encoded (e.g. a URL longer than a QR code holds).
    Qr(String),
    /// lopdf failed to write the document.
    Pdf(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Font(m) => write!(f, "font error: {m}"),
            Error::Qr(m) => write!(f, "QR code error: {m}"),
            Error::Pdf(m) => write!(f, "PDF write error: {m}"),
        }
    }
}

impl std::error::Error for Error {}

// ---------------------------------------------------------------------------
// Fonts
// ---------------------------------------------------------------------------

struct Face {
    bytes: &'static [u8],
    name: &'static str,
    parsed: ParsedFont,
    id: FontId,
    units_per_em: f32,
    /// Ascender as a fraction of the em.
    ascent: f32,
    /// Advance of glyph 0 (.notdef), used for characters the font lacks.
    notdef_advance: f32,
}

impl Face {
    fn load(bytes: &'static [u8], id: &str, name: &'static str) -> Result<Face, String> {
        let mut warnings = Vec::new();
        let mut parsed = ParsedFont::from_bytes(bytes, 0, &mut warnings)
            .ok_or_else(|| format!("cannot parse {name}: {warnings:?}"))?;
        // Without a name printpdf would use the resource id as /BaseFont.
        parsed.font_name = Some(name.to_string());
        let upem = f32::from(parsed.units_per_em.max(1));
        let ascent = f32::from(parsed.font_metrics.ascent) / upem;
        let notdef_advance = f32::from(parsed.get_glyph_width(0).unwrap_or(0)) / upem;
        Ok(Face {
            bytes,
            name,
            parsed,
            // Fixed ids: printpdf's own ids are random, and the id is both the
            // resource name and the 6-letter subset tag, so it must be stable.
            id: FontId(id.to_string()),
            units_per_em: upem,
            ascent,
            notdef_advance,
        })
    }

    /// Advance width of `c` in ems.
    fn advance(&self, c: char) -> f32 {
        match self.parsed.lookup_glyph_index(c as u32) {
            Some(gid) => f32::from(self.parsed.get_glyph_width(gid).unwrap_or(0)) / self.units_per_em,
            None => self.notdef_advance,
        }
    }

    fn width_em(&self, s: &str) -> f32 {
        s.chars().map(|c| self.advance(c)).sum()
    }

    /// A font holding only the glyphs of `chars` (plus .notdef and composite
    /// components), parsed back into a printpdf `ParsedFont`. printpdf 0.12 only
    /// subsets with its `text_layout` feature, so it is done here with allsorts
    /// (the font crate printpdf already depends on). The subset keeps a Unicode
    /// cmap, so printpdf's char -> glyph lookup works on it unchanged.
    fn subset(&self, chars: &BTreeSet<char>) -> Result<ParsedFont, String> {
        use allsorts::binary::read::ReadScope;
        use allsorts::font_data::FontData;
        use allsorts::subset::{CmapTarget, SubsetProfile, subset};

        let gids: BTreeSet<u16> =
            chars.iter().filter_map(|c| self.parsed.lookup_glyph_index(*c as u32)).filter(|g| *g != 0).collect();
        let ids: Vec<u16> = std::iter::once(0).chain(gids).collect();
        let data = ReadScope::new(self.bytes).read::<FontData<'_>>().map_err(|e| e.to_string())?;
        let provider = data.table_provider(0).map_err(|e| e.to_string())?;
        let bytes = subset(&provider, &ids, &SubsetProfile::Pdf, CmapTarget::Unicode).map_err(|e| e.to_string())?;
        let mut warnings = Vec::new();
        let mut parsed = ParsedFont::from_bytes(&bytes, 0, &mut warnings)
            .ok_or_else(|| format!("cannot parse subset of {}: {warnings:?}", self.name))?;
        // ISO 32000-1 9.6.4: a subset font's name carries a six-letter tag.
        parsed.font_name = Some(format!("{}+{}", self.id.0, self.name));
        Ok(parsed)
    }
}

struct Fonts {
    regular: Face,
    bold: Face,
}

impl Fonts {
    fn face(&self, bold: bool) -> &Face {
        if bold { &self.bold } else { &self.regular }
    }
}

fn fonts() -> Result<&'static Fonts, Error> {
    static FONTS: OnceLock<Result<Fonts, String>> = OnceLock::new();
    FONTS
        .get_or_init(|| {
            Ok(Fonts {
                regular: Face::load(REGULAR_TTF, "LSERFR", "LiberationSerif")?,
                bold: Face::load(BOLD_TTF, "LSERFB", "LiberationSerif-Bold")?,
            })
        })
        .as_ref()
        .map_err(|e| Error::Font(e.clone()))
}

// ---------------------------------------------------------------------------
// Text normalisation
// ---------------------------------------------------------------------------

/// NFC-normalise and replace control characters (newlines, tabs, …) by spaces.
pub fn clean(s: &str) -> String {
    s.nfc().map(|c| if c.is_control() { ' ' } else { c }).collect()
}

/// [`clean`], and [`BLANK`] if nothing but whitespace remains.
pub fn or_blank(s: &str) -> String {
    let c = clean(s);
    let t = c.trim();
    if t.is_empty() { BLANK.to_string() } else { t.to_string() }
}

// ---------------------------------------------------------------------------
// Layout
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PageSize {
    pub width_mm: f32,
    pub height_mm: f32,
}

impl PageSize {
    /// 210 × 297 mm (595.276 × 841.89 pt).
    pub const A4: PageSize = PageSize { width_mm: 210.0, height_mm: 297.0 };
    /// 148 × 210 mm (419.528 × 595.276 pt).
    pub const A5: PageSize = PageSize { width_mm: 148.0, height_mm: 210.0 };
    /// 297 × 210 mm: the A4 register (sổ theo dõi) laid sideways.
    pub const A4_LANDSCAPE: PageSize = PageSize { width_mm: 297.0, height_mm: 210.0 };
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Margins {
    pub left: f32,
    pub right: f32,
    pub top: f32,
    pub bottom: f32,
}

impl Margins {
    /// Margins of Nghị định 30/2020/NĐ-CP for A4 administrative documents.
    pub const OFFICIAL_A4: Margins = Margins { left: 30.0, right: 20.0, top: 20.0, bottom: 20.0 };
    pub const OFFICIAL_A5: Margins = Margins { left: 20.0, right: 15.0, top: 15.0, bottom: 15.0 };
    pub const REGISTER: Margins = Margins { left: 20.0, right: 15.0, top: 15.0, bottom: 15.0 };
}

/// A column of [`Layout::table`].
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub title: String,
    pub width_mm: f32,
    pub align: Align,
}

impl Column {
    pub fn new(title: &str, width_mm: f32, align: Align) -> Column {
        Column { title: title.to_string(), width_mm, align }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Center,
    Right,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Style {
    pub size_pt: f32,
    pub bold: bool,
    pub align: Align,
    /// Line height as a multiple of the font size.
    pub leading: f32,
}

impl Style {
    pub const fn new(size_pt: f32, bold: bool, align: Align) -> Style {
        Style { size_pt, bold, align, leading: 1.25 }
    }
    pub fn line_height_mm(&self) -> f32 {
        self.size_pt * self.leading / PT_PER_MM
    }
}

/// A run of text in one weight.
#[derive(Debug, Clone, PartialEq)]
pub struct Span {
    pub text: String,
    pub bold: bool,
}

impl Span {
    pub fn regular(t: &str) -> Span {
        Span { text: t.to_string(), bold: false }
    }
    pub fn bold(t: &str) -> Span {
        Span { text: t.to_string(), bold: true }
    }
}

/// One laid-out line: runs of (text, bold, width in mm).
#[derive(Debug, Clone, Default)]
struct LaidLine {
    runs: Vec<(String, bool, f32)>,
    width: f32,
}

/// A word made of pieces that may differ in weight; words are separated by spaces.
type Word = Vec<(String, bool)>;

/// Page-flow layout over printpdf operations. Coordinates are millimetres from
/// the top-left corner of the page (converted to PDF's bottom-left origin when the
/// operations are emitted).
pub struct Layout {
    page: PageSize,
    margins: Margins,
    fonts: &'static Fonts,
    pages: Vec<Vec<Op>>,
    /// Flow cursor: top of the next line, mm from the top of the current page.
    y: f32,
    /// Characters drawn with the regular [0] and bold [1] face (for subsetting).
    used: [BTreeSet<char>; 2],
}

impl Layout {
    pub fn new(page: PageSize, margins: Margins) -> Result<Layout, Error> {
        Ok(Layout { page, margins, fonts: fonts()?, pages: vec![Vec::new()], y: margins.top, used: Default::default() })
    }

    pub fn page_size(&self) -> PageSize {
        self.page
    }
    pub fn margins(&self) -> Margins {
        self.margins
    }
    pub fn content_left(&self) -> f32 {
        self.margins.left
    }
    pub fn content_width(&self) -> f32 {
        (self.page.width_mm - self.margins.left - self.margins.right).max(10.0)
    }
    fn content_bottom(&self) -> f32 {
        self.page.height_mm - self.margins.bottom
    }
    pub fn cursor(&self) -> f32 {
        self.y
    }
    pub fn set_cursor(&mut self, y_mm: f32) {
        self.y = y_mm;
    }
    pub fn advance(&mut self, dy_mm: f32) {
        self.y += dy_mm;
    }
    pub fn page_count(&self) -> usize {
        self.pages.len()
    }
    /// Space left on the current page above the bottom margin, in mm.
    pub fn remaining(&self) -> f32 {
        self.content_bottom() - self.y
    }

    pub fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = self.margins.top;
    }

    /// Starts a new page unless `height_mm` still fits (or the page is still empty).
    pub fn ensure_space(&mut self, height_mm: f32) {
        if self.y + height_mm > self.content_bottom() + 0.01 && self.y > self.margins.top + 0.01 {
            self.new_page();
        }
    }

    fn ops(&mut self) -> &mut Vec<Op> {
        // `pages` is never empty.
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    // ----- measuring -------------------------------------------------------

    /// Width of `text` (already clean) in mm.
    pub fn text_width(&self, text: &str, size_pt: f32, bold: bool) -> f32 {
        self.fonts.face(bold).width_em(text) * size_pt / PT_PER_MM
    }

    /// Greedy word wrap of plain text to `width_mm`.
    pub fn wrap(&self, text: &str, width_mm: f32, size_pt: f32, bold: bool) -> Vec<String> {
        self.wrap_spans(&[Span { text: text.to_string(), bold }], width_mm, size_pt)
            .into_iter()
            .map(|l| l.runs.into_iter().map(|r| r.0).collect::<String>())
            .collect()
    }

    fn words(spans: &[Span]) -> Vec<Word> {
        let mut words: Vec<Word> = Vec::new();
        let mut cur: Word = Vec::new();
        for span in spans {
            let text = clean(&span.text);
            for c in text.chars() {
                if c.is_whitespace() {
                    if !cur.is_empty() {
                        words.push(std::mem::take(&mut cur));
                    }
                } else {
                    match cur.last_mut() {
                        Some((s, b)) if *b == span.bold => s.push(c),
                        _ => cur.push((c.to_string(), span.bold)),
                    }
                }
            }
        }
        if !cur.is_empty() {
            words.push(cur);
        }
        words
    }

    fn word_width(&self, w: &Word, size_pt: f32) -> f32 {
        w.iter().map(|(s, b)| self.text_width(s, size_pt, *b)).sum()
    }

    /// Breaks a word wider than `width_mm` into chunks that fit (at least one char each).
    fn split_word(&self, w: &Word, width_mm: f32, size_pt: f32) -> Vec<Word> {
        let mut out = Vec::new();
        let mut cur: Word = Vec::new();
        let mut cur_w = 0.0;
        for (s, b) in w {
            for c in s.chars() {
                let cw = self.fonts.face(*b).advance(c) * size_pt / PT_PER_MM;
                if cur_w + cw > width_mm && !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                    cur_w = 0.0;
                }
                match cur.last_mut() {
                    Some((t, bb)) if *bb == *b => t.push(c),
                    _ => cur.push((c.to_string(), *b)),
                }
                cur_w += cw;
            }
        }
        if !cur.is_empty() {
            out.push(cur);
        }
        out
    }

    fn wrap_spans(&self, spans: &[Span], width_mm: f32, size_pt: f32) -> Vec<LaidLine> {
        let width_mm = width_mm.max(1.0);
        let mut pieces: Vec<(Word, f32)> = Vec::new();
        for w in Self::words(spans) {
            let ww = self.word_width(&w, size_pt);
            if ww > width_mm {
                for part in self.split_word(&w, width_mm, size_pt) {
                    let pw = self.word_width(&part, size_pt);
                    pieces.push((part, pw));
                }
            } else {
                pieces.push((w, ww));
            }
        }
        let mut lines: Vec<Vec<(Word, f32)>> = Vec::new();
        let mut cur: Vec<(Word, f32)> = Vec::new();
        let mut cur_w = 0.0;
        for (w, ww) in pieces {
            if !cur.is_empty() {
                let last_bold = cur.last().and_then(|(lw, _)| lw.last()).map(|p| p.1).unwrap_or(false);
                let space = self.text_width(" ", size_pt, last_bold);
                if cur_w + space + ww > width_mm {
                    lines.push(std::mem::take(&mut cur));
                    cur_w = 0.0;
                } else {
                    cur_w += space;
                }
            }
            cur_w += ww;
            cur.push((w, ww));
        }
        if !cur.is_empty() {
            lines.push(cur);
        }
        lines
            .into_iter()
            .map(|words| {
                // Merge into runs of equal weight; the space between two words goes
                // to the end of the previous run so text extraction keeps it.
                let mut runs: Vec<(String, bool)> = Vec::new();
                let n = words.len();
                for (i, (w, _)) in words.into_iter().enumerate() {
                    for (s, b) in w {
                        match runs.last_mut() {
                            Some((t, bb)) if *bb == b => t.push_str(&s),
                            _ => runs.push((s, b)),
                        }
                    }
                    if i + 1 < n
                        && let Some((t, _)) = runs.last_mut()
                    {
                        t.push(' ');
                    }
                }
                let runs: Vec<(String, bool, f32)> = runs
                    .into_iter()
                    .map(|(s, b)| {
                        let w = self.text_width(&s, size_pt, b);
                        (s, b, w)
                    })
                    .collect();
                let width = runs.iter().map(|r| r.2).sum();
                LaidLine { runs, width }
            })
            .collect()
    }

    // ----- drawing primitives ---------------------------------------------

    fn emit_run(&mut self, x_mm: f32, baseline_mm: f32, text: &str, size_pt: f32, bold: bool) {
        if text.is_empty() {
            return;
        }
        let id = self.fonts.face(bold).id.clone();
        self.used[usize::from(bold)].extend(text.chars());
        let y = self.page.height_mm - baseline_mm;
        self.ops().extend([
            Op::StartTextSection,
            Op::SetFont { font: PdfFontHandle::External(id), size: Pt(size_pt) },
            Op::SetTextCursor { pos: Point::new(Mm(x_mm), Mm(y)) },
            Op::ShowText { items: vec![TextItem::Text(text.to_string())] },
            Op::EndTextSection,
        ]);
    }

    fn draw_laid_line(&mut self, line: &LaidLine, x_mm: f32, width_mm: f32, y_top: f32, style: Style) {
        let start = match style.align {
            Align::Left => x_mm,
            Align::Center => x_mm + (width_mm - line.width) / 2.0,
            Align::Right => x_mm + width_mm - line.width,
        };
        // Baseline: centre the glyph box (ascent) inside the line box.
        let lh = style.line_height_mm();
        let size_mm = style.size_pt / PT_PER_MM;
        let baseline = y_top + (lh - size_mm) / 2.0 + self.fonts.regular.ascent * size_mm;
        let mut x = start;
        for (s, b, w) in &line.runs {
            self.emit_run(x, baseline, s, style.size_pt, *b);
            x += w;
        }
    }

    /// Draws a single line (no wrapping, no cursor movement) with its top at `y_top`.
    pub fn text_line(&mut self, x_mm: f32, y_top: f32, width_mm: f32, text: &str, style: Style) {
        let spans = [Span { text: text.to_string(), bold: style.bold }];
        let mut lines = self.wrap_spans(&spans, f32::MAX, style.size_pt);
        if let Some(l) = lines.pop() {
            self.draw_laid_line(&l, x_mm, width_mm, y_top, style);
        }
    }

    /// Wrapped text inside the box `[x, x + width]` from `y_top`, without page
    /// breaks or cursor movement. Returns the height used in mm.
    pub fn text_block(&mut self, x_mm: f32, y_top: f32, width_mm: f32, text: &str, style: Style) -> f32 {
        self.spans_block(x_mm, y_top, width_mm, &[Span { text: text.to_string(), bold: style.bold }], style)
    }

    /// Like [`Layout::text_block`] for mixed-weight text.
    pub fn spans_block(&mut self, x_mm: f32, y_top: f32, width_mm: f32, spans: &[Span], style: Style) -> f32 {
        let lines = self.wrap_spans(spans, width_mm, style.size_pt);
        let lh = style.line_height_mm();
        for (i, l) in lines.iter().enumerate() {
            self.draw_laid_line(l, x_mm, width_mm, y_top + i as f32 * lh, style);
        }
        lines.len() as f32 * lh
    }

    /// Height [`Layout::text_block`] would use.
    pub fn block_height(&self, width_mm: f32, text: &str, style: Style) -> f32 {
        let spans = [Span { text: text.to_string(), bold: style.bold }];
        self.wrap_spans(&spans, width_mm, style.size_pt).len() as f32 * style.line_height_mm()
    }

    /// Flowing paragraph across the content width, breaking pages between lines.
    pub fn paragraph(&mut self, text: &str, style: Style) {
        self.rich_paragraph(&[Span { text: text.to_string(), bold: style.bold }], style, 0.0, 0.0);
    }

    /// Flowing mixed-weight paragraph. `indent_mm` shifts the whole paragraph;
    /// `hanging_mm` further indents every line after the first.
    pub fn rich_paragraph(&mut self, spans: &[Span], style: Style, indent_mm: f32, hanging_mm: f32) {
        let x = self.content_left() + indent_mm;
        let w = (self.content_width() - indent_mm).max(10.0);
        let lh = style.line_height_mm();
        // First line at full width, the rest narrower by the hanging indent.
        let first = self.wrap_spans(spans, w, style.size_pt);
        let lines = if hanging_mm > 0.0 && first.len() > 1 {
            let first_line = first[0].clone();
            let consumed: String = first_line.runs.iter().map(|r| r.0.as_str()).collect();
            let rest = rest_after(spans, consumed.chars().filter(|c| !c.is_whitespace()).count());
            let mut v = vec![first_line];
            v.extend(self.wrap_spans(&rest, (w - hanging_mm).max(10.0), style.size_pt));
            v
        } else {
            first
        };
        for (i, l) in lines.iter().enumerate() {
            self.ensure_space(lh);
            let (lx, lw) = if i == 0 { (x, w) } else { (x + hanging_mm, (w - hanging_mm).max(10.0)) };
            let y = self.y;
            self.draw_laid_line(l, lx, lw, y, style);
            self.y += lh;
        }
    }

    /// Numbered list item: `label` at the indent, text wrapped beside it.
    pub fn list_item(&mut self, label: &str, spans: &[Span], style: Style, indent_mm: f32, label_width_mm: f32) {
        let x = self.content_left() + indent_mm;
        let tx = x + label_width_mm;
        let tw = (self.content_width() - indent_mm - label_width_mm).max(10.0);
        let lines = self.wrap_spans(spans, tw, style.size_pt);
        let lh = style.line_height_mm();
        // Keep a short item on one page.
        let total = lines.len() as f32 * lh;
        if total <= (self.content_bottom() - self.margins.top) / 3.0 {
            self.ensure_space(total);
        }
        for (i, l) in lines.iter().enumerate() {
            self.ensure_space(lh);
            let y = self.y;
            if i == 0 {
                let st = Style { align: Align::Left, ..style };
                self.text_line(x, y, label_width_mm, label, st);
            }
            self.draw_laid_line(l, tx, tw, y, Style { align: Align::Left, ..style });
            self.y += lh;
        }
    }

    /// Two-column "label: value" table over the content width; rows never split
    /// across pages unless a single row is taller than a page.
    pub fn kv_table(&mut self, rows: &[(&str, &str)], label_width_mm: f32, style: Style) {
        let x = self.content_left();
        let lw = label_width_mm.min(self.content_width() * 0.6);
        let vw = (self.content_width() - lw - 2.0).max(10.0);
        for (label, value) in rows {
            let label = format!("{}:", clean(label).trim());
            let value = or_blank(value);
            let lst = Style { bold: false, align: Align::Left, ..style };
            let vst = Style { align: Align::Left, ..style };
            let h = self.block_height(lw, &label, lst).max(self.block_height(vw, &value, vst));
            if h <= self.content_bottom() - self.margins.top {
                self.ensure_space(h);
                let y = self.y;
                self.text_block(x, y, lw, &label, lst);
                self.text_block(x + lw + 2.0, y, vw, &value, vst);
                self.y += h;
            } else {
                // Taller than a page: fall back to a flowing paragraph.
                self.rich_paragraph(
                    &[Span::regular(&label), Span::regular(" "), Span { text: value, bold: style.bold }],
                    lst,
                    0.0,
                    0.0,
                );
            }
        }
    }

    /// A ruled table at the cursor over the columns' widths (from the content's left edge): the header row in
    /// bold, repeated on every page the table continues on. Cells wrap; a row too tall for the rest of the page
    /// moves to the next one, and a row taller than a whole page is split between pages line by line.
    pub fn table(&mut self, cols: &[Column], rows: &[Vec<String>], style: Style) {
        const PAD: f32 = 1.2;
        let x0 = self.content_left();
        let lh = style.line_height_mm();
        let head_style = Style { bold: true, align: Align::Center, ..style };
        let wrap_cells = |l: &Layout, cells: &[String], st: Style| -> Vec<Vec<LaidLine>> {
            cols.iter()
                .enumerate()
                .map(|(i, c)| {
                    let text = cells.get(i).map(|t| clean(t)).unwrap_or_default();
                    let spans = [Span { text, bold: st.bold }];
                    l.wrap_spans(&spans, (c.width_mm - 2.0 * PAD).max(1.0), st.size_pt)
                })
                .collect()
        };
        let titles: Vec<String> = cols.iter().map(|c| c.title.clone()).collect();
        let header = wrap_cells(self, &titles, head_style);
        let header_h = header.iter().map(Vec::len).max().unwrap_or(1).max(1) as f32 * lh + 2.0 * PAD;
        let draw_row = |l: &mut Layout, cells: &[Vec<LaidLine>], from: usize, n: usize, st: Style, h: f32| {
            let y = l.y;
            let mut x = x0;
            for (c, lines) in cols.iter().zip(cells) {
                for (k, line) in lines.iter().skip(from).take(n).enumerate() {
                    let cst = Style { align: if st.bold { Align::Center } else { c.align }, ..st };
                    l.draw_laid_line(line, x + PAD, c.width_mm - 2.0 * PAD, y + PAD + k as f32 * lh, cst);
                }
                l.frame(x, y, c.width_mm, h, 0.5);
                x += c.width_mm;
            }
            l.y += h;
        };
        let page_body = self.content_bottom() - self.margins.top;
        self.ensure_space(header_h + lh + 2.0 * PAD);
        draw_row(self, &header, 0, usize::MAX, head_style, header_h);
        // Whether the page holds only the header so far (breaking it again would not help).
        let mut only_header = true;
        for row in rows {
            let cells = wrap_cells(self, row, style);
            let total = cells.iter().map(Vec::len).max().unwrap_or(1).max(1);
            let mut done = 0;
            while done < total {
                let left = total - done;
                let fits = ((self.remaining() - 2.0 * PAD) / lh).floor().max(0.0) as usize;
                // A row that fits a fresh page is never split; one that does not is split where the page ends.
                let whole_fits_fresh = (left as f32) * lh + 2.0 * PAD <= page_body - header_h;
                if !only_header && (fits == 0 || (fits < left && whole_fits_fresh)) {
                    self.new_page();
                    draw_row(self, &header, 0, usize::MAX, head_style, header_h);
                    only_header = true;
                    continue;
                }
                let n = fits.clamp(1, left);
                draw_row(self, &cells, done, n, style, n as f32 * lh + 2.0 * PAD);
                only_header = false;
                done += n;
            }
        }
    }

    /// Horizontal rule from `x1` to `x2` at `y` (mm from top).
    pub fn hrule(&mut self, x1_mm: f32, x2_mm: f32, y_mm: f32, thickness_pt: f32) {
        let y = self.page.height_mm - y_mm;
        self.ops().extend([
            Op::SaveGraphicsState,
            Op::SetOutlineColor { col: Color::Greyscale(Greyscale::new(0.0, None)) },
            Op::SetOutlineThickness { pt: Pt(thickness_pt) },
            Op::DrawLine {
                line: Line {
                    points: vec![
                        LinePoint { p: Point::new(Mm(x1_mm), Mm(y)), bezier: false },
                        LinePoint { p: Point::new(Mm(x2_mm), Mm(y)), bezier: false },
                    ],
                    is_closed: false,
                },
            },
            Op::RestoreGraphicsState,
        ]);
    }

    /// Full-width rule at the cursor, with `gap_mm` above and below.
    pub fn rule_here(&mut self, gap_mm: f32) {
        self.ensure_space(2.0 * gap_mm);
        self.y += gap_mm;
        let (x1, x2, y) = (self.content_left(), self.content_left() + self.content_width(), self.y);
        self.hrule(x1, x2, y, 0.5);
        self.y += gap_mm;
    }

    fn fill_rect(&mut self, x_mm: f32, y_top: f32, w_mm: f32, h_mm: f32) {
        let y = self.page.height_mm - y_top - h_mm;
        self.ops().push(Op::DrawRectangle {
            rectangle: Rect {
                x: Mm(x_mm).into(),
                y: Mm(y).into(),
                width: Mm(w_mm).into(),
                height: Mm(h_mm).into(),
                mode: Some(PaintMode::Fill),
                winding_order: Some(WindingOrder::NonZero),
            },
        });
    }

    /// Thin rectangular frame; (`x`, `y_top`) is the top-left corner.
    pub fn frame(&mut self, x_mm: f32, y_top: f32, w_mm: f32, h_mm: f32, thickness_pt: f32) {
        let y = self.page.height_mm - y_top - h_mm;
        self.ops().extend([
            Op::SaveGraphicsState,
            Op::SetOutlineColor { col: Color::Greyscale(Greyscale::new(0.0, None)) },
            Op::SetOutlineThickness { pt: Pt(thickness_pt) },
            Op::DrawRectangle {
                rectangle: Rect {
                    x: Mm(x_mm).into(),
                    y: Mm(y).into(),
                    width: Mm(w_mm).into(),
                    height: Mm(h_mm).into(),
                    mode: Some(PaintMode::Stroke),
                    winding_order: None,
                },
            },
            Op::RestoreGraphicsState,
        ]);
    }

    /// QR code for `data` drawn as filled rectangles (vector, no image) in the
    /// square of side `size_mm` whose top-left corner is (`x`, `y_top`). The
    /// caller leaves the quiet zone around it.
    pub fn qr(&mut self, data: &str, x_mm: f32, y_top: f32, size_mm: f32) -> Result<(), Error> {
        let code = qrcode::QrCode::with_error_correction_level(data.as_bytes(), qrcode::EcLevel::M)
            .map_err(|e| Error::Qr(e.to_string()))?;
        let n = code.width();
        let colors = code.to_colors();
        let m = size_mm / n as f32;
        self.ops().push(Op::SaveGraphicsState);
        self.ops().push(Op::SetFillColor { col: Color::Greyscale(Greyscale::new(0.0, None)) });
        for row in 0..n {
            let mut col = 0;
            while col < n {
                if colors[row * n + col] == qrcode::Color::Dark {
                    let start = col;
                    while col < n && colors[row * n + col] == qrcode::Color::Dark {
                        col += 1;
                    }
                    // Slight overlap avoids hairline gaps between modules in viewers.
                    self.fill_rect(x_mm + start as f32 * m, y_top + row as f32 * m, (col - start) as f32 * m, m + 0.02);
                } else {
                    col += 1;
                }
            }
        }
        self.ops().push(Op::RestoreGraphicsState);
        Ok(())
    }

    /// Serialises the pages. `footer_left` is printed on every page with
    /// "Trang i/n" on the right. `seed` feeds the deterministic document /ID;
    /// `created_unix` is the creation/modification date written to /Info.
    pub fn finish(mut self, title: &str, footer_left: &str, seed: &str, created_unix: i64) -> Result<Vec<u8>, Error> {
        let n = self.pages.len();
        let footer_style = Style::new(9.0, false, Align::Left);
        let fy = self.page.height_mm - self.margins.bottom + 5.0;
        let x = self.content_left();
        let w = self.content_width();
        let footer_left = or_blank(footer_left);
        let mut pages_ops = std::mem::take(&mut self.pages);
        for (i, ops) in pages_ops.iter_mut().enumerate() {
            self.pages = vec![std::mem::take(ops)];
            self.hrule(x, x + w, fy - 1.0, 0.3);
            self.text_line(x, fy, w, &footer_left, footer_style);
            let pn = format!("Trang {}/{}", i + 1, n);
            self.text_line(x, fy, w, &pn, Style { align: Align::Right, ..footer_style });
            *ops = self.pages.pop().unwrap_or_default();
        }

        let mut doc = PdfDocument::new(&clean(title));
        for (face, used) in [&self.fonts.regular, &self.fonts.bold].into_iter().zip(&self.used) {
            if !used.is_empty() {
                let sub = face.subset(used).map_err(Error::Font)?;
                doc.resources.fonts.map.insert(face.id.clone(), PdfFont::new(sub));
            }
        }
        let when = printpdf::OffsetDateTime::from_unix_timestamp(created_unix)
            .or_else(|_| printpdf::OffsetDateTime::from_unix_timestamp(0))
            .map_err(|e| Error::Pdf(e.to_string()))?;
        let info = &mut doc.metadata.info;
        info.creation_date = when;
        info.modification_date = when;
        info.metadata_date = when;
        info.producer = "pdfwork official.rs (printpdf 0.12)".to_string();
        info.creator = "pdfwork".to_string();
        info.identifier = clean(seed);
        doc.pages = pages_ops
            .into_iter()
            .map(|ops| PdfPage::new(Mm(self.page.width_mm), Mm(self.page.height_mm), ops))
            .collect();

        let opts = PdfSaveOptions::default();
        let mut warnings = Vec::new();
        let mut lo = doc.to_lopdf_document(&opts, &mut warnings);
        // printpdf writes a random /ID; replace it with one derived from the content.
        let id = format!("{:016x}{:016x}", fnv1a(seed.as_bytes(), 0), fnv1a(seed.as_bytes(), 1));
        lo.trailer.set(
            "ID",
            lopdf::Object::Array(vec![
                lopdf::Object::String(id.clone().into_bytes(), lopdf::StringFormat::Literal),
                lopdf::Object::String(id.into_bytes(), lopdf::StringFormat::Literal),
            ]),
        );
        // printpdf labels every document PDF/X (GTS_PDFXVersion) without making it
        // conform; drop the claim.
        if let Ok(info_id) = lo.trailer.get(b"Info").and_then(|o| o.as_reference())
            && let Ok(dict) = lo.get_object_mut(info_id).and_then(|o| o.as_dict_mut())
        {
            dict.remove(b"GTS_PDFXVersion");
        }
        if opts.optimize {
            lo.compress();
        }
        let mut out = Vec::new();
        lo.save_to(&mut out).map_err(|e| Error::Pdf(e.to_string()))?;
        Ok(out)
    }
}

/// The spans left after skipping `skip` non-whitespace characters.
fn rest_after(spans: &[Span], mut skip: usize) -> Vec<Span> {
    let mut out = Vec::new();
    for s in spans {
        let text = clean(&s.text);
        if skip == 0 {
            out.push(Span { text, bold: s.bold });
            continue;
        }
        let mut cut = text.len();
        for (i, c) in text.char_indices() {
            if skip == 0 {
                cut = i;
                break;
            }
            if !c.is_whitespace() {
                skip -= 1;
            }
        }
        if skip == 0 && cut < text.len() {
            out.push(Span { text: text[cut..].to_string(), bold: s.bold });
        }
    }
    out
}

fn fnv1a(data: &[u8], seed: u64) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ seed.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    for b in data {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

// ---------------------------------------------------------------------------
// Dates
// ---------------------------------------------------------------------------

/// Parses "dd/mm/yyyy" into (day, month, year).
pub(super) fn parse_date(s: &str) -> Option<(u32, u32, i32)> {
    let mut it = s.trim().split('/');
    let d: u32 = it.next()?.trim().parse().ok()?;
    let m: u32 = it.next()?.trim().parse().ok()?;
    let y: i32 = it.next()?.trim().parse().ok()?;
    if it.next().is_some() || !(1..=31).contains(&d) || !(1..=12).contains(&m) || !(1..=9999).contains(&y) {
        return None;
    }
    Some((d, m, y))
}

/// Parses "hh:mm" (or "hh giờ mm") into (hour, minute).
fn parse_time(s: &str) -> Option<(u32, u32)> {
    let s = s.trim();
    let (h, m) = s.split_once(':').or_else(|| s.split_once('h'))?;
    let h: u32 = h.trim().parse().ok()?;
    let m: u32 = m.trim().parse().ok()?;
    (h < 24 && m < 60).then_some((h, m))
}

/// "Thanh Hóa, ngày 23 tháng 11 năm 2026".
pub fn place_date_line(place: &str, date: &str) -> String {
    let place = or_blank(place);
    match parse_date(date) {
        Some((d, m, y)) => format!("{place}, ngày {d:02} tháng {m:02} năm {y}"),
        None => format!("{place}, ngày {BLANK} tháng {BLANK} năm {BLANK}"),
    }
}

/// "09 giờ 30 phút, ngày 23/11/2026".
pub fn time_date_phrase(time: &str, date: &str) -> String {
    let t = match parse_time(time) {
        Some((h, m)) => format!("{h:02} giờ {m:02} phút"),
        None => format!("{BLANK} giờ {BLANK} phút"),
    };
    let d = match parse_date(date) {
        Some((d, m, y)) => format!("{d:02}/{m:02}/{y}"),
        None => format!("{BLANK}/{BLANK}/{BLANK}"),
    };
    format!("{t}, ngày {d}")
}

/// Unix time of a Vietnam (UTC+7) local date and time; 0 if unparsable.
pub(super) fn unix_time_vn(date: &str, time: &str) -> i64 {
    let Some((d, m, y)) = parse_date(date) else { return 0 };
    let (h, mi) = parse_time(time).unwrap_or((0, 0));
    // Days from civil (Howard Hinnant).
    let (y, m, d) = (i64::from(y), i64::from(m), i64::from(d));
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    (days * 86_400 + i64::from(h) * 3_600 + i64::from(mi) * 60 - 7 * 3_600).max(0)
}

// ---------------------------------------------------------------------------
// A printable blank declaration (tờ khai) from a procedure's e-form
// ---------------------------------------------------------------------------

/// How a field of the e-form is printed for filling in by hand.
#[derive(Debug, Clone, PartialEq)]
pub enum BlankField {
    /// A dotted line (or `n` lines) to write on.
    Lines(u8),
    /// Boxes to tick, one per option.
    Choice(Vec<String>),
    /// Province, commune, and the street address.
    Address,
    /// One box to tick (a commitment).
    Tick,
}

/// The blank declaration of a procedure (the printable form of its e-form).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Declaration {
    /// e.g. "Cấp Giấy xác nhận tình trạng hôn nhân".
    pub procedure_name: String,
    /// National procedure code, printed in the footer.
    pub procedure_code: String,
    /// Who it is addressed to ("Kính gửi"); blank for the applicant to fill in when empty.
    pub addressee: String,
    /// (label, required, how to print it), in the form's order.
    pub fields: Vec<(String, bool, BlankField)>,
}

/// `prefix` followed by dots to the end of a line `width_mm` wide (dots alone on a new line when the prefix
/// leaves too little room).
fn dotted(l: &Layout, prefix: &str, width_mm: f32, size_pt: f32) -> Vec<String> {
    let dot = l.text_width("…", size_pt, false).max(0.5);
    let last = l.wrap(prefix, width_mm, size_pt, false).pop().unwrap_or_default();
    let room = width_mm - l.text_width(&last, size_pt, false) - 1.0;
    let full = "…".repeat(((width_mm - 1.0) / dot).floor().max(1.0) as usize);
    if room < width_mm / 4.0 {
        vec![prefix.trim_end().to_owned(), full]
    } else {
        vec![format!("{prefix}{}", "…".repeat((room / dot).floor().max(1.0) as usize))]
    }
}

/// Renders the blank declaration as an A4 PDF (the same form gives the same bytes).
pub fn declaration(d: &Declaration) -> Result<Vec<u8>, Error> {
    let mut l = Layout::new(PageSize::A4, Margins::OFFICIAL_A4)?;
    let body = Style::new(13.0, false, Align::Left);
    let cw = l.content_width();
    let x0 = l.content_left();
    l.paragraph("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", Style::new(13.0, true, Align::Center));
    let motto = "Độc lập - Tự do - Hạnh phúc";
    let y = l.cursor();
    l.paragraph(motto, Style::new(13.0, true, Align::Center));
    let mw = l.text_width(motto, 13.0, true).min(cw);
    l.hrule(x0 + (cw - mw) / 2.0, x0 + (cw + mw) / 2.0, l.cursor() + 0.5, 0.6);
    let _ = y;
    l.advance(6.0);
    l.paragraph("TỜ KHAI", Style::new(14.0, true, Align::Center));
    l.paragraph(&or_blank(&d.procedure_name).to_uppercase(), Style::new(13.0, true, Align::Center));
    l.advance(4.0);
    if d.addressee.trim().is_empty() {
        for line in dotted(&l, "Kính gửi: ", cw, body.size_pt) {
            l.paragraph(&line, body);
        }
    } else {
        l.paragraph(&format!("Kính gửi: {}", clean(&d.addressee)), body);
    }
    l.advance(2.0);
    for (i, (label, required, shape)) in d.fields.iter().enumerate() {
        let label = format!("{}. {}{}", i + 1, clean(label), if *required { " (*)" } else { "" });
        match shape {
            BlankField::Lines(n) => {
                for line in dotted(&l, &format!("{label}: "), cw, body.size_pt) {
                    l.paragraph(&line, body);
                }
                for _ in 1..(*n).max(1) {
                    for line in dotted(&l, "", cw, body.size_pt) {
                        l.paragraph(&line, body);
                    }
                }
            }
            BlankField::Choice(options) => {
                l.paragraph(&format!("{label}:"), body);
                for o in options {
                    l.rich_paragraph(&[Span::regular(&format!("[  ] {}", clean(o)))], body, 8.0, 0.0);
                }
            }
            BlankField::Address => {
                l.paragraph(&format!("{label}:"), body);
                for part in ["Tỉnh, thành phố", "Xã, phường, đặc khu", "Số nhà, đường, thôn, xóm"]
                {
                    for line in dotted(&l, &format!("{part}: "), cw - 8.0, body.size_pt) {
                        l.rich_paragraph(&[Span::regular(&line)], body, 8.0, 0.0);
                    }
                }
            }
            BlankField::Tick => {
                l.rich_paragraph(&[Span::regular(&format!("[  ] {label}"))], body, 0.0, 0.0);
            }
        }
        l.advance(0.8);
    }
    l.advance(2.0);
    l.paragraph("Những mục có dấu (*) là bắt buộc.", Style::new(11.0, false, Align::Left));
    // The signature block, kept on one page.
    l.advance(6.0);
    let sig = Style::new(13.0, true, Align::Center);
    let note = Style::new(12.0, false, Align::Center);
    l.ensure_space(3.0 * sig.line_height_mm() + 24.0);
    let half = cw / 2.0;
    let mut y = l.cursor();
    y += l.text_block(x0 + half, y, half, "……, ngày …… tháng …… năm ……", Style::new(13.0, false, Align::Center));
    y += l.text_block(x0 + half, y, half, "NGƯỜI KHAI", sig);
    y += l.text_block(x0 + half, y, half, "(Ký và ghi rõ họ tên)", note);
    l.set_cursor(y + 24.0);
    let seed = {
        let mut s = format!(
            "tokhai-v1\u{1f}{}\u{1f}{}\u{1f}{}",
            clean(&d.procedure_code),
            clean(&d.procedure_name),
            clean(&d.addressee)
        );
        for (label, required, shape) in &d.fields {
            s.push_str(&format!("\u{1f}{}|{required}|{shape:?}", clean(label)));
        }
        s
    };
    l.finish(
        &format!("Tờ khai — {}", clean(&d.procedure_name)),
        &format!("Mẫu tờ khai {} — in từ biểu mẫu điện tử", clean(&d.procedure_code)),
        &seed,
        0,
    )
}
