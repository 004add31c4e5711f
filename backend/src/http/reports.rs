//! Reports for leaders: the counters and the national indicators (QĐ 766) of an agency over a period, and the
//! dossiers behind any counter.

use axum::{Json, extract::State};
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::{
    AppState,
    auth::Caller,
    error::{ApiError, ApiQuery, ApiResult, ErrorBody, ErrorCode, FieldError},
};
use crate::{
    app::{
        reports::{self, CountedDossier, Scope},
        require_staff,
    },
    domain::{
        calendar::{from_local, to_local},
        indicators::{self, Counters, Indicator},
    },
};

// Dates leave as `yyyy-mm-dd` (time's own serde form is a `[year, ordinal]` pair).
time::serde::format_description!(iso_date, Date, "[year]-[month]-[day]");

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    pub agency_id: Uuid,
    /// First day, `yyyy-mm-dd` (Vietnam date); default: the first day of this month.
    #[param(pattern = "^\\s*([0-9]{4}-[0-9]{2}-[0-9]{2})?\\s*$")]
    pub from: Option<String>,
    /// Last day, included; default: today.
    #[param(pattern = "^\\s*([0-9]{4}-[0-9]{2}-[0-9]{2})?\\s*$")]
    pub to: Option<String>,
    /// Count the agency's sub-agencies too (default false).
    pub include_sub_agencies: Option<bool>,
    /// Drill-down only: the counter whose dossiers to list (`finished_late`, `synced`, ...).
    pub counter: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct IndicatorReport {
    pub agency_id: Uuid,
    pub include_sub_agencies: bool,
    #[serde(with = "iso_date")]
    #[schema(value_type = String, format = Date)]
    pub from: Date,
    #[serde(with = "iso_date")]
    #[schema(value_type = String, format = Date)]
    pub to: Date,
    pub counters: Counters,
    pub indicators: Vec<Indicator>,
    /// Out of 100.
    pub total_points: f64,
}

fn day(v: Option<&str>, field: &str, default: Date) -> Result<Date, FieldError> {
    match v.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(default),
        Some(s) => Date::parse(s, time::macros::format_description!("[year]-[month]-[day]"))
            .map_err(|_| FieldError::new(field, "invalid_date", "yyyy-mm-dd")),
    }
}

/// Who may read an agency's reports: its leaders and administrators, and the system administrators.
fn scope(caller: &Caller, q: &ReportQuery) -> Result<(Scope, Date, Date), ApiError> {
    let staff = require_staff(caller)?;
    let allowed = staff.is_system_admin()
        || staff
            .roles
            .iter()
            .any(|r| r.agency_id == q.agency_id && matches!(r.role.as_str(), "leader" | "agency_admin"));
    if !allowed {
        return Err(ApiError::new(ErrorCode::Forbidden, "leaders and administrators of this agency only"));
    }
    let today = to_local(OffsetDateTime::now_utc()).date();
    let first = today.replace_day(1).unwrap_or(today);
    let mut problems = Vec::new();
    let from = day(q.from.as_deref(), "query.from", first).unwrap_or_else(|p| {
        problems.push(p);
        first
    });
    let to = day(q.to.as_deref(), "query.to", today).unwrap_or_else(|p| {
        problems.push(p);
        today
    });
    if to < from {
        problems.push(FieldError::new("query.to", "before_from", "the last day is before the first"));
    }
    if !problems.is_empty() {
        return Err(ApiError::validation(problems));
    }
    let s = Scope {
        agency_id: q.agency_id,
        include_sub_agencies: q.include_sub_agencies.unwrap_or(false),
        from: from_local(from.midnight()),
        to: from_local(to.next_day().unwrap_or(to).midnight()),
    };
    Ok((s, from, to))
}

