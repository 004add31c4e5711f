//! The official forms of a dossier (TT 01/2018/TT-VPCP, renumbered by TT 03/2025/TT-VPCP; domain.md §6), laid
//! out with [`super::official::Layout`]:
//!
//! | no. | form | page |
//! |---|---|---|
//! | 01 | [`Receipt`]: giấy tiếp nhận hồ sơ và hẹn trả kết quả | A5 |
//! | 02 | [`SupplementRequest`]: phiếu yêu cầu bổ sung, hoàn thiện hồ sơ | A5 |
//! | 03 | [`Refusal`]: phiếu từ chối tiếp nhận, giải quyết hồ sơ | A5 |
//! | 04 | [`Apology`]: văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết | A5 |
//! | 05 | [`StopNotice`]: thông báo dừng giải quyết hồ sơ | A5 |
//! | 06 | [`ControlSheet`]: phiếu kiểm soát quá trình giải quyết hồ sơ | A4 (a six-column table) |
//! | 07 | [`Register`]: sổ theo dõi hồ sơ | A4 landscape |
//!
//! plus the [`ResultDocument`] generated from a procedure's result layout (A4). Every slip carries the agency's
//! letterhead, the national motto, the dossier code and a QR code to the public lookup. Every field may be empty
//! (it prints as the dotted blank); the same data gives the same bytes.

use super::official::{
    Align, BLANK, Column, Error, Layout, Margins, PageSize, Span, Style, clean, or_blank, parse_date, place_date_line,
    time_date_phrase, unix_time_vn,
};

/// The top of every form: who issues it (left) and the national motto (right).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Letterhead {
    /// The superior body, e.g. "Ủy ban nhân dân tỉnh Thanh Hóa" (printed in capitals).
    pub parent_agency: String,
    /// The issuing agency, e.g. "Sở Tư pháp" (capitals, bold).
    pub agency: String,
    /// The office inside it, e.g. "Bộ phận tiếp nhận và trả kết quả" (capitals, bold); may be empty.
    pub office: String,
    /// The place of the date line, e.g. "Thanh Hóa".
    pub place: String,
    /// "dd/mm/yyyy".
    pub date: String,
}

/// The applicant (or the owner, when someone filed for them) as the forms name them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Party {
    pub name: String,
    pub address: String,
    pub phone: String,
    pub email: String,
}

/// What identifies the dossier on every slip.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DossierRef {
    /// Mã hồ sơ.
    pub code: String,
    /// "Nội dung yêu cầu giải quyết": the procedure's name.
    pub procedure_name: String,
    /// The public lookup page of this dossier (in the QR code).
    pub lookup_url: String,
}

/// One component as received (Mẫu 01's table).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReceiptComponent {
    pub name: String,
    /// "Bản chính", "Bản sao (đã đối chiếu bản chính)", "Bản điện tử", ...
    pub kind: String,
    /// "01".
    pub quantity: String,
}

/// Mẫu 01.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Receipt {
    pub head: Letterhead,
    pub dossier: DossierRef,
    pub applicant: Party,
    /// Completes "Bộ phận tiếp nhận và trả kết quả …".
    pub receiving_office: String,
    pub components: Vec<ReceiptComponent>,
    /// "01" (sets of documents).
    pub dossier_sets: String,
    /// "5 ngày làm việc".
    pub processing_time: String,
    /// "hh:mm" and "dd/mm/yyyy".
    pub received_time: String,
    pub received_date: String,
    pub return_time: String,
    pub return_date: String,
    pub pickup_place: String,
    pub receiver_name: String,
}

/// Mẫu 02.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SupplementRequest {
    pub head: Letterhead,
    pub dossier: DossierRef,
    pub applicant: Party,
    pub receiving_office: String,
    /// When the dossier was received (or submitted, for one asked to be completed before acceptance).
    pub received_date: String,
    /// Every item to add or fix, once.
    pub items: Vec<String>,
    pub reason: String,
    /// Where the procedure's guidance is (its page in the portal).
    pub guidance_url: String,
    pub officer_name: String,
    pub officer_phone: String,
}

/// Mẫu 03.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Refusal {
    pub head: Letterhead,
    pub dossier: DossierRef,
    pub applicant: Party,
    pub receiving_office: String,
    pub received_date: String,
    pub reason: String,
    pub guidance_url: String,
    pub officer_name: String,
}

/// Who signs a letter on behalf of the agency.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Signer {
    /// "Chủ tịch", "Giám đốc", "Cán bộ tiếp nhận" (capitals in the signature block).
    pub title: String,
    pub name: String,
}

/// Mẫu 04.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Apology {
    pub head: Letterhead,
    pub dossier: DossierRef,
    pub applicant: Party,
    /// The agency apologising, as the sentences name it ("Ủy ban nhân dân phường Hạc Thành").
    pub agency_name: String,
    pub received_date: String,
    /// The appointment given on the receipt: "hh:mm", "dd/mm/yyyy".
    pub original_due_time: String,
    pub original_due_date: String,
    pub reason: String,
    pub new_due_time: String,
    pub new_due_date: String,
    pub signer: Signer,
}

