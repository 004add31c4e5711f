//! The service indicators a province is scored on (domain.md §8, QĐ 766/QĐ-TTg), computed from raw counters.
//!
//! Pure: the counters come from `app::reports`; each indicator keeps its numerator and denominator so any
//! figure can be recomputed and opened to its dossiers. Scoring: with a threshold T, points = max when the rate
//! reaches T, else rate / T × max; without one, rate × max. A rate with nothing to measure (denominator 0) scores
//! full points: nothing was done badly (the reading that does not punish an agency for an empty period).
//!
//! How a group's points are split between its indicators is not fixed by domain.md; this module's choice:
//! Progress (20) is the on-time rate alone (the average time is reported, not scored); Online service (12) and
//! Digitisation (22) are split equally among their indicators.

use serde::Serialize;
use utoipa::ToSchema;

/// Raw counts for one agency (or unit, procedure...) and period.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct Counters {
    /// Received in the period (accepted online, or at the counter / by post), by channel.
    pub received: i64,
    pub received_counter: i64,
    pub received_online: i64,
    pub received_post: i64,
    /// Filed online in the period, not yet accepted or refused.
    pub awaiting_reception: i64,
    pub refused: i64,
    pub withdrawn: i64,
    pub stopped: i64,
    /// Finished in the period (result ready), by timeliness against the appointment the applicant was first given.
    pub finished_early: i64,
    pub finished_on_time: i64,
    pub finished_late: i64,
    /// Not finished at the end of the period: before or past their appointment; paused ones are counted apart.
    pub in_progress_on_time: i64,
    pub in_progress_late: i64,
    pub paused: i64,
    /// Results handed over in the period.
    pub returned: i64,
    /// Received in the period with a fee, and of those paid online.
    pub with_fee: i64,
    pub paid_online: i64,
    /// Received in the period: with digitised components, reusing stored documents, identity confirmed by the
    /// population database, fully synced to the national portal.
    pub with_digitised_components: i64,
    pub reusing_documents: i64,
    pub using_population_data: i64,
    pub synced: i64,
    /// Finished in the period with an electronic result document.
    pub with_electronic_result: i64,
    /// Ratings given in the period; of those 1 or 2 out of 5.
    pub ratings: i64,
    pub negative_ratings: i64,
    pub average_rating: Option<f64>,
    /// Complaints (kiến nghị) about dossiers of the period.
    pub complaints: i64,
    /// Average working days from the clock's start to the result, over the dossiers finished in the period.
    pub average_processing_days: Option<f64>,
    /// The catalogue: procedures this agency handles, and of those offered online (fully or partly).
    pub procedures: i64,
    pub procedures_online: i64,
}