/// The counters and the national indicators with their points, for an agency and period.
#[utoipa::path(get, path = "/api/v1/reports/indicators", tag = "reports", params(ReportQuery),
    responses((status = 200, body = IndicatorReport), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub async fn indicators_report(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<ReportQuery>,
) -> ApiResult<Json<IndicatorReport>> {
    let (s, from, to) = scope(&caller, &q)?;
    let counters = reports::counters(&state.db, &s).await?;
    let list = indicators::indicators(&counters);
    Ok(Json(IndicatorReport {
        agency_id: s.agency_id,
        include_sub_agencies: s.include_sub_agencies,
        from,
        to,
        total_points: indicators::total(&list),
        counters,
        indicators: list,
    }))
}

/// The dossiers behind one counter (`counter` = a field name of the counters), at most 1000, so any figure
/// can be checked.
#[utoipa::path(get, path = "/api/v1/reports/dossiers", tag = "reports", params(ReportQuery),
    responses((status = 200, body = Vec<CountedDossier>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub async fn counted_dossiers(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<ReportQuery>,
) -> ApiResult<Json<Vec<CountedDossier>>> {
    let (s, _, _) = scope(&caller, &q)?;
    let counter = q.counter.as_deref().unwrap_or_default();
    reports::dossiers(&state.db, &s, counter)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::field("query.counter", "unknown", "one of the counters of /api/v1/reports/indicators"))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BreakdownQuery {
    pub agency_id: Uuid,
    /// First day, `yyyy-mm-dd` (Vietnam date); default: the first day of this month.
    #[param(pattern = "^\\s*([0-9]{4}-[0-9]{2}-[0-9]{2})?\\s*$")]
    pub from: Option<String>,
    /// Last day, included; default: today.
    #[param(pattern = "^\\s*([0-9]{4}-[0-9]{2}-[0-9]{2})?\\s*$")]
    pub to: Option<String>,
    /// Count the agency's sub-agencies too (default false).
    pub include_sub_agencies: Option<bool>,
    /// `agency`, `unit`, `procedure`, `field`, `channel`, `day`, `month`, `quarter` or `year`.
    pub by: reports::Dimension,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Breakdown {
    pub agency_id: Uuid,
    pub include_sub_agencies: bool,
    #[serde(with = "iso_date")]
    #[schema(value_type = String, format = Date)]
    pub from: Date,
    #[serde(with = "iso_date")]
    #[schema(value_type = String, format = Date)]
    pub to: Date,
    pub by: reports::Dimension,
    /// Largest first (by dossiers received). By day, month, quarter or year the end-of-period states (in
    /// progress, paused, waiting) are 0: they belong to the whole period.
    pub groups: Vec<reports::Group>,
}

/// The counters of an agency (± sub-agencies) and period broken down by agency, unit, procedure, field, channel or
/// period: the trends, comparisons and hot spots of the leaders' dashboard.
#[utoipa::path(get, path = "/api/v1/reports/breakdown", tag = "reports", params(BreakdownQuery),
    responses((status = 200, body = Breakdown), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub async fn breakdown(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<BreakdownQuery>,
) -> ApiResult<Json<Breakdown>> {
    let rq = ReportQuery {
        agency_id: q.agency_id,
        from: q.from,
        to: q.to,
        include_sub_agencies: q.include_sub_agencies,
        counter: None,
    };
    let (s, from, to) = scope(&caller, &rq)?;
    let groups = reports::breakdown(&state.db, &s, q.by).await?;
    Ok(Json(Breakdown {
        agency_id: s.agency_id,
        include_sub_agencies: s.include_sub_agencies,
        from,
        to,
        by: q.by,
        groups,
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PublicPeriod {
    /// First day, `yyyy-mm-dd`; default: the first day of this month.
    #[param(pattern = "^\\s*([0-9]{4}-[0-9]{2}-[0-9]{2})?\\s*$")]
    pub from: Option<String>,
    /// Last day, included; default: today.
    #[param(pattern = "^\\s*([0-9]{4}-[0-9]{2}-[0-9]{2})?\\s*$")]
    pub to: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PublicStatistics {
    #[serde(with = "iso_date")]
    #[schema(value_type = String, format = Date)]
    pub from: Date,
    #[serde(with = "iso_date")]
    #[schema(value_type = String, format = Date)]
    pub to: Date,
    pub agencies: Vec<reports::AgencyFigures>,
    /// Every agency together, month by month.
    pub months: Vec<reports::MonthFigures>,
}

/// Public transparency (no sign-in, no personal data): each agency's dossiers received (and online), finished
/// early / on time / late, overdue in progress, and satisfaction, for a period, and the province month by month.
/// Rate-limited per address.
#[utoipa::path(get, path = "/api/v1/public/statistics", tag = "reports", params(PublicPeriod),
    responses((status = 200, body = PublicStatistics), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn public_statistics(
    State(state): State<AppState>,
    super::limit::ClientIp(peer): super::limit::ClientIp,
    ApiQuery(q): ApiQuery<PublicPeriod>,
) -> ApiResult<Json<PublicStatistics>> {
    state.limiter.check("statistics", &peer.to_string(), 60)?;
    let today = to_local(OffsetDateTime::now_utc()).date();
    let first = today.replace_day(1).unwrap_or(today);
    let mut problems = Vec::new();
    let from = day(q.from.as_deref(), "query.from", first).unwrap_or_else(|p| {
        problems.push(p);
        first
    });
    let to = day(q.to.as_deref(), "query.to", today).unwrap_or_else(|p| {
        problems.push(p);
        today
    });
    if to < from || (to - from).whole_days() > 366 * 5 {
        problems.push(FieldError::new("query.to", "out_of_range", "after the first day, at most five years later"));
    }
    if !problems.is_empty() {
        return Err(ApiError::validation(problems));
    }
    let (start, end) = (from_local(from.midnight()), from_local(to.next_day().unwrap_or(to).midnight()));
    let agencies = reports::by_agency(&state.db, start, end).await?;
    let months = reports::by_month(&state.db, start, end).await?;
    Ok(Json(PublicStatistics { from, to, agencies, months }))
}

/// The Vietnamese name of an indicator group (QĐ 766).
fn group_name(g: &str) -> &'static str {
    match g {
        "transparency" => "Công khai, minh bạch",
        "progress" => "Tiến độ giải quyết",
        "online_service" => "Dịch vụ công trực tuyến",
        "online_payment" => "Thanh toán trực tuyến",
        "digitisation" => "Số hóa hồ sơ",
        _ => "Mức độ hài lòng",
    }
}

/// The counters' Vietnamese labels, in the order of the workbook.
const COUNTER_LABELS: [(&str, &str); 29] = [
    ("received", "Hồ sơ tiếp nhận"),
    ("received_counter", "Tiếp nhận trực tiếp"),
    ("received_online", "Tiếp nhận trực tuyến"),
    ("received_post", "Tiếp nhận qua bưu chính"),
    ("awaiting_reception", "Nộp trực tuyến, chờ tiếp nhận"),
    ("refused", "Từ chối tiếp nhận, giải quyết"),
    ("withdrawn", "Rút hồ sơ"),
    ("stopped", "Dừng giải quyết"),
    ("finished_early", "Giải quyết trước hạn"),
    ("finished_on_time", "Giải quyết đúng hạn"),
    ("finished_late", "Giải quyết quá hạn"),
    ("in_progress_on_time", "Đang giải quyết trong hạn"),
    ("in_progress_late", "Đang giải quyết quá hạn"),
    ("paused", "Tạm dừng (chờ bổ sung, nghĩa vụ tài chính)"),
    ("returned", "Đã trả kết quả"),
    ("with_fee", "Hồ sơ có phí, lệ phí"),
    ("paid_online", "Thanh toán trực tuyến"),
    ("with_digitised_components", "Có thành phần hồ sơ số hóa"),
    ("reusing_documents", "Tái sử dụng dữ liệu số hóa"),
    ("using_population_data", "Sử dụng dữ liệu dân cư"),
    ("synced", "Đồng bộ Cổng Dịch vụ công quốc gia"),
    ("with_electronic_result", "Có kết quả điện tử"),
    ("ratings", "Lượt đánh giá"),
    ("negative_ratings", "Đánh giá không hài lòng"),
    ("average_rating", "Điểm đánh giá trung bình (1–5)"),
    ("complaints", "Phản ánh, kiến nghị"),
    ("average_processing_days", "Thời gian giải quyết trung bình (ngày làm việc)"),
    ("procedures", "Thủ tục thuộc thẩm quyền"),
    ("procedures_online", "Thủ tục cung cấp trực tuyến"),
];

fn workbook(report: &IndicatorReport, agency_name: &str) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook};
    let mut book = Workbook::new();
    let title = Format::new().set_bold().set_font_size(14);
    let header =
        Format::new().set_bold().set_background_color("#DDEBF7").set_border(FormatBorder::Thin).set_text_wrap();
    let cell = Format::new().set_border(FormatBorder::Thin).set_text_wrap();
    let number = Format::new().set_border(FormatBorder::Thin).set_num_format("#,##0.##");
    let percent = Format::new().set_border(FormatBorder::Thin).set_num_format("0.00%");
    let bold_number = number.clone().set_bold();
    let period = format!(
        "{}: từ ngày {:02}/{:02}/{} đến ngày {:02}/{:02}/{}{}",
        agency_name,
        report.from.day(),
        u8::from(report.from.month()),
        report.from.year(),
        report.to.day(),
        u8::from(report.to.month()),
        report.to.year(),
        if report.include_sub_agencies { " (gồm các đơn vị trực thuộc)" } else { "" }
    );

    let sheet = book.add_worksheet().set_name("Chỉ số")?;
    sheet.write_string_with_format(0, 0, "BỘ CHỈ SỐ PHỤC VỤ NGƯỜI DÂN, DOANH NGHIỆP (QĐ 766/QĐ-TTg)", &title)?;
    sheet.write_string(1, 0, &period)?;
    let columns = ["Nhóm", "Chỉ số", "Tử số", "Mẫu số", "Tỷ lệ", "Ngưỡng", "Điểm tối đa", "Điểm"];
    for (c, h) in columns.iter().enumerate() {
        sheet.write_string_with_format(3, c as u16, *h, &header)?;
    }
    let group = group_name;
    for (i, ind) in report.indicators.iter().enumerate() {
        let r = 4 + i as u32;
        sheet.write_string_with_format(r, 0, group(ind.group), &cell)?;
        sheet.write_string_with_format(r, 1, ind.name, &cell)?;
        sheet.write_number_with_format(r, 2, ind.numerator as f64, &number)?;
        sheet.write_number_with_format(r, 3, ind.denominator as f64, &number)?;
        match ind.rate {
            Some(rate) => sheet.write_number_with_format(r, 4, rate, &percent)?,
            None => sheet.write_string_with_format(r, 4, "—", &cell)?,
        };
        match ind.threshold {
            Some(t) => sheet.write_number_with_format(r, 5, t, &percent)?,
            None => sheet.write_string_with_format(r, 5, "", &cell)?,
        };
        sheet.write_number_with_format(r, 6, ind.max_points, &number)?;
        sheet.write_number_with_format(r, 7, ind.points, &number)?;
    }
    let last = 4 + report.indicators.len() as u32;
    sheet.write_string_with_format(last, 1, "Tổng điểm", &header.clone().set_align(FormatAlign::Right))?;
    sheet.write_number_with_format(last, 7, report.total_points, &bold_number)?;
    for (c, w) in [22.0, 60.0, 10.0, 10.0, 10.0, 10.0, 12.0, 10.0].into_iter().enumerate() {
        sheet.set_column_width(c as u16, w)?;
    }
    sheet.set_freeze_panes(4, 0)?;

    let counters = serde_json::to_value(&report.counters).unwrap_or_default();
    let sheet = book.add_worksheet().set_name("Số liệu")?;
    sheet.write_string_with_format(0, 0, "SỐ LIỆU GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH", &title)?;
    sheet.write_string(1, 0, &period)?;
    sheet.write_string_with_format(3, 0, "Chỉ tiêu", &header)?;
    sheet.write_string_with_format(3, 1, "Số liệu", &header)?;
    for (i, (key, label)) in COUNTER_LABELS.iter().enumerate() {
        let r = 4 + i as u32;
        sheet.write_string_with_format(r, 0, *label, &cell)?;
        match counters.get(*key).and_then(serde_json::Value::as_f64) {
            Some(v) => sheet.write_number_with_format(r, 1, v, &number)?,
            None => sheet.write_string_with_format(r, 1, "—", &cell)?,
        };
    }
    sheet.set_column_width(0, 50.0)?;
    sheet.set_column_width(1, 14.0)?;
    book.save_to_buffer()
}

/// The same report as an Excel workbook (sheets "Chỉ số" and "Số liệu", Vietnamese headers).
#[utoipa::path(get, path = "/api/v1/reports/indicators.xlsx", tag = "reports", params(ReportQuery),
    responses((status = 200, description = "The workbook", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn indicators_workbook(
    state: State<AppState>,
    caller: Caller,
    query: ApiQuery<ReportQuery>,
) -> ApiResult<axum::response::Response> {
    use axum::{http::header, response::IntoResponse};
    let agency_id = query.0.agency_id;
    let Json(report) = indicators_report(State(state.0.clone()), caller, query).await?;
    let name: String = sqlx::query_scalar("SELECT name FROM agency WHERE id = $1")
        .bind(agency_id)
        .fetch_optional(&state.db)
        .await?
        .unwrap_or_default();
    let bytes = workbook(&report, &name).map_err(|e| ApiError::Internal(anyhow::anyhow!("workbook: {e}")))?;
    let file = format!("chi-so-{}-{}.xlsx", report.from, report.to);
    Ok((
        [
            (header::CONTENT_TYPE, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{file}\"")),
        ],
        bytes,
    )
        .into_response())
}

/// "1.250.000" (Vietnamese thousands) with up to two decimals ("3,25").
fn vn_number(v: f64) -> String {
    let neg = v < 0.0;
    let cents = (v.abs() * 100.0).round() as u64;
    let (int, frac) = (cents / 100, cents % 100);
    let digits = int.to_string();
    let mut grouped = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push('.');
        }
        grouped.push(ch);
    }
    let frac = match frac {
        0 => String::new(),
        f if f % 10 == 0 => format!(",{}", f / 10),
        f => format!(",{f:02}"),
    };
    format!("{}{grouped}{frac}", if neg { "-" } else { "" })
}

fn vn_percent(r: f64) -> String {
    format!("{}%", vn_number(r * 100.0))
}

/// The same report as an A4 PDF (indicators with points, then every counter), to print or file.
#[utoipa::path(get, path = "/api/v1/reports/indicators.pdf", tag = "reports", params(ReportQuery),
    responses((status = 200, description = "The PDF", content_type = "application/pdf", body = Vec<u8>),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn indicators_pdf(
    state: State<AppState>,
    caller: Caller,
    query: ApiQuery<ReportQuery>,
) -> ApiResult<axum::response::Response> {
    let agency_id = query.0.agency_id;
    let Json(report) = indicators_report(State(state.0.clone()), caller, query).await?;
    let (name, parent): (String, Option<String>) =
        sqlx::query_as("SELECT a.name, p.name FROM agency a LEFT JOIN agency p ON p.id = a.parent_id WHERE a.id = $1")
            .bind(agency_id)
            .fetch_optional(&state.db)
            .await?
            .unwrap_or_default();
    let today = to_local(OffsetDateTime::now_utc());
    let counters = serde_json::to_value(&report.counters).unwrap_or_default();
    let sheet = crate::pdf::forms::IndicatorSheet {
        head: crate::pdf::forms::Letterhead {
            parent_agency: parent.unwrap_or_default(),
            agency: name.clone(),
            office: String::new(),
            place: String::new(),
            date: format!("{:02}/{:02}/{}", today.day(), u8::from(today.month()), today.year()),
        },
        subtitle: format!(
            "{name}: từ ngày {:02}/{:02}/{} đến ngày {:02}/{:02}/{}{}",
            report.from.day(),
            u8::from(report.from.month()),
            report.from.year(),
            report.to.day(),
            u8::from(report.to.month()),
            report.to.year(),
            if report.include_sub_agencies { " (gồm các đơn vị trực thuộc)" } else { "" }
        ),
        indicators: report
            .indicators
            .iter()
            .map(|i| {
                [
                    group_name(i.group).to_owned(),
                    i.name.to_owned(),
                    format!("{} / {}", vn_number(i.numerator as f64), vn_number(i.denominator as f64)),
                    i.rate.map(vn_percent).unwrap_or_else(|| "—".into()),
                    i.threshold.map(vn_percent).unwrap_or_default(),
                    format!("{} / {}", vn_number(i.points), vn_number(i.max_points)),
                ]
            })
            .collect(),
        total_points: format!("{} / 100", vn_number(report.total_points)),
        counters: COUNTER_LABELS
            .iter()
            .map(|(key, label)| {
                let value = counters.get(*key).and_then(serde_json::Value::as_f64).map(vn_number);
                ((*label).to_owned(), value.unwrap_or_else(|| "—".into()))
            })
            .collect(),
    };
    let bytes =
        crate::pdf::render(move || crate::pdf::forms::indicator_sheet(&sheet)).await.map_err(ApiError::Internal)?;
    use axum::{http::header, response::IntoResponse};
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (header::CONTENT_DISPOSITION, format!("inline; filename=\"chi-so-{}-{}.pdf\"", report.from, report.to)),
        ],
        bytes,
    )
        .into_response())
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RegisterQuery {
    /// The agency whose one-stop desk received the dossiers.
    pub agency_id: Uuid,
    /// First day, `yyyy-mm-dd` (Vietnam date).
    #[param(pattern = "^\\s*([0-9]{4}-[0-9]{2}-[0-9]{2})?\\s*$")]
    pub from: String,
    /// Last day, included.
    #[param(pattern = "^\\s*([0-9]{4}-[0-9]{2}-[0-9]{2})?\\s*$")]
    pub to: String,
}

/// Mẫu 07, the register of dossiers (sổ theo dõi hồ sơ) the agency's one-stop desk received in a date range, as
/// an A4 landscape PDF: one row per dossier (code, procedure, applicant, contact, received, appointment,
/// transfers, result, returned, signature). For the agency's clerks, leaders and administrators; audited.
#[utoipa::path(get, path = "/api/v1/reports/register.pdf", tag = "reports", params(RegisterQuery),
    responses((status = 200, description = "The PDF", content_type = "application/pdf", body = Vec<u8>),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn register_pdf(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<RegisterQuery>,
) -> ApiResult<axum::response::Response> {
    let mut problems = Vec::new();
    let today = to_local(OffsetDateTime::now_utc()).date();
    let from = day(Some(&q.from), "query.from", today).unwrap_or_else(|p| {
        problems.push(p);
        today
    });
    let to = day(Some(&q.to), "query.to", today).unwrap_or_else(|p| {
        problems.push(p);
        today
    });
    if !problems.is_empty() {
        return Err(ApiError::validation(problems));
    }
    let mut tx = state.db.begin().await?;
    let doc = crate::app::documents::register(&mut tx, &caller, q.agency_id, from, to).await?;
    tx.commit().await?;
    super::dossier::pdf_response(doc, &format!("mau-07-so-theo-doi-{from}-{to}.pdf")).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_the_vietnamese_way() {
        assert_eq!(vn_number(1_250_000.0), "1.250.000");
        assert_eq!(vn_number(3.25), "3,25");
        assert_eq!(vn_number(10.5), "10,5");
        assert_eq!(vn_number(0.0), "0");
        assert_eq!(vn_percent(0.5), "50%");
        assert_eq!(vn_percent(1.0 / 6.0), "16,67%");
    }
}