/// Mẫu 05.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StopNotice {
    pub head: Letterhead,
    pub dossier: DossierRef,
    pub applicant: Party,
    pub agency_name: String,
    pub received_date: String,
    pub stop_time: String,
    pub stop_date: String,
    pub reason: String,
    pub signer: Signer,
}

/// One hand-over on the control sheet.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ControlRow {
    /// The unit (and person) handing over.
    pub from: String,
    /// The unit (and person) receiving.
    pub to: String,
    /// "hh:mm dd/mm/yyyy".
    pub at: String,
    /// "Trước hạn", "Đúng hạn", "Quá hạn" for the step that ended, or empty.
    pub result: String,
    pub note: String,
}

/// Mẫu 06.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ControlSheet {
    pub head: Letterhead,
    pub dossier: DossierRef,
    pub applicant: Party,
    /// "hh:mm dd/mm/yyyy".
    pub received_at: String,
    pub due_at: String,
    /// The appointment after an apology moved it, if it did.
    pub new_due_at: String,
    pub rows: Vec<ControlRow>,
}

/// One dossier in the register.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RegisterRow {
    pub code: String,
    pub procedure_name: String,
    pub applicant_name: String,
    /// Address and phone.
    pub contact: String,
    /// "dd/mm/yyyy hh:mm".
    pub received: String,
    pub appointment: String,
    /// Where it went: "Phòng Tư pháp 10/11/2026; ...".
    pub transfers: String,
    /// When the result was ready.
    pub result_received: String,
    /// When it was returned to the applicant (or refused, withdrawn, stopped: said so).
    pub returned: String,
}

/// Mẫu 07.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Register {
    pub head: Letterhead,
    /// "dd/mm/yyyy".
    pub from: String,
    pub to: String,
    pub rows: Vec<RegisterRow>,
}

/// A result document generated from the procedure's layout (e.g. a confirmation of marital status).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ResultDocument {
    pub head: Letterhead,
    /// "Số: …" under the agency.
    pub number: String,
    /// E.g. "GIẤY XÁC NHẬN TÌNH TRẠNG HÔN NHÂN".
    pub title: String,
    /// Paragraphs, placeholders already filled in.
    pub lines: Vec<String>,
    pub signer: Signer,
    pub dossier: DossierRef,
}

// ---------------------------------------------------------------------------------------------------------
// Shared parts
// ---------------------------------------------------------------------------------------------------------

/// Sizes that suit the page: A5 slips are set smaller than A4 documents.
#[derive(Clone, Copy)]
struct Sizes {
    head: f32,
    body: f32,
    title: f32,
    small: f32,
}

fn sizes(l: &Layout) -> Sizes {
    if l.page_size().width_mm < 160.0 {
        Sizes { head: 9.0, body: 10.0, title: 11.0, small: 8.0 }
    } else {
        Sizes { head: 12.0, body: 13.0, title: 14.0, small: 10.0 }
    }
}

/// Draws the letterhead at the top of the first page and moves the cursor below it. `number` ("Số: …") goes
/// under the agency block when given.
fn letterhead(l: &mut Layout, h: &Letterhead, number: Option<&str>) {
    let sz = sizes(l);
    let page_w = l.page_size().width_mm;
    // The agency block starts left of the text margin (as printed forms do); both columns stay on the page.
    let left_x = (l.content_left() - 15.0).max(8.0);
    let span = page_w - 2.0 * left_x;
    // The right column is as wide as the national line needs (at most 56 % of the width); the agency gets the rest.
    let national = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM";
    let right_w = (l.text_width(national, sz.head, true) + 2.0).min(span * 0.56);
    // On a wide page (the landscape register) the two blocks keep to the corners.
    let left_w = (span - right_w - 2.0).min(100.0);
    let right_x = left_x + span - right_w;
    let top = l.cursor();
    let hdr = Style::new(sz.head, false, Align::Center);
    let hdr_b = Style { bold: true, ..hdr };

    let mut ly = top;
    if !h.parent_agency.trim().is_empty() {
        ly += l.text_block(left_x, ly, left_w, &clean(&h.parent_agency).trim().to_uppercase(), hdr);
    }
    ly += l.text_block(left_x, ly, left_w, &or_blank(&h.agency).to_uppercase(), hdr_b);
    if !h.office.trim().is_empty() {
        ly += l.text_block(left_x, ly, left_w, &clean(&h.office).trim().to_uppercase(), hdr_b);
    }
    let rule_w = left_w * 0.3;
    l.hrule(left_x + (left_w - rule_w) / 2.0, left_x + (left_w + rule_w) / 2.0, ly + 1.5, 0.6);
    ly += 3.0;
    if let Some(n) = number {
        ly += l.text_block(left_x, ly, left_w, &format!("Số: {}", or_blank(n)), hdr);
    }

    // The national line is set as large as its column allows, up to the header size.
    let at_1pt = l.text_width(national, 1.0, true).max(0.01);
    let nat_st = Style { size_pt: sz.head.min((right_w - 1.0) / at_1pt), ..hdr_b };
    let mut ry = top;
    ry += l.text_block(right_x, ry, right_w, national, nat_st);
    let motto = "Độc lập - Tự do - Hạnh phúc";
    let motto_st = Style { size_pt: sz.head + 1.0, ..hdr_b };
    ry += l.text_block(right_x, ry, right_w, motto, motto_st);
    let mw = l.text_width(motto, motto_st.size_pt, true).min(right_w);
    l.hrule(right_x + (right_w - mw) / 2.0, right_x + (right_w + mw) / 2.0, ry + 1.0, 0.6);
    ry += 3.5;
    ry += l.text_block(
        right_x,
        ry,
        right_w,
        &place_date_line(&h.place, &h.date),
        Style::new(sz.head + 1.0, false, Align::Center),
    );
    l.set_cursor(ly.max(ry) + 5.0);
}