impl Counters {
    pub fn finished(&self) -> i64 {
        self.finished_early + self.finished_on_time + self.finished_late
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Indicator {
    /// Stable key (`synced`, `on_time`, ...): the drill-down names it.
    pub key: &'static str,
    /// The group of QĐ 766 (`transparency`, `progress`, `online_service`, `online_payment`, `digitisation`,
    /// `satisfaction`).
    pub group: &'static str,
    /// Vietnamese name.
    pub name: &'static str,
    pub numerator: i64,
    pub denominator: i64,
    /// numerator / denominator in 0..=1 (`None` when there is nothing to measure).
    pub rate: Option<f64>,
    pub threshold: Option<f64>,
    pub max_points: f64,
    pub points: f64,
}

/// The scoring rule of domain.md §8.
pub fn points(rate: Option<f64>, threshold: Option<f64>, max: f64) -> f64 {
    let Some(rate) = rate else { return max };
    let rate = rate.clamp(0.0, 1.0);
    let p = match threshold {
        Some(t) if rate >= t => max,
        Some(t) if t > 0.0 => rate / t * max,
        _ => rate * max,
    };
    (p * 100.0).round() / 100.0
}

fn indicator(
    key: &'static str,
    group: &'static str,
    name: &'static str,
    numerator: i64,
    denominator: i64,
    threshold: Option<f64>,
    max_points: f64,
) -> Indicator {
    let rate = (denominator > 0).then(|| numerator as f64 / denominator as f64);
    Indicator {
        key,
        group,
        name,
        numerator,
        denominator,
        rate,
        threshold,
        max_points,
        points: points(rate, threshold, max_points),
    }
}

/// Every indicator of QĐ 766 from the counters.
pub fn indicators(c: &Counters) -> Vec<Indicator> {
    let handled = c.finished() + c.in_progress_on_time + c.in_progress_late;
    let on_time = c.finished_early + c.finished_on_time + c.in_progress_on_time;
    // Satisfaction: 100% − (overdue rate + rate of dossiers with a complaint or a negative rating).
    let overdue = c.finished_late + c.in_progress_late;
    let unhappy = c.complaints + c.negative_ratings;
    let satisfaction_rate = (handled > 0).then(|| (1.0 - (overdue + unhappy) as f64 / handled as f64).max(0.0));
    let satisfaction = Indicator {
        key: "satisfaction",
        group: "satisfaction",
        name: "Mức độ hài lòng: 100% trừ tỷ lệ hồ sơ quá hạn và tỷ lệ hồ sơ bị phản ánh, kiến nghị hoặc đánh giá không hài lòng",
        numerator: handled - (overdue + unhappy).min(handled),
        denominator: handled,
        rate: satisfaction_rate,
        threshold: Some(0.9),
        max_points: 18.0,
        points: points(satisfaction_rate, Some(0.9), 18.0),
    };
    vec![
        indicator(
            "synced",
            "transparency",
            "Hồ sơ được đồng bộ lên Cổng Dịch vụ công quốc gia",
            c.synced,
            c.received,
            None,
            18.0,
        ),
        indicator(
            "on_time",
            "progress",
            "Hồ sơ giải quyết, đang giải quyết đúng hạn trên tổng số hồ sơ đã và đang giải quyết",
            on_time,
            handled,
            None,
            20.0,
        ),
        indicator(
            "procedures_online",
            "online_service",
            "Thủ tục cung cấp dịch vụ công trực tuyến trên tổng số thủ tục",
            c.procedures_online,
            c.procedures,
            Some(0.8),
            6.0,
        ),
        indicator(
            "dossiers_online",
            "online_service",
            "Hồ sơ nộp trực tuyến trên tổng số hồ sơ",
            c.received_online,
            c.received,
            None,
            6.0,
        ),
        indicator(
            "paid_online",
            "online_payment",
            "Hồ sơ thanh toán trực tuyến thành công trên tổng số hồ sơ có phí, lệ phí",
            c.paid_online,
            c.with_fee,
            None,
            10.0,
        ),
        indicator(
            "electronic_result",
            "digitisation",
            "Hồ sơ có kết quả điện tử",
            c.with_electronic_result,
            c.finished(),
            None,
            5.5,
        ),
        indicator(
            "digitised_components",
            "digitisation",
            "Hồ sơ có thành phần được số hóa",
            c.with_digitised_components,
            c.received,
            Some(0.8),
            5.5,
        ),
        indicator(
            "reused_data",
            "digitisation",
            "Hồ sơ tái sử dụng dữ liệu đã số hóa",
            c.reusing_documents,
            c.received,
            None,
            5.5,
        ),
        indicator(
            "population_data",
            "digitisation",
            "Hồ sơ sử dụng dữ liệu từ CSDL quốc gia về dân cư",
            c.using_population_data,
            c.received,
            None,
            5.5,
        ),
        satisfaction,
    ]
}

/// The total of the indicators' points (out of 100).
pub fn total(indicators: &[Indicator]) -> f64 {
    (indicators.iter().map(|i| i.points).sum::<f64>() * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scoring_rule_with_and_without_a_threshold() {
        assert_eq!(points(Some(0.9), Some(0.8), 6.0), 6.0, "over the threshold: full points");
        assert_eq!(points(Some(0.4), Some(0.8), 6.0), 3.0, "rate / threshold × max");
        assert_eq!(points(Some(0.75), None, 20.0), 15.0, "rate × max");
        assert_eq!(points(None, None, 10.0), 10.0, "nothing to measure: not punished");
        assert_eq!(points(Some(1.5), None, 10.0), 10.0, "a rate never exceeds 100%");
    }

    #[test]
    fn indicators_from_hand_counted_dossiers() {
        let c = Counters {
            received: 10,
            received_counter: 6,
            received_online: 4,
            finished_early: 2,
            finished_on_time: 3,
            finished_late: 1,
            in_progress_on_time: 2,
            in_progress_late: 2,
            with_fee: 4,
            paid_online: 1,
            with_digitised_components: 7,
            synced: 9,
            with_electronic_result: 3,
            using_population_data: 5,
            reusing_documents: 1,
            complaints: 1,
            negative_ratings: 0,
            procedures: 10,
            procedures_online: 9,
            ..Default::default()
        };
        let all = indicators(&c);
        let get = |k: &str| all.iter().find(|i| i.key == k).expect(k);
        assert_eq!((get("on_time").numerator, get("on_time").denominator), (7, 10));
        assert_eq!(get("on_time").points, 14.0);
        assert_eq!(get("synced").points, 16.2);
        assert_eq!(get("procedures_online").points, 6.0, "90% ≥ 80%");
        assert_eq!(get("dossiers_online").points, 2.4);
        assert_eq!(get("paid_online").points, 2.5);
        assert_eq!(get("digitised_components").points, 4.81, "70% of the 80% threshold");
        assert_eq!(get("electronic_result").points, 2.75, "3 of 6 finished");
        // Satisfaction: 1 − (3 overdue + 1 complaint) / 10 = 60%, under the 90% threshold: 0.6 / 0.9 × 18.
        assert_eq!(get("satisfaction").rate, Some(0.6));
        assert_eq!(get("satisfaction").points, 12.0);
        assert_eq!(total(&all), 14.0 + 16.2 + 6.0 + 2.4 + 2.5 + 2.75 + 4.81 + 0.55 + 2.75 + 12.0);
    }
}