/// The form's title with, under it, the dossier code and the public lookup address; the lookup's QR code sits
/// left of them.
fn title(l: &mut Layout, text: &str, d: Option<&DossierRef>) {
    let sz = sizes(l);
    let title_st = Style::new(sz.title, true, Align::Center);
    let Some(d) = d else {
        l.paragraph(text, title_st);
        l.advance(3.0);
        return;
    };
    let qr = if sz.body < 12.0 { 18.0 } else { 22.0 };
    let x0 = l.content_left();
    let tx = x0 + qr + 3.0;
    let tw = l.content_width() - qr - 3.0;
    let code_st = Style::new(sz.body, false, Align::Center);
    let url_st = Style::new(sz.small, false, Align::Center);
    let url = clean(&d.lookup_url);
    let url = url.trim();
    let lookup_line = format!("Tra cứu hồ sơ: {}", if url.is_empty() { BLANK } else { url });
    let text_h =
        l.block_height(tw, text, title_st) + code_st.line_height_mm() + l.block_height(tw, &lookup_line, url_st);
    l.ensure_space(text_h.max(qr) + 3.0);
    let top = l.cursor();
    // An empty or over-long URL (more than a QR code holds) leaves an empty box; the address is still printed.
    if url.is_empty() || l.qr(url, x0, top, qr).is_err() {
        l.frame(x0, top, qr, qr, 0.5);
    }
    let mut y = top + ((qr - text_h) / 2.0).max(0.0);
    y += l.text_block(tx, y, tw, text, title_st);
    y += l.spans_block(tx, y, tw, &[Span::regular("Mã hồ sơ: "), Span::bold(&or_blank(&d.code))], code_st);
    l.text_block(tx, y, tw, &lookup_line, url_st);
    l.set_cursor(top + text_h.max(qr) + 3.0);
}

fn para(l: &mut Layout, spans: &[Span]) {
    let st = Style::new(sizes(l).body, false, Align::Left);
    l.rich_paragraph(spans, st, 0.0, 0.0);
    l.advance(if st.size_pt < 12.0 { 0.3 } else { 0.6 });
}

fn text(l: &mut Layout, s: &str) {
    para(l, &[Span::regular(s)]);
}

/// "Ông/Bà": the forms address people without knowing their sex.
const ADDRESSEE: &str = "Ông/Bà";

fn party_lines(l: &mut Layout, lead: &str, p: &Party) {
    para(l, &[Span::regular(&format!("{lead}{ADDRESSEE} ")), Span::bold(&or_blank(&p.name))]);
    para(l, &[Span::regular("Địa chỉ: "), Span::regular(&or_blank(&p.address))]);
    para(
        l,
        &[
            Span::regular("Số điện thoại: "),
            Span::regular(&or_blank(&p.phone)),
            Span::regular("     Thư điện tử: "),
            Span::regular(&or_blank(&p.email)),
        ],
    );
}

fn request(l: &mut Layout, d: &DossierRef) {
    para(l, &[Span::regular("Nội dung yêu cầu giải quyết: "), Span::bold(&or_blank(&d.procedure_name))]);
}

/// Signature blocks side by side (one block sits on the right half), kept together on one page.
fn signatures(l: &mut Layout, blocks: &[(&str, &str)]) {
    let sz = sizes(l);
    let sig_title = Style::new(sz.body, true, Align::Center);
    let sig_note = Style::new(sz.body - 1.0, false, Align::Center);
    let sign_space = if sz.body < 12.0 { 12.0 } else { 18.0 };
    let x0 = l.content_left();
    let cw = l.content_width();
    let (w, xs): (f32, Vec<f32>) = match blocks.len() {
        0 => return,
        1 => (cw / 2.0, vec![x0 + cw / 2.0]),
        n => (cw / n as f32, (0..n).map(|k| x0 + k as f32 * cw / n as f32).collect()),
    };
    let height = |l: &Layout, who: &str, name: &str| {
        l.block_height(w, who, sig_title)
            + sig_note.line_height_mm()
            + sign_space
            + l.block_height(w, &or_blank(name), sig_title)
    };
    let h = blocks.iter().map(|(who, name)| height(l, who, name)).fold(0.0, f32::max);
    l.advance(3.0);
    l.ensure_space(h + 2.0);
    let sy = l.cursor();
    for ((who, name), x) in blocks.iter().zip(xs) {
        let mut y = sy;
        y += l.text_block(x, y, w, &clean(who).to_uppercase(), sig_title);
        y += l.text_block(x, y, w, "(Ký và ghi rõ họ tên)", sig_note);
        y += sign_space;
        l.text_block(x, y, w, &or_blank(name), sig_title);
    }
    l.set_cursor(sy + h + 3.0);
}

/// The seed of a document's deterministic /ID: its form and every field.
fn seed(form: &str, data: &impl std::fmt::Debug) -> String {
    clean(&format!("{form}\u{1f}{data:?}"))
}

/// The document's creation time: its date (and time, when it has one) in Vietnam time.
fn created(date: &str, time: &str) -> i64 {
    if parse_date(date).is_some() { unix_time_vn(date, time) } else { 0 }
}

fn slip() -> Result<Layout, Error> {
    Layout::new(PageSize::A5, Margins::OFFICIAL_A5)
}

// ---------------------------------------------------------------------------------------------------------
// The forms
// ---------------------------------------------------------------------------------------------------------

/// Mẫu 01 on A5.
pub fn receipt(r: &Receipt) -> Result<Vec<u8>, Error> {
    let mut l = slip()?;
    letterhead(&mut l, &r.head, None);
    title(&mut l, "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", Some(&r.dossier));
    para(&mut l, &[Span::regular("Bộ phận tiếp nhận và trả kết quả: "), Span::regular(&or_blank(&r.receiving_office))]);
    party_lines(&mut l, "Tiếp nhận hồ sơ của: ", &r.applicant);
    request(&mut l, &r.dossier);
    text(&mut l, "1. Thành phần hồ sơ nộp gồm:");
    let sz = sizes(&l);
    let cw = l.content_width();
    let cols = [
        Column::new("TT", 8.0, Align::Center),
        Column::new("Tên loại giấy tờ", cw - 8.0 - 34.0 - 16.0, Align::Left),
        Column::new("Hình thức", 34.0, Align::Left),
        Column::new("Số lượng", 16.0, Align::Center),
    ];
    let rows: Vec<Vec<String>> = if r.components.is_empty() {
        vec![vec!["1".into(), BLANK.into(), BLANK.into(), BLANK.into()]]
    } else {
        r.components
            .iter()
            .enumerate()
            .map(|(i, c)| vec![(i + 1).to_string(), or_blank(&c.name), or_blank(&c.kind), or_blank(&c.quantity)])
            .collect()
    };
    l.table(&cols, &rows, Style::new(sz.body - 1.0, false, Align::Left));
    l.advance(2.0);
    text(&mut l, &format!("2. Số lượng hồ sơ: {} (bộ)", or_blank(&r.dossier_sets)));
    text(&mut l, &format!("3. Thời gian giải quyết hồ sơ theo quy định là: {}", or_blank(&r.processing_time)));
    text(&mut l, &format!("4. Thời gian nhận hồ sơ: {}", time_date_phrase(&r.received_time, &r.received_date)));
    para(
        &mut l,
        &[
            Span::regular("5. Thời gian trả kết quả giải quyết hồ sơ: "),
            Span::bold(&time_date_phrase(&r.return_time, &r.return_date)),
        ],
    );
    text(&mut l, &format!("6. Đăng ký nhận kết quả tại: {}", or_blank(&r.pickup_place)));
    signatures(&mut l, &[("Người nộp hồ sơ", &r.applicant.name), ("Người tiếp nhận hồ sơ", &r.receiver_name)]);
    l.finish(
        &format!("Giấy tiếp nhận hồ sơ và hẹn trả kết quả — {}", or_blank(&r.dossier.code)),
        &format!("Mẫu số 01 — {}", or_blank(&r.dossier.code)),
        &seed("01", r),
        created(&r.received_date, &r.received_time),
    )
}

/// Mẫu 02 on A5.
pub fn supplement_request(r: &SupplementRequest) -> Result<Vec<u8>, Error> {
    let mut l = slip()?;
    letterhead(&mut l, &r.head, None);
    title(&mut l, "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ", Some(&r.dossier));
    party_lines(
        &mut l,
        &format!("Ngày {}, {} đã tiếp nhận hồ sơ của: ", or_blank(&r.received_date), or_blank(&r.receiving_office)),
        &r.applicant,
    );
    request(&mut l, &r.dossier);
    text(&mut l, &format!("Yêu cầu {ADDRESSEE} bổ sung, hoàn thiện hồ sơ gồm những nội dung sau:"));
    let sz = sizes(&l);
    let cw = l.content_width();
    let cols =
        [Column::new("TT", 8.0, Align::Center), Column::new("Nội dung bổ sung, hoàn thiện", cw - 8.0, Align::Left)];
    let rows: Vec<Vec<String>> = if r.items.is_empty() {
        vec![vec!["1".into(), BLANK.into()]]
    } else {
        r.items.iter().enumerate().map(|(i, item)| vec![(i + 1).to_string(), or_blank(item)]).collect()
    };
    l.table(&cols, &rows, Style::new(sz.body - 1.0, false, Align::Left));
    l.advance(2.0);
    para(&mut l, &[Span::regular("Lý do: "), Span::regular(&or_blank(&r.reason))]);
    text(&mut l, &format!("Hướng dẫn chi tiết thủ tục: {}", or_blank(&r.guidance_url)));
    text(
        &mut l,
        &format!(
            "Trong quá trình bổ sung, hoàn thiện hồ sơ, nếu có vướng mắc, {ADDRESSEE} liên hệ với {} theo số điện thoại {} để được hướng dẫn.",
            or_blank(&r.officer_name),
            or_blank(&r.officer_phone)
        ),
    );
    signatures(&mut l, &[("Người hướng dẫn", &r.officer_name)]);
    l.finish(
        &format!("Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ — {}", or_blank(&r.dossier.code)),
        &format!("Mẫu số 02 — {}", or_blank(&r.dossier.code)),
        &seed("02", r),
        created(&r.head.date, ""),
    )
}

/// Mẫu 03 on A5.
pub fn refusal(r: &Refusal) -> Result<Vec<u8>, Error> {
    let mut l = slip()?;
    letterhead(&mut l, &r.head, None);
    title(&mut l, "PHIẾU TỪ CHỐI TIẾP NHẬN, GIẢI QUYẾT HỒ SƠ", Some(&r.dossier));
    party_lines(
        &mut l,
        &format!("Ngày {}, {} đã nhận hồ sơ của: ", or_blank(&r.received_date), or_blank(&r.receiving_office)),
        &r.applicant,
    );
    request(&mut l, &r.dossier);
    text(
        &mut l,
        "Sau khi xem xét, căn cứ quy định hiện hành, cơ quan, đơn vị không tiếp nhận, giải quyết hồ sơ này với lý do cụ thể như sau:",
    );
    para(&mut l, &[Span::bold(&or_blank(&r.reason))]);
    text(&mut l, &format!("Xin thông báo để {ADDRESSEE} được biết và thực hiện."));
    text(&mut l, &format!("Hướng dẫn chi tiết thủ tục: {}", or_blank(&r.guidance_url)));
    signatures(&mut l, &[("Người xử lý hồ sơ", &r.officer_name)]);
    l.finish(
        &format!("Phiếu từ chối tiếp nhận, giải quyết hồ sơ — {}", or_blank(&r.dossier.code)),
        &format!("Mẫu số 03 — {}", or_blank(&r.dossier.code)),
        &seed("03", r),
        created(&r.head.date, ""),
    )
}

fn addressed_to(l: &mut Layout, p: &Party) {
    let st = Style::new(sizes(l).body, false, Align::Center);
    l.rich_paragraph(
        &[Span::regular(&format!("Kính gửi: {ADDRESSEE} ")), Span::bold(&or_blank(&p.name))],
        st,
        0.0,
        0.0,
    );
    let contact = [p.address.trim(), p.phone.trim()].iter().filter(|s| !s.is_empty()).copied().collect::<Vec<_>>();
    if !contact.is_empty() {
        l.paragraph(&clean(&contact.join(" — ")), Style::new(sizes(l).body - 1.0, false, Align::Center));
    }
    l.advance(2.0);
}

/// Mẫu 04 on A5.
pub fn apology(r: &Apology) -> Result<Vec<u8>, Error> {
    let mut l = slip()?;
    letterhead(&mut l, &r.head, None);
    title(&mut l, "VĂN BẢN XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT HỒ SƠ", Some(&r.dossier));
    addressed_to(&mut l, &r.applicant);
    let agency = or_blank(&r.agency_name);
    text(&mut l, &format!("Ngày {}, {agency} tiếp nhận giải quyết hồ sơ của {ADDRESSEE}.", or_blank(&r.received_date)));
    request(&mut l, &r.dossier);
    text(
        &mut l,
        &format!(
            "Thời hạn trả kết quả giải quyết hồ sơ ghi trên Giấy tiếp nhận hồ sơ và hẹn trả kết quả: {}.",
            time_date_phrase(&r.original_due_time, &r.original_due_date)
        ),
    );
    para(
        &mut l,
        &[
            Span::regular(&format!(
                "Tuy nhiên, {agency} chưa thể trả kết quả giải quyết hồ sơ cho {ADDRESSEE} đúng hạn. Lý do: "
            )),
            Span::regular(&or_blank(&r.reason)),
        ],
    );
    para(
        &mut l,
        &[
            Span::regular(&format!(
                "Sự chậm trễ này đã gây phiền hà, tốn kém thời gian, chi phí của {ADDRESSEE}. {agency} xin lỗi {ADDRESSEE} và đề nghị gia hạn thời gian giải quyết, hẹn trả kết quả vào: "
            )),
            Span::bold(&time_date_phrase(&r.new_due_time, &r.new_due_date)),
            Span::regular("."),
        ],
    );
    text(&mut l, &format!("Xin trân trọng cảm ơn sự hợp tác của {ADDRESSEE}."));
    signatures(&mut l, &[(&or_blank(&r.signer.title), &r.signer.name)]);
    l.finish(
        &format!("Văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết — {}", or_blank(&r.dossier.code)),
        &format!("Mẫu số 04 — {}", or_blank(&r.dossier.code)),
        &seed("04", r),
        created(&r.head.date, ""),
    )
}

/// Mẫu 05 on A5.
pub fn stop_notice(r: &StopNotice) -> Result<Vec<u8>, Error> {
    let mut l = slip()?;
    letterhead(&mut l, &r.head, None);
    title(&mut l, "THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ", Some(&r.dossier));
    addressed_to(&mut l, &r.applicant);
    let agency = or_blank(&r.agency_name);
    text(&mut l, &format!("Ngày {}, {agency} tiếp nhận giải quyết hồ sơ của {ADDRESSEE}.", or_blank(&r.received_date)));
    request(&mut l, &r.dossier);
    para(
        &mut l,
        &[
            Span::regular(&format!("{agency} thông báo dừng giải quyết hồ sơ nêu trên kể từ ")),
            Span::bold(&time_date_phrase(&r.stop_time, &r.stop_date)),
            Span::regular("."),
        ],
    );
    para(&mut l, &[Span::regular("Lý do: "), Span::regular(&or_blank(&r.reason))]);
    text(&mut l, &format!("Xin thông báo để {ADDRESSEE} được biết."));
    signatures(&mut l, &[(&or_blank(&r.signer.title), &r.signer.name)]);
    l.finish(
        &format!("Thông báo dừng giải quyết hồ sơ — {}", or_blank(&r.dossier.code)),
        &format!("Mẫu số 05 — {}", or_blank(&r.dossier.code)),
        &seed("05", r),
        created(&r.stop_date, &r.stop_time),
    )
}

/// Mẫu 06 on A4.
pub fn control_sheet(r: &ControlSheet) -> Result<Vec<u8>, Error> {
    let mut l = Layout::new(PageSize::A4, Margins::OFFICIAL_A4)?;
    letterhead(&mut l, &r.head, None);
    title(&mut l, "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ", Some(&r.dossier));
    let sz = sizes(&l);
    let body = Style::new(sz.body, false, Align::Left);
    let mut facts: Vec<(&str, String)> = vec![
        ("Người nộp hồ sơ", or_blank(&r.applicant.name)),
        ("Địa chỉ", or_blank(&r.applicant.address)),
        ("Số điện thoại", or_blank(&r.applicant.phone)),
        ("Thư điện tử", or_blank(&r.applicant.email)),
        ("Nội dung yêu cầu giải quyết", or_blank(&r.dossier.procedure_name)),
        ("Ngày, giờ nhận hồ sơ", or_blank(&r.received_at)),
        ("Ngày, giờ hẹn trả kết quả", or_blank(&r.due_at)),
    ];
    if !r.new_due_at.trim().is_empty() {
        facts.push(("Hẹn lại ngày trả kết quả", or_blank(&r.new_due_at)));
    }
    let facts: Vec<(&str, &str)> = facts.iter().map(|(k, v)| (*k, v.as_str())).collect();
    l.kv_table(&facts, 62.0, body);
    l.advance(3.0);
    let cw = l.content_width();
    let cols = [
        Column::new("TT", 9.0, Align::Center),
        Column::new("Giao", 38.0, Align::Left),
        Column::new("Nhận", 38.0, Align::Left),
        Column::new("Thời gian giao, nhận", 27.0, Align::Center),
        Column::new("Kết quả (trước hạn / đúng hạn / quá hạn)", 28.0, Align::Center),
        Column::new("Ghi chú", cw - 9.0 - 38.0 - 38.0 - 27.0 - 28.0, Align::Left),
    ];
    let rows: Vec<Vec<String>> = if r.rows.is_empty() {
        vec![vec!["1".into(), BLANK.into(), BLANK.into(), BLANK.into(), BLANK.into(), String::new()]]
    } else {
        r.rows
            .iter()
            .enumerate()
            .map(|(i, x)| {
                vec![
                    (i + 1).to_string(),
                    or_blank(&x.from),
                    or_blank(&x.to),
                    or_blank(&x.at),
                    clean(&x.result),
                    clean(&x.note),
                ]
            })
            .collect()
    };
    l.table(&cols, &rows, Style::new(sz.body - 2.0, false, Align::Left));
    l.advance(4.0);
    l.finish(
        &format!("Phiếu kiểm soát quá trình giải quyết hồ sơ — {}", or_blank(&r.dossier.code)),
        &format!("Mẫu số 06 — {}", or_blank(&r.dossier.code)),
        &seed("06", r),
        created(&r.head.date, ""),
    )
}

/// Mẫu 07 on A4 landscape: one row per dossier.
pub fn register(r: &Register) -> Result<Vec<u8>, Error> {
    let mut l = Layout::new(PageSize::A4_LANDSCAPE, Margins::REGISTER)?;
    letterhead(&mut l, &r.head, None);
    let sz = sizes(&l);
    l.paragraph("SỔ THEO DÕI HỒ SƠ", Style::new(sz.title, true, Align::Center));
    l.paragraph(
        &format!("Từ ngày {} đến ngày {}", or_blank(&r.from), or_blank(&r.to)),
        Style::new(sz.body, false, Align::Center),
    );
    l.advance(3.0);
    let cw = l.content_width();
    // The code column holds a whole dossier code on one line (`000.00.30.H56-261202-00001`).
    let widths = [9.0, 44.0, 34.0, 28.0, 30.0, 19.0, 19.0, 26.0, 19.0, 19.0];
    let sign = cw - widths.iter().sum::<f32>();
    let titles = [
        "TT",
        "Mã hồ sơ",
        "Tên thủ tục hành chính",
        "Tên tổ chức, cá nhân",
        "Địa chỉ, số điện thoại",
        "Nhận hồ sơ",
        "Hẹn trả kết quả",
        "Chuyển hồ sơ đến cơ quan giải quyết",
        "Nhận kết quả giải quyết",
        "Trả kết quả",
    ];
    let mut cols: Vec<Column> = titles
        .iter()
        .zip(widths)
        .map(|(t, w)| Column::new(t, w, if w < 10.0 { Align::Center } else { Align::Left }))
        .collect();
    cols.push(Column::new("Ký nhận", sign, Align::Left));
    let rows: Vec<Vec<String>> = r
        .rows
        .iter()
        .enumerate()
        .map(|(i, x)| {
            vec![
                (i + 1).to_string(),
                clean(&x.code),
                clean(&x.procedure_name),
                clean(&x.applicant_name),
                clean(&x.contact),
                clean(&x.received),
                clean(&x.appointment),
                clean(&x.transfers),
                clean(&x.result_received),
                clean(&x.returned),
                String::new(),
            ]
        })
        .collect();
    l.table(&cols, &rows, Style::new(sz.body - 4.0, false, Align::Left));
    l.advance(2.0);
    l.paragraph(&format!("Tổng số: {} hồ sơ.", r.rows.len()), Style::new(sz.body - 2.0, false, Align::Left));
    l.finish(
        &format!("Sổ theo dõi hồ sơ {} – {}", or_blank(&r.from), or_blank(&r.to)),
        &format!("Mẫu số 07 — {}", or_blank(&r.head.agency)),
        &seed("07", r),
        created(&r.head.date, ""),
    )
}

/// The indicators report of an agency and period (A4): the QĐ 766 indicators with their points, then the counters.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct IndicatorSheet {
    pub head: Letterhead,
    /// "Ủy ban nhân dân phường Hạc Thành: từ ngày 01/03/2026 đến ngày 31/03/2026".
    pub subtitle: String,
    /// Group, indicator, numerator / denominator, rate, threshold, points / max.
    pub indicators: Vec<[String; 6]>,
    pub total_points: String,
    /// (label, value).
    pub counters: Vec<(String, String)>,
}

/// The indicators report on A4.
pub fn indicator_sheet(r: &IndicatorSheet) -> Result<Vec<u8>, Error> {
    let mut l = Layout::new(PageSize::A4, Margins::OFFICIAL_A4)?;
    letterhead(&mut l, &r.head, None);
    let sz = sizes(&l);
    l.paragraph("BÁO CÁO KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH", Style::new(sz.title, true, Align::Center));
    l.paragraph(&or_blank(&r.subtitle), Style::new(sz.body - 1.0, false, Align::Center));
    l.advance(3.0);
    l.paragraph("I. CHỈ SỐ ĐÁNH GIÁ (QUYẾT ĐỊNH SỐ 766/QĐ-TTG)", Style::new(sz.body, true, Align::Left));
    l.advance(1.0);
    let cw = l.content_width();
    let cols = [
        Column::new("Nhóm", 26.0, Align::Left),
        Column::new("Chỉ số", cw - 26.0 - 26.0 - 18.0 - 16.0 - 20.0, Align::Left),
        Column::new("Tử số / mẫu số", 26.0, Align::Right),
        Column::new("Tỷ lệ", 18.0, Align::Right),
        Column::new("Ngưỡng", 16.0, Align::Right),
        Column::new("Điểm / tối đa", 20.0, Align::Right),
    ];
    let rows: Vec<Vec<String>> = r.indicators.iter().map(|row| row.to_vec()).collect();
    l.table(&cols, &rows, Style::new(sz.body - 3.0, false, Align::Left));
    l.advance(1.5);
    l.paragraph(&format!("Tổng điểm: {}", or_blank(&r.total_points)), Style::new(sz.body, true, Align::Right));
    l.advance(3.0);
    l.paragraph("II. SỐ LIỆU GIẢI QUYẾT HỒ SƠ", Style::new(sz.body, true, Align::Left));
    l.advance(1.0);
    let cols = [Column::new("Chỉ tiêu", cw - 40.0, Align::Left), Column::new("Số liệu", 40.0, Align::Right)];
    let rows: Vec<Vec<String>> = r.counters.iter().map(|(k, v)| vec![k.clone(), v.clone()]).collect();
    l.table(&cols, &rows, Style::new(sz.body - 2.0, false, Align::Left));
    l.finish(
        &format!("Báo cáo kết quả giải quyết thủ tục hành chính — {}", clean(&r.subtitle)),
        &format!("Báo cáo chỉ số — {}", or_blank(&r.head.agency)),
        &seed("indicators", r),
        created(&r.head.date, ""),
    )
}

/// A result document on A4, from the procedure's layout.
pub fn result_document(r: &ResultDocument) -> Result<Vec<u8>, Error> {
    let mut l = Layout::new(PageSize::A4, Margins::OFFICIAL_A4)?;
    letterhead(&mut l, &r.head, Some(&r.number));
    title(&mut l, &or_blank(&r.title).to_uppercase(), Some(&r.dossier));
    for line in &r.lines {
        text(&mut l, &or_blank(line));
    }
    signatures(&mut l, &[(&or_blank(&r.signer.title), &r.signer.name)]);
    l.finish(
        &format!("{} — {}", or_blank(&r.title), or_blank(&r.dossier.code)),
        &format!("Kết quả giải quyết hồ sơ {}", or_blank(&r.dossier.code)),
        &seed("result", r),
        created(&r.head.date, ""),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head() -> Letterhead {
        Letterhead {
            parent_agency: "Ủy ban nhân dân tỉnh Thanh Hóa".into(),
            agency: "Ủy ban nhân dân phường Hạc Thành".into(),
            office: "Bộ phận tiếp nhận và trả kết quả".into(),
            place: "Thanh Hóa".into(),
            date: "02/12/2026".into(),
        }
    }

    /// Page sizes as the PDF declares them (points), one per page.
    fn media_boxes(pdf: &[u8]) -> Vec<(f32, f32)> {
        let doc = lopdf::Document::load_mem(pdf).expect("a readable PDF");
        doc.get_pages()
            .values()
            .map(|id| {
                let page = doc.get_dictionary(*id).expect("page");
                let mb = page.get(b"MediaBox").and_then(|o| o.as_array()).expect("MediaBox");
                let n = |i: usize| mb[i].as_float().or_else(|_| mb[i].as_i64().map(|v| v as f32)).expect("number");
                (n(2) - n(0), n(3) - n(1))
            })
            .collect()
    }

    fn near(a: (f32, f32), b: (f32, f32)) -> bool {
        (a.0 - b.0).abs() < 0.1 && (a.1 - b.1).abs() < 0.1
    }

    #[test]
    fn slips_are_a5_the_control_sheet_a4_and_the_register_a4_landscape() {
        let a5 = (419.528, 595.276);
        let a4 = (595.276, 841.89);
        let receipt = receipt(&Receipt { head: head(), ..Default::default() }).expect("01");
        assert!(media_boxes(&receipt).iter().all(|b| near(*b, a5)), "{:?}", media_boxes(&receipt));
        let sheet = control_sheet(&ControlSheet { head: head(), ..Default::default() }).expect("06");
        assert!(media_boxes(&sheet).iter().all(|b| near(*b, a4)));
        let reg = register(&Register { head: head(), ..Default::default() }).expect("07");
        assert!(media_boxes(&reg).iter().all(|b| near(*b, (a4.1, a4.0))));
    }

    #[test]
    fn the_same_data_gives_the_same_bytes_and_other_data_other_bytes() {
        let r =
            SupplementRequest { head: head(), items: vec!["Bản sao giấy khai sinh".into()], ..Default::default() };
        assert_eq!(supplement_request(&r).expect("a"), supplement_request(&r).expect("b"));
        let other = SupplementRequest { reason: "Thiếu chữ ký".into(), ..r.clone() };
        assert_ne!(supplement_request(&r).expect("a"), supplement_request(&other).expect("c"));
    }

    #[test]
    fn a_register_of_many_rows_continues_on_more_pages() {
        let row = RegisterRow {
            code: "H56.101-261202-0001".into(),
            procedure_name: "Cấp Giấy xác nhận tình trạng hôn nhân".into(),
            applicant_name: "Nguyễn Văn An".into(),
            ..Default::default()
        };
        let one = register(&Register { head: head(), rows: vec![row.clone()], ..Default::default() }).expect("1");
        let many = register(&Register { head: head(), rows: vec![row; 120], ..Default::default() }).expect("120");
        assert_eq!(media_boxes(&one).len(), 1);
        assert!(media_boxes(&many).len() > 3, "{} pages", media_boxes(&many).len());
    }

    #[test]
    fn a_cell_taller_than_a_page_is_split_without_looping() {
        let long = "Bổ sung bản sao có chứng thực giấy tờ ".repeat(400);
        let r = SupplementRequest { head: head(), items: vec![long], ..Default::default() };
        let pdf = supplement_request(&r).expect("renders");
        assert!(media_boxes(&pdf).len() > 2);
    }
}
