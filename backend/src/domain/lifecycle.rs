//! Dossier (hồ sơ) lifecycle as an explicit state machine.
//!
//! Pure rules only: no IO, no clock, no serde. The caller loads the facts the rules need into a
//! [`Context`], calls [`apply`], stores the new [`State`] (as [`State::as_str`]) and records the
//! action in the dossier's history. Every internal state maps to exactly one national status
//! (TrangThaiHoSo, [`State::national_code`]).
//!
//! # States
//!
//! | state                  | national | clock   | meaning                                              |
//! |------------------------|----------|---------|------------------------------------------------------|
//! | `submitted`            | 1        | stopped | online / portal dossier waiting for a clerk          |
//! | `received`             | 2        | running | accepted; receipt with appointment time issued       |
//! | `in_processing`        | 4        | running | at a workflow step of a unit (or another agency)     |
//! | `awaiting_approval`    | 4        | running | submitted to a leader                                |
//! | `supplement_requested` | 5        | paused  | waiting for the applicant's documents                |
//! | `payment_requested`    | 6        | paused  | waiting for the applicant's fees / financial duties  |
//! | `result_ready`         | 9        | stopped | approved, result document issued                     |
//! | `returned`             | 10       | stopped | result handed over (terminal)                        |
//! | `refused`              | 3        | stopped | not received, with reason (terminal)                 |
//! | `withdrawn`            | 7        | stopped | withdrawn at the applicant's request (terminal)      |
//! | `stopped`              | 8        | stopped | processing stopped, with reason (terminal)           |
//!
//! # Transitions
//!
//! `—` is "no dossier yet" (creation); `S(x)` / `P(x)` are `supplement_requested` /
//! `payment_requested` paused from `x` (the caller's stored resume point, [`Context::resume_to`]).
//!
//! | from                                   | action                | roles                  | to        |
//! |----------------------------------------|-----------------------|------------------------|-----------|
//! | —                                      | `submit`              | applicant              | SUB       |
//! | —                                      | `receive_from_portal` | system                 | SUB       |
//! | —                                      | `receive_at_counter`  | clerk                  | REC       |
//! | SUB                                    | `accept`              | clerk                  | REC       |
//! | SUB, REC                               | `request_supplement`  | clerk                  | S(from)   |
//! | INP                                    | `request_supplement`  | officer                | S(from)   |
//! | S(x)                                   | `receive_supplement`  | clerk, applicant       | x         |
//! | SUB, REC, S(SUB), S(REC)               | `refuse`              | clerk                  | refused   |
//! | REC                                    | `hand_over`           | clerk, officer         | INP       |
//! | INP                                    | `hand_over`           | clerk, officer, leader | INP       |
//! | INP, AWA                               | `send_back`           | officer, leader        | INP       |
//! | INP                                    | `submit_for_approval` | officer                | AWA       |
//! | AWA                                    | `approve`             | leader                 | RDY       |
//! | REC, INP                               | `request_payment`     | clerk, officer         | P(from)   |
//! | P(x)                                   | `record_payment`      | clerk, system          | x         |
//! | INP (procedure without approval step)  | `issue_result`        | officer, leader        | RDY       |
//! | AWA                                    | `issue_result`        | leader                 | RDY       |
//! | RDY                                    | `return_result`       | clerk                  | returned  |
//! | SUB, REC, INP, AWA, S(any), P(any)     | `withdraw`            | applicant, clerk       | withdrawn |
//! | REC, INP, AWA, S(REC), S(INP), P(any)  | `stop`                | leader                 | stopped   |
//! | REC, INP, AWA, S(REC), S(INP), P(any)  | `apologise`           | clerk, leader          | (same)    |
//!
//! Abbreviations: SUB `submitted`, REC `received`, INP `in_processing`, AWA `awaiting_approval`,
//! RDY `result_ready`.
//!
//! Nothing leaves a terminal state (`returned`, `refused`, `withdrawn`, `stopped`). `agency_admin` and
//! `system_admin` configure the system; they perform no lifecycle action.
//!
//! # Rule choices
//!
//! * **Accepted or not.** A dossier is *accepted* once a receipt with an appointment time exists
//!   (`received` and everything after it). `S(submitted)` is a dossier paused *before* acceptance.
//!   `refuse` (national 3, "không được tiếp nhận") is only possible before processing starts:
//!   from `submitted`, `received`, `S(submitted)`, `S(received)`. Once a processing unit has the
//!   dossier (`in_processing`, `S(in_processing)`, …) ending it is `stop` (national 8, "dừng xử lý").
//!   Conversely `stop` and `apologise` need an accepted dossier: nothing to stop before acceptance
//!   (refuse it), no appointment to move before the receipt.
//! * **Stop** (leader, reason required): from every non-terminal accepted state except
//!   `result_ready` — once the result is issued, processing is over; only its return remains.
//! * **Withdraw**: the applicant may withdraw at any time before the result is ready (`submitted`,
//!   `received`, `in_processing`, `awaiting_approval`, `supplement_requested`, `payment_requested`);
//!   not from `result_ready`, because the agency's work is done and the result exists. The clerk may
//!   also record a withdrawal, for applicants who hand in a written request at the counter (counter
//!   applicants often have no online account). The caller checks that an applicant owns the dossier.
//!   No reason is required (it is the applicant's right).
//! * **Supplement and payment pause the clock.** The supplement pause is the domain rule. A payment
//!   request pauses too: the agency cannot proceed until the applicant pays, and the land-procedure
//!   decrees (e.g. NĐ 43/2014/NĐ-CP Điều 61 khoản 4) explicitly exclude the applicant's time to
//!   fulfil financial obligations from the processing time. `submitted` has no clock yet; the clock
//!   stops at `result_ready` (the processing deadline is met when the result is issued).
//! * **Resume points.** When a dossier is paused ([`Action::RequestSupplement`],
//!   [`Action::RequestPayment`]) the caller stores the state it was paused from ([`resume_point`])
//!   and passes it as [`Context::resume_to`] whenever the dossier is paused. A supplement requested
//!   by the clerk before acceptance resumes to `submitted` (the clerk then accepts it); requested
//!   after acceptance it resumes to `received` (the clerk then hands it over); requested by the
//!   officer it resumes to `in_processing` (back to the same step). Legal resume points are
//!   `submitted`/`received`/`in_processing` for a supplement and `received`/`in_processing` for a
//!   payment ([`State::resume_targets`]). `apply` can only check that the point is legal, not that
//!   it is the one stored: that is the caller's bookkeeping.
//! * **IssueResult from `in_processing`** is allowed only when the procedure's workflow has no
//!   separate approval step ([`Context::direct_issue_allowed`], e.g. a certified copy signed by the
//!   competent officer); otherwise it is [`TransitionError::ApprovalRequired`]. From
//!   `awaiting_approval` only the leader may issue (approve and issue in one step): an officer must
//!   not bypass the pending approval.
//! * **HandOver** by a leader inside `in_processing` (the leader's "phân công" step hands the dossier
//!   to an officer); otherwise as specified: clerk or officer.
//! * **RequestSupplement needs a reason**: the request notice must say what is missing. The
//!   "within 3 working days of receipt" rule and "new date is later than the old one" are the
//!   caller's time checks.
//! * **Apologise** (xin lỗi và hẹn lại ngày trả kết quả): at most [`MAX_APOLOGIES`] per dossier,
//!   reason and new date required, a self-transition.
//! * **Channels.** `submit` is the online channel, `receive_from_portal` the national portal (both
//!   online), `receive_at_counter` covers counter and post (the clerk records a mailed dossier).
//!
//! # Error precedence
//!
//! [`apply`] reports the first failing check, in this order: no dossier / terminal state; the action
//! is not an edge of the state; the role may not take that edge; paused-dossier checks (resume
//! point present, legal, and allowing the action); the procedure needs an approval step; apology
//! limit; missing reason; missing new date. So [`TransitionError::RoleNotAllowed`] never depends on
//! the [`Context`].

use std::fmt;

/// How many times a dossier's appointment may be moved with an apology.
pub const MAX_APOLOGIES: u32 = 1;

/// Internal dossier state; finer than the national status ([`State::national_code`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum State {
    /// Submitted online (or pushed from the national portal), waiting for a clerk.
    Submitted,
    /// Accepted by the one-stop clerk; receipt with appointment time issued; clock running.
    Received,
    /// At a workflow step of a processing unit, possibly another agency (liên thông).
    InProcessing,
    /// Submitted to a leader for approval.
    AwaitingApproval,
    /// Supplement requested from the applicant; clock paused.
    SupplementRequested,
    /// Payment of fees / financial obligations requested; clock paused.
    PaymentRequested,
    /// Approved; result document issued.
    ResultReady,
    /// Result handed over (in person, by post or electronically). Terminal.
    Returned,
    /// Not received, with reason. Terminal.
    Refused,
    /// Withdrawn at the applicant's request. Terminal.
    Withdrawn,
    /// Processing stopped, with reason. Terminal.
    Stopped,
}

/// Every state, in declaration order.
pub const ALL_STATES: [State; 11] = [
    State::Submitted,
    State::Received,
    State::InProcessing,
    State::AwaitingApproval,
    State::SupplementRequested,
    State::PaymentRequested,
    State::ResultReady,
    State::Returned,
    State::Refused,
    State::Withdrawn,
    State::Stopped,
];

impl State {
    /// Stable snake_case name (for storage and APIs).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Submitted => "submitted",
            Self::Received => "received",
            Self::InProcessing => "in_processing",
            Self::AwaitingApproval => "awaiting_approval",
            Self::SupplementRequested => "supplement_requested",
            Self::PaymentRequested => "payment_requested",
            Self::ResultReady => "result_ready",
            Self::Returned => "returned",
            Self::Refused => "refused",
            Self::Withdrawn => "withdrawn",
            Self::Stopped => "stopped",
        }
    }

    /// Inverse of [`State::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        ALL_STATES.into_iter().find(|st| st.as_str() == s)
    }

    /// The national status code (TrangThaiHoSo, 1..=10).
    pub fn national_code(self) -> u8 {
        match self {
            Self::Submitted => 1,
            Self::Received => 2,
            Self::Refused => 3,
            Self::InProcessing | Self::AwaitingApproval => 4,
            Self::SupplementRequested => 5,
            Self::PaymentRequested => 6,
            Self::Withdrawn => 7,
            Self::Stopped => 8,
            Self::ResultReady => 9,
            Self::Returned => 10,
        }
    }

    /// The Vietnamese name of the national status.
    pub fn national_label(self) -> &'static str {
        match self.national_code() {
            1 => "Mới đăng ký",
            2 => "Được tiếp nhận",
            3 => "Không được tiếp nhận",
            4 => "Đang xử lý",
            5 => "Yêu cầu bổ sung giấy tờ",
            6 => "Yêu cầu thực hiện nghĩa vụ tài chính",
            7 => "Công dân yêu cầu rút hồ sơ",
            8 => "Dừng xử lý",
            9 => "Đã xử lý xong",
            _ => "Đã trả kết quả",
        }
    }

    /// No action is possible any more.
    pub fn is_terminal(self) -> bool {
        matches!(self, Self::Returned | Self::Refused | Self::Withdrawn | Self::Stopped)
    }

    /// Waiting for the applicant; the caller keeps a resume point ([`Context::resume_to`]).
    pub fn is_paused(self) -> bool {
        matches!(self, Self::SupplementRequested | Self::PaymentRequested)
    }

    /// Whether the processing deadline clock runs: only while the agency holds an accepted dossier
    /// (`received`, `in_processing`, `awaiting_approval`). Not yet started in `submitted`, paused
    /// while waiting for the applicant (supplement, payment), stopped from `result_ready` on.
    pub fn clock_running(self) -> bool {
        matches!(self, Self::Received | Self::InProcessing | Self::AwaitingApproval)
    }

    /// The states a paused dossier may resume to (empty for states that are not paused).
    pub fn resume_targets(self) -> &'static [State] {
        match self {
            Self::SupplementRequested => &[Self::Submitted, Self::Received, Self::InProcessing],
            Self::PaymentRequested => &[Self::Received, Self::InProcessing],
            _ => &[],
        }
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Something done to a dossier. Each successful action is one history entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    /// Applicant submits online: creates the dossier in `submitted`.
    Submit,
    /// The national portal pushes a dossier: creates it in `submitted`.
    ReceiveFromPortal,
    /// Clerk receives a dossier at the counter (or by post): creates it in `received`.
    ReceiveAtCounter,
    /// Clerk accepts an online dossier: `submitted` → `received`.
    Accept,
    /// Ask the applicant for missing documents (pauses the clock). Reason required.
    RequestSupplement,
    /// Clerk receives the supplement: back to the resume point.
    ReceiveSupplement,
    /// Clerk refuses to receive the dossier. Reason required.
    Refuse,
    /// Hand the dossier to the processing unit / next step / another agency.
    HandOver,
    /// Return the dossier to the previous step. Reason required.
    SendBack,
    /// Officer submits the draft result to a leader.
    SubmitForApproval,
    /// Leader approves: result ready.
    Approve,
    /// Ask the applicant to pay fees / fulfil financial obligations (pauses the clock).
    RequestPayment,
    /// Payment recorded (by a clerk or the payment callback): back to the resume point.
    RecordPayment,
    /// Issue the result document directly (see the module docs for when).
    IssueResult,
    /// Clerk hands the result over: `result_ready` → `returned`.
    ReturnResult,
    /// Applicant withdraws the dossier.
    Withdraw,
    /// Leader stops processing. Reason required.
    Stop,
    /// Apologise and move the appointment (once per dossier). Reason and new date required.
    Apologise,
}

/// Every action, in declaration order.
pub const ALL_ACTIONS: [Action; 18] = [
    Action::Submit,
    Action::ReceiveFromPortal,
    Action::ReceiveAtCounter,
    Action::Accept,
    Action::RequestSupplement,
    Action::ReceiveSupplement,
    Action::Refuse,
    Action::HandOver,
    Action::SendBack,
    Action::SubmitForApproval,
    Action::Approve,
    Action::RequestPayment,
    Action::RecordPayment,
    Action::IssueResult,
    Action::ReturnResult,
    Action::Withdraw,
    Action::Stop,
    Action::Apologise,
];

impl Action {
    /// Stable snake_case name (for storage and APIs).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Submit => "submit",
            Self::ReceiveFromPortal => "receive_from_portal",
            Self::ReceiveAtCounter => "receive_at_counter",
            Self::Accept => "accept",
            Self::RequestSupplement => "request_supplement",
            Self::ReceiveSupplement => "receive_supplement",
            Self::Refuse => "refuse",
            Self::HandOver => "hand_over",
            Self::SendBack => "send_back",
            Self::SubmitForApproval => "submit_for_approval",
            Self::Approve => "approve",
            Self::RequestPayment => "request_payment",
            Self::RecordPayment => "record_payment",
            Self::IssueResult => "issue_result",
            Self::ReturnResult => "return_result",
            Self::Withdraw => "withdraw",
            Self::Stop => "stop",
            Self::Apologise => "apologise",
        }
    }

    /// Inverse of [`Action::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        ALL_ACTIONS.into_iter().find(|a| a.as_str() == s)
    }

    /// Creates a dossier (`apply(None, ..)`).
    pub fn is_creation(self) -> bool {
        matches!(self, Self::Submit | Self::ReceiveFromPortal | Self::ReceiveAtCounter)
    }

    /// Needs [`Context::has_reason`].
    pub fn requires_reason(self) -> bool {
        matches!(self, Self::RequestSupplement | Self::Refuse | Self::SendBack | Self::Stop | Self::Apologise)
    }

    /// Needs [`Context::has_new_date`].
    pub fn requires_new_date(self) -> bool {
        matches!(self, Self::Apologise)
    }

    /// Resumes a paused dossier to [`Context::resume_to`].
    pub fn is_resume(self) -> bool {
        matches!(self, Self::ReceiveSupplement | Self::RecordPayment)
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who acts. The caller establishes the role (and, for an applicant, ownership of the dossier).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// The citizen / business owning the dossier.
    Applicant,
    /// Receiving clerk (cán bộ tiếp nhận, bộ phận một cửa).
    Clerk,
    /// Processing officer (chuyên viên).
    Officer,
    /// Leader (lãnh đạo).
    Leader,
    /// Agency administrator (configuration only).
    AgencyAdmin,
    /// System administrator (configuration only).
    SystemAdmin,
    /// A machine: the national portal, the payment callback, scheduled jobs.
    System,
}

/// Every role, in declaration order.
pub const ALL_ROLES: [Role; 7] =
    [Role::Applicant, Role::Clerk, Role::Officer, Role::Leader, Role::AgencyAdmin, Role::SystemAdmin, Role::System];

impl Role {
    /// Stable snake_case name (for storage and APIs).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Applicant => "applicant",
            Self::Clerk => "clerk",
            Self::Officer => "officer",
            Self::Leader => "leader",
            Self::AgencyAdmin => "agency_admin",
            Self::SystemAdmin => "system_admin",
            Self::System => "system",
        }
    }

    /// Inverse of [`Role::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        ALL_ROLES.into_iter().find(|r| r.as_str() == s)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The facts about the dossier and the request that the rules need; plain data filled by the caller.
/// `Context::default()` is the strictest context (no reason, no date, no resume point, approval
/// step required).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Context {
    /// Apologies already recorded for this dossier.
    pub apologies_so_far: u32,
    /// For a paused dossier: the stored state it was paused from (see [`resume_point`]). Needed by
    /// `receive_supplement` / `record_payment`, and by `refuse` / `stop` / `apologise` on a
    /// `supplement_requested` dossier (they depend on whether it had been accepted). Ignored otherwise.
    pub resume_to: Option<State>,
    /// The request carries a non-empty reason.
    pub has_reason: bool,
    /// The request carries a new appointment date (the caller checks it is later than the old one).
    pub has_new_date: bool,
    /// The procedure's workflow issues the result without a separate leader approval step, so
    /// `issue_result` is allowed from `in_processing`.
    pub direct_issue_allowed: bool,
}

/// Why an action was refused. [`TransitionError::code`] is stable for APIs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransitionError {
    /// Only creation actions apply when there is no dossier yet.
    NoDossier { action: Action },
    /// The dossier is in a terminal state.
    Terminal { state: State },
    /// The action is not possible in this state (including creating an existing dossier).
    NotAllowedInState { action: Action, state: State },
    /// The role may not take this action in this state.
    RoleNotAllowed { action: Action, role: Role },
    /// The dossier is paused and the action needs its resume point, which was not given.
    ResumeStateMissing { action: Action },
    /// The given resume point is not a legal one for the paused state.
    InvalidResumeState { action: Action, resume_to: State },
    /// The action is not possible for a dossier paused from `paused_from`.
    NotAllowedWhilePaused { action: Action, paused_from: State },
    /// The procedure needs a leader's approval before the result is issued.
    ApprovalRequired,
    /// The one apology for this dossier has been used.
    ApologyAlreadyUsed,
    /// The action needs a reason.
    ReasonRequired { action: Action },
    /// The apology needs a new appointment date.
    NewDateRequired,
}

impl TransitionError {
    /// Stable snake_case code, distinct for each variant.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NoDossier { .. } => "no_dossier",
            Self::Terminal { .. } => "terminal_state",
            Self::NotAllowedInState { .. } => "illegal_transition",
            Self::RoleNotAllowed { .. } => "role_not_allowed",
            Self::ResumeStateMissing { .. } => "resume_state_missing",
            Self::InvalidResumeState { .. } => "invalid_resume_state",
            Self::NotAllowedWhilePaused { .. } => "illegal_transition_while_paused",
            Self::ApprovalRequired => "approval_required",
            Self::ApologyAlreadyUsed => "apology_limit_reached",
            Self::ReasonRequired { .. } => "reason_required",
            Self::NewDateRequired => "new_date_required",
        }
    }
}

impl fmt::Display for TransitionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoDossier { action } => write!(f, "'{action}' needs an existing dossier"),
            Self::Terminal { state } => write!(f, "the dossier is {state}: no further action is possible"),
            Self::NotAllowedInState { action, state } => write!(f, "'{action}' is not possible in state {state}"),
            Self::RoleNotAllowed { action, role } => write!(f, "role {role} may not '{action}' here"),
            Self::ResumeStateMissing { action } => {
                write!(f, "'{action}' on a paused dossier needs the state it was paused from")
            }
            Self::InvalidResumeState { action, resume_to } => {
                write!(f, "'{action}': {resume_to} is not a state this dossier can resume to")
            }
            Self::NotAllowedWhilePaused { action, paused_from } => {
                write!(f, "'{action}' is not possible for a dossier paused from {paused_from}")
            }
            Self::ApprovalRequired => {
                f.write_str("this procedure needs a leader's approval before the result is issued")
            }
            Self::ApologyAlreadyUsed => {
                write!(f, "the appointment may be moved with an apology at most {MAX_APOLOGIES} time(s)")
            }
            Self::ReasonRequired { action } => write!(f, "'{action}' needs a reason"),
            Self::NewDateRequired => f.write_str("an apology needs a new appointment date"),
        }
    }
}

impl std::error::Error for TransitionError {}

/// Where an edge leads.
#[derive(Clone, Copy)]
enum Target {
    To(State),
    /// Self-transition (apology).
    Stay,
    /// Back to [`Context::resume_to`].
    Resume,
}

/// One edge of the machine: who may take it and where it leads.
struct Edge {
    roles: &'static [Role],
    target: Target,
}

const fn edge(roles: &'static [Role], target: Target) -> Option<Edge> {
    Some(Edge { roles, target })
}

/// Creation edges: who may create a dossier with `action`, and in which state.
fn creation_of(action: Action) -> Option<(&'static [Role], State)> {
    match action {
        Action::Submit => Some((&[Role::Applicant], State::Submitted)),
        Action::ReceiveFromPortal => Some((&[Role::System], State::Submitted)),
        Action::ReceiveAtCounter => Some((&[Role::Clerk], State::Received)),
        _ => None,
    }
}

/// The static edges from an existing dossier (ignoring the context).
fn edge_of(from: State, action: Action) -> Option<Edge> {
    use Action as A;
    use Role as R;
    use State as S;
    use Target::{Resume, Stay, To};
    let waiting = from.is_paused();
    let held = matches!(from, S::Received | S::InProcessing | S::AwaitingApproval);
    match (from, action) {
        (S::Submitted, A::Accept) => edge(&[R::Clerk], To(S::Received)),
        (S::Submitted | S::Received, A::RequestSupplement) => edge(&[R::Clerk], To(S::SupplementRequested)),
        (S::InProcessing, A::RequestSupplement) => edge(&[R::Officer], To(S::SupplementRequested)),
        // The clerk at the desk, or the applicant online (the supplement is received when submitted).
        (S::SupplementRequested, A::ReceiveSupplement) => edge(&[R::Clerk, R::Applicant], Resume),
        (S::Submitted | S::Received | S::SupplementRequested, A::Refuse) => edge(&[R::Clerk], To(S::Refused)),
        (S::Received, A::HandOver) => edge(&[R::Clerk, R::Officer], To(S::InProcessing)),
        (S::InProcessing, A::HandOver) => edge(&[R::Clerk, R::Officer, R::Leader], To(S::InProcessing)),
        (S::InProcessing | S::AwaitingApproval, A::SendBack) => edge(&[R::Officer, R::Leader], To(S::InProcessing)),
        (S::InProcessing, A::SubmitForApproval) => edge(&[R::Officer], To(S::AwaitingApproval)),
        (S::AwaitingApproval, A::Approve) => edge(&[R::Leader], To(S::ResultReady)),
        (S::Received | S::InProcessing, A::RequestPayment) => edge(&[R::Clerk, R::Officer], To(S::PaymentRequested)),
        (S::PaymentRequested, A::RecordPayment) => edge(&[R::Clerk, R::System], Resume),
        (S::InProcessing, A::IssueResult) => edge(&[R::Officer, R::Leader], To(S::ResultReady)),
        (S::AwaitingApproval, A::IssueResult) => edge(&[R::Leader], To(S::ResultReady)),
        (S::ResultReady, A::ReturnResult) => edge(&[R::Clerk], To(S::Returned)),
        (_, A::Withdraw) if from == S::Submitted || held || waiting => {
            edge(&[R::Applicant, R::Clerk], To(S::Withdrawn))
        }
        (_, A::Stop) if held || waiting => edge(&[R::Leader], To(S::Stopped)),
        (_, A::Apologise) if held || waiting => edge(&[R::Clerk, R::Leader], Stay),
        _ => None,
    }
}

/// The stored resume point of a paused dossier, checked against the legal ones.
fn checked_resume(paused: State, action: Action, ctx: &Context) -> Result<State, TransitionError> {
    let resume_to = ctx.resume_to.ok_or(TransitionError::ResumeStateMissing { action })?;
    if paused.resume_targets().contains(&resume_to) {
        Ok(resume_to)
    } else {
        Err(TransitionError::InvalidResumeState { action, resume_to })
    }
}

/// Applies `action` by `role` to a dossier in `state` (`None`: the dossier does not exist yet and
/// `action` creates it). Returns the new state, or the first rule that fails (see the module docs
/// for the order). Pure: the caller persists the state and the history entry.
pub fn apply(state: Option<State>, action: Action, role: Role, ctx: &Context) -> Result<State, TransitionError> {
    let Some(from) = state else {
        let (roles, to) = creation_of(action).ok_or(TransitionError::NoDossier { action })?;
        return if roles.contains(&role) { Ok(to) } else { Err(TransitionError::RoleNotAllowed { action, role }) };
    };
    if from.is_terminal() {
        return Err(TransitionError::Terminal { state: from });
    }
    let edge = edge_of(from, action).ok_or(TransitionError::NotAllowedInState { action, state: from })?;
    if !edge.roles.contains(&role) {
        return Err(TransitionError::RoleNotAllowed { action, role });
    }

    let to = match edge.target {
        Target::To(s) => s,
        Target::Stay => from,
        Target::Resume => checked_resume(from, action, ctx)?,
    };
    if from == State::SupplementRequested && matches!(action, Action::Refuse | Action::Stop | Action::Apologise) {
        // Refuse only before processing started; stop / apologise only after acceptance.
        let paused_from = checked_resume(from, action, ctx)?;
        let allowed = match action {
            Action::Refuse => paused_from != State::InProcessing,
            _ => paused_from != State::Submitted,
        };
        if !allowed {
            return Err(TransitionError::NotAllowedWhilePaused { action, paused_from });
        }
    }
    if action == Action::IssueResult && from == State::InProcessing && !ctx.direct_issue_allowed {
        return Err(TransitionError::ApprovalRequired);
    }
    if action == Action::Apologise && ctx.apologies_so_far >= MAX_APOLOGIES {
        return Err(TransitionError::ApologyAlreadyUsed);
    }
    if action.requires_reason() && !ctx.has_reason {
        return Err(TransitionError::ReasonRequired { action });
    }
    if action.requires_new_date() && !ctx.has_new_date {
        return Err(TransitionError::NewDateRequired);
    }
    Ok(to)
}

/// The actions `role` may take now on a dossier in `state`: exactly those for which [`apply`]
/// succeeds with `ctx`, in [`ALL_ACTIONS`] order. For a menu shown before the user has typed a
/// reason or a date, use [`offered_actions`].
pub fn allowed_actions(state: State, role: Role, ctx: &Context) -> Vec<Action> {
    ALL_ACTIONS.into_iter().filter(|&a| apply(Some(state), a, role, ctx).is_ok()).collect()
}

/// [`allowed_actions`] assuming the user will supply a reason and a new date where needed: the
/// actions to offer in a UI, whose form then collects those inputs.
pub fn offered_actions(state: State, role: Role, ctx: &Context) -> Vec<Action> {
    allowed_actions(state, role, &Context { has_reason: true, has_new_date: true, ..*ctx })
}

/// The resume point to store when `action` pauses a dossier in `from`: `Some(from)` for
/// `request_supplement` / `request_payment` from a state the pause can resume to, else `None`.
/// Pass it back as [`Context::resume_to`] while the dossier is paused.
pub fn resume_point(from: State, action: Action) -> Option<State> {
    let paused = match action {
        Action::RequestSupplement => State::SupplementRequested,
        Action::RequestPayment => State::PaymentRequested,
        _ => return None,
    };
    paused.resume_targets().contains(&from).then_some(from)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::{BTreeSet, HashSet};

    use Action as A;
    use Role as R;
    use State as S;

    /// A position: the state and, for paused states, the stored resume point.
    type Pos = (Option<State>, Option<State>);

    const NEW: Pos = (None, None);
    const SUB: Pos = (Some(S::Submitted), None);
    const REC: Pos = (Some(S::Received), None);
    const INP: Pos = (Some(S::InProcessing), None);
    const AWA: Pos = (Some(S::AwaitingApproval), None);
    const S_SUB: Pos = (Some(S::SupplementRequested), Some(S::Submitted));
    const S_REC: Pos = (Some(S::SupplementRequested), Some(S::Received));
    const S_INP: Pos = (Some(S::SupplementRequested), Some(S::InProcessing));
    const P_REC: Pos = (Some(S::PaymentRequested), Some(S::Received));
    const P_INP: Pos = (Some(S::PaymentRequested), Some(S::InProcessing));
    const RDY: Pos = (Some(S::ResultReady), None);

    /// Every position the machine can be in (terminal states included).
    const POSITIONS: [Pos; 15] = [
        NEW,
        SUB,
        REC,
        INP,
        AWA,
        S_SUB,
        S_REC,
        S_INP,
        P_REC,
        P_INP,
        RDY,
        (Some(S::Returned), None),
        (Some(S::Refused), None),
        (Some(S::Withdrawn), None),
        (Some(S::Stopped), None),
    ];

    /// Every legal (from, action, role → to), with a context that supplies every input.
    const LEGAL: &[(Pos, Action, Role, State)] = &[
        // creation
        (NEW, A::Submit, R::Applicant, S::Submitted),
        (NEW, A::ReceiveFromPortal, R::System, S::Submitted),
        (NEW, A::ReceiveAtCounter, R::Clerk, S::Received),
        // submitted
        (SUB, A::Accept, R::Clerk, S::Received),
        (SUB, A::RequestSupplement, R::Clerk, S::SupplementRequested),
        (SUB, A::Refuse, R::Clerk, S::Refused),
        (SUB, A::Withdraw, R::Applicant, S::Withdrawn),
        (SUB, A::Withdraw, R::Clerk, S::Withdrawn),
        // received
        (REC, A::RequestSupplement, R::Clerk, S::SupplementRequested),
        (REC, A::Refuse, R::Clerk, S::Refused),
        (REC, A::HandOver, R::Clerk, S::InProcessing),
        (REC, A::HandOver, R::Officer, S::InProcessing),
        (REC, A::RequestPayment, R::Clerk, S::PaymentRequested),
        (REC, A::RequestPayment, R::Officer, S::PaymentRequested),
        (REC, A::Withdraw, R::Applicant, S::Withdrawn),
        (REC, A::Withdraw, R::Clerk, S::Withdrawn),
        (REC, A::Stop, R::Leader, S::Stopped),
        (REC, A::Apologise, R::Clerk, S::Received),
        (REC, A::Apologise, R::Leader, S::Received),
        // in processing
        (INP, A::RequestSupplement, R::Officer, S::SupplementRequested),
        (INP, A::HandOver, R::Clerk, S::InProcessing),
        (INP, A::HandOver, R::Officer, S::InProcessing),
        (INP, A::HandOver, R::Leader, S::InProcessing),
        (INP, A::SendBack, R::Officer, S::InProcessing),
        (INP, A::SendBack, R::Leader, S::InProcessing),
        (INP, A::SubmitForApproval, R::Officer, S::AwaitingApproval),
        (INP, A::RequestPayment, R::Clerk, S::PaymentRequested),
        (INP, A::RequestPayment, R::Officer, S::PaymentRequested),
        (INP, A::IssueResult, R::Officer, S::ResultReady),
        (INP, A::IssueResult, R::Leader, S::ResultReady),
        (INP, A::Withdraw, R::Applicant, S::Withdrawn),
        (INP, A::Withdraw, R::Clerk, S::Withdrawn),
        (INP, A::Stop, R::Leader, S::Stopped),
        (INP, A::Apologise, R::Clerk, S::InProcessing),
        (INP, A::Apologise, R::Leader, S::InProcessing),
        // awaiting approval
        (AWA, A::SendBack, R::Officer, S::InProcessing),
        (AWA, A::SendBack, R::Leader, S::InProcessing),
        (AWA, A::Approve, R::Leader, S::ResultReady),
        (AWA, A::IssueResult, R::Leader, S::ResultReady),
        (AWA, A::Withdraw, R::Applicant, S::Withdrawn),
        (AWA, A::Withdraw, R::Clerk, S::Withdrawn),
        (AWA, A::Stop, R::Leader, S::Stopped),
        (AWA, A::Apologise, R::Clerk, S::AwaitingApproval),
        (AWA, A::Apologise, R::Leader, S::AwaitingApproval),
        // supplement requested before acceptance
        (S_SUB, A::ReceiveSupplement, R::Clerk, S::Submitted),
        (S_SUB, A::ReceiveSupplement, R::Applicant, S::Submitted),
        (S_SUB, A::Refuse, R::Clerk, S::Refused),
        (S_SUB, A::Withdraw, R::Applicant, S::Withdrawn),
        (S_SUB, A::Withdraw, R::Clerk, S::Withdrawn),
        // supplement requested after acceptance, by the clerk
        (S_REC, A::ReceiveSupplement, R::Clerk, S::Received),
        (S_REC, A::ReceiveSupplement, R::Applicant, S::Received),
        (S_REC, A::Refuse, R::Clerk, S::Refused),
        (S_REC, A::Withdraw, R::Applicant, S::Withdrawn),
        (S_REC, A::Withdraw, R::Clerk, S::Withdrawn),
        (S_REC, A::Stop, R::Leader, S::Stopped),
        (S_REC, A::Apologise, R::Clerk, S::SupplementRequested),
        (S_REC, A::Apologise, R::Leader, S::SupplementRequested),
        // supplement requested by the officer
        (S_INP, A::ReceiveSupplement, R::Clerk, S::InProcessing),
        (S_INP, A::ReceiveSupplement, R::Applicant, S::InProcessing),
        (S_INP, A::Withdraw, R::Applicant, S::Withdrawn),
        (S_INP, A::Withdraw, R::Clerk, S::Withdrawn),
        (S_INP, A::Stop, R::Leader, S::Stopped),
        (S_INP, A::Apologise, R::Clerk, S::SupplementRequested),
        (S_INP, A::Apologise, R::Leader, S::SupplementRequested),
        // payment requested at reception
        (P_REC, A::RecordPayment, R::Clerk, S::Received),
        (P_REC, A::RecordPayment, R::System, S::Received),
        (P_REC, A::Withdraw, R::Applicant, S::Withdrawn),
        (P_REC, A::Withdraw, R::Clerk, S::Withdrawn),
        (P_REC, A::Stop, R::Leader, S::Stopped),
        (P_REC, A::Apologise, R::Clerk, S::PaymentRequested),
        (P_REC, A::Apologise, R::Leader, S::PaymentRequested),
        // payment requested during processing
        (P_INP, A::RecordPayment, R::Clerk, S::InProcessing),
        (P_INP, A::RecordPayment, R::System, S::InProcessing),
        (P_INP, A::Withdraw, R::Applicant, S::Withdrawn),
        (P_INP, A::Withdraw, R::Clerk, S::Withdrawn),
        (P_INP, A::Stop, R::Leader, S::Stopped),
        (P_INP, A::Apologise, R::Clerk, S::PaymentRequested),
        (P_INP, A::Apologise, R::Leader, S::PaymentRequested),
        // result ready
        (RDY, A::ReturnResult, R::Clerk, S::Returned),
    ];

    /// A context supplying every input, with the given resume point.
    fn full(resume_to: Option<State>) -> Context {
        Context { apologies_so_far: 0, resume_to, has_reason: true, has_new_date: true, direct_issue_allowed: true }
    }

    fn code(r: Result<State, TransitionError>) -> &'static str {
        match r {
            Ok(_) => "ok",
            Err(e) => e.code(),
        }
    }

    #[test]
    fn legal_table_is_exactly_the_machine() {
        for &(pos, action, role, to) in LEGAL {
            assert_eq!(apply(pos.0, action, role, &full(pos.1)), Ok(to), "{pos:?} {action} {role}");
        }
        // Exhaustively: nothing outside the table succeeds, even with every input supplied.
        let legal: HashSet<(Pos, Action, Role)> = LEGAL.iter().map(|&(p, a, r, _)| (p, a, r)).collect();
        assert_eq!(legal.len(), LEGAL.len(), "duplicate rows");
        let mut ok = 0;
        for pos in POSITIONS {
            for action in ALL_ACTIONS {
                for role in ALL_ROLES {
                    let r = apply(pos.0, action, role, &full(pos.1));
                    assert_eq!(r.is_ok(), legal.contains(&(pos, action, role)), "{pos:?} {action} {role}: {r:?}");
                    ok += usize::from(r.is_ok());
                }
            }
        }
        assert_eq!(ok, LEGAL.len());
    }

    #[test]
    fn illegal_transitions_report_the_right_error() {
        let d = full(None);
        let c = |resume: Option<State>| full(resume);
        let cases: Vec<(Option<State>, Action, Role, Context, &str)> = vec![
            // no dossier / creating twice
            (None, A::Accept, R::Clerk, d, "no_dossier"),
            (None, A::Apologise, R::Leader, d, "no_dossier"),
            (Some(S::Submitted), A::Submit, R::Applicant, d, "illegal_transition"),
            (Some(S::Received), A::ReceiveAtCounter, R::Clerk, d, "illegal_transition"),
            // wrong role on creation
            (None, A::Submit, R::Clerk, d, "role_not_allowed"),
            (None, A::ReceiveAtCounter, R::Applicant, d, "role_not_allowed"),
            (None, A::ReceiveFromPortal, R::Applicant, d, "role_not_allowed"),
            // wrong state
            (Some(S::Submitted), A::HandOver, R::Clerk, d, "illegal_transition"),
            (Some(S::Submitted), A::Stop, R::Leader, d, "illegal_transition"),
            (Some(S::Submitted), A::Apologise, R::Clerk, d, "illegal_transition"),
            (Some(S::Submitted), A::RequestPayment, R::Clerk, d, "illegal_transition"),
            (Some(S::Received), A::Approve, R::Leader, d, "illegal_transition"),
            (Some(S::InProcessing), A::Approve, R::Leader, d, "illegal_transition"),
            (Some(S::InProcessing), A::Refuse, R::Clerk, d, "illegal_transition"),
            (Some(S::AwaitingApproval), A::RequestPayment, R::Officer, d, "illegal_transition"),
            (Some(S::AwaitingApproval), A::RequestSupplement, R::Officer, d, "illegal_transition"),
            (Some(S::ResultReady), A::Withdraw, R::Applicant, d, "illegal_transition"),
            (Some(S::ResultReady), A::Stop, R::Leader, d, "illegal_transition"),
            (Some(S::ResultReady), A::Apologise, R::Clerk, d, "illegal_transition"),
            (Some(S::PaymentRequested), A::ReceiveSupplement, R::Clerk, c(Some(S::Received)), "illegal_transition"),
            (Some(S::SupplementRequested), A::RecordPayment, R::System, c(Some(S::Received)), "illegal_transition"),
            // wrong role
            (Some(S::Submitted), A::Accept, R::Officer, d, "role_not_allowed"),
            (Some(S::Received), A::RequestSupplement, R::Officer, d, "role_not_allowed"),
            (Some(S::InProcessing), A::RequestSupplement, R::Clerk, d, "role_not_allowed"),
            (Some(S::InProcessing), A::Withdraw, R::Officer, d, "role_not_allowed"),
            (Some(S::InProcessing), A::HandOver, R::AgencyAdmin, d, "role_not_allowed"),
            (Some(S::Received), A::HandOver, R::Leader, d, "role_not_allowed"),
            (Some(S::Received), A::HandOver, R::SystemAdmin, d, "role_not_allowed"),
            (Some(S::InProcessing), A::Stop, R::Officer, d, "role_not_allowed"),
            (Some(S::InProcessing), A::Apologise, R::Officer, d, "role_not_allowed"),
            (Some(S::AwaitingApproval), A::Approve, R::Officer, d, "role_not_allowed"),
            (Some(S::AwaitingApproval), A::IssueResult, R::Officer, d, "role_not_allowed"),
            (Some(S::PaymentRequested), A::RecordPayment, R::Applicant, c(Some(S::Received)), "role_not_allowed"),
            (Some(S::ResultReady), A::ReturnResult, R::Applicant, d, "role_not_allowed"),
            // role errors come before context errors
            (Some(S::SupplementRequested), A::ReceiveSupplement, R::Officer, Context::default(), "role_not_allowed"),
            // missing reason / date
            (Some(S::Submitted), A::Refuse, R::Clerk, Context { has_reason: false, ..d }, "reason_required"),
            (Some(S::InProcessing), A::SendBack, R::Leader, Context { has_reason: false, ..d }, "reason_required"),
            (Some(S::Received), A::Stop, R::Leader, Context { has_reason: false, ..d }, "reason_required"),
            (
                Some(S::InProcessing),
                A::RequestSupplement,
                R::Officer,
                Context { has_reason: false, ..d },
                "reason_required",
            ),
            (Some(S::InProcessing), A::Apologise, R::Leader, Context { has_reason: false, ..d }, "reason_required"),
            (Some(S::InProcessing), A::Apologise, R::Leader, Context { has_new_date: false, ..d }, "new_date_required"),
            // second apology (the limit is checked before the inputs)
            (
                Some(S::InProcessing),
                A::Apologise,
                R::Clerk,
                Context { apologies_so_far: 1, ..d },
                "apology_limit_reached",
            ),
            (Some(S::Received), A::Apologise, R::Leader, Context { apologies_so_far: 1, ..Context::default() }, {
                "apology_limit_reached"
            }),
            // procedure with an approval step
            (
                Some(S::InProcessing),
                A::IssueResult,
                R::Officer,
                Context { direct_issue_allowed: false, ..d },
                "approval_required",
            ),
            // resume points
            (Some(S::SupplementRequested), A::ReceiveSupplement, R::Clerk, d, "resume_state_missing"),
            (Some(S::PaymentRequested), A::RecordPayment, R::System, d, "resume_state_missing"),
            (Some(S::SupplementRequested), A::Refuse, R::Clerk, d, "resume_state_missing"),
            (
                Some(S::SupplementRequested),
                A::ReceiveSupplement,
                R::Clerk,
                c(Some(S::AwaitingApproval)),
                "invalid_resume_state",
            ),
            (Some(S::PaymentRequested), A::RecordPayment, R::System, c(Some(S::Submitted)), "invalid_resume_state"),
            (Some(S::PaymentRequested), A::RecordPayment, R::Clerk, c(Some(S::Returned)), "invalid_resume_state"),
            // paused from the wrong phase
            (
                Some(S::SupplementRequested),
                A::Refuse,
                R::Clerk,
                c(Some(S::InProcessing)),
                "illegal_transition_while_paused",
            ),
            (
                Some(S::SupplementRequested),
                A::Stop,
                R::Leader,
                c(Some(S::Submitted)),
                "illegal_transition_while_paused",
            ),
            (
                Some(S::SupplementRequested),
                A::Apologise,
                R::Clerk,
                c(Some(S::Submitted)),
                "illegal_transition_while_paused",
            ),
            // terminal states
            (Some(S::Returned), A::Apologise, R::Clerk, d, "terminal_state"),
            (Some(S::Refused), A::Accept, R::Clerk, d, "terminal_state"),
            (Some(S::Withdrawn), A::Withdraw, R::Applicant, d, "terminal_state"),
            (Some(S::Stopped), A::Submit, R::Applicant, d, "terminal_state"),
            (Some(S::Stopped), A::HandOver, R::SystemAdmin, Context::default(), "terminal_state"),
        ];
        assert!(cases.len() >= 20);
        for (state, action, role, ctx, expected) in cases {
            let r = apply(state, action, role, &ctx);
            assert_eq!(code(r), expected, "{state:?} {action} {role} {ctx:?}: {r:?}");
            if let Err(e) = r {
                assert!(!e.to_string().is_empty());
            }
        }
    }

    /// Applies a step, asserting it succeeds, and returns the new state.
    fn step(state: Option<State>, action: Action, role: Role, ctx: &Context) -> State {
        match apply(state, action, role, ctx) {
            Ok(s) => s,
            Err(e) => panic!("{state:?} --{action} by {role}--> {e}"),
        }
    }

    #[test]
    fn counter_happy_path() {
        let ctx = full(None);
        let mut codes = Vec::new();
        let mut s = step(None, A::ReceiveAtCounter, R::Clerk, &ctx);
        codes.push(s.national_code());
        for (action, role) in [
            (A::HandOver, R::Clerk),
            (A::HandOver, R::Officer),
            (A::SubmitForApproval, R::Officer),
            (A::Approve, R::Leader),
            (A::ReturnResult, R::Clerk),
        ] {
            s = step(Some(s), action, role, &ctx);
            codes.push(s.national_code());
        }
        assert_eq!(codes, [2, 4, 4, 4, 9, 10]);
        assert_eq!(s, S::Returned);
        assert!(s.is_terminal());
    }

    #[test]
    fn online_path_with_supplements_payment_and_apology() {
        let mut resume = None;
        let mut apologies = 0;
        let ctx = |resume: Option<State>, apologies: u32| Context {
            apologies_so_far: apologies,
            resume_to: resume,
            has_reason: true,
            has_new_date: true,
            direct_issue_allowed: true,
        };
        let mut s: Option<State> = None;
        let mut codes = Vec::new();
        let script = [
            (A::Submit, R::Applicant),
            (A::RequestSupplement, R::Clerk),
            (A::ReceiveSupplement, R::Clerk),
            (A::Accept, R::Clerk),
            (A::HandOver, R::Clerk),
            (A::RequestSupplement, R::Officer),
            (A::Apologise, R::Leader),
            (A::ReceiveSupplement, R::Clerk),
            (A::RequestPayment, R::Officer),
            (A::RecordPayment, R::System),
            (A::IssueResult, R::Officer),
            (A::ReturnResult, R::Clerk),
        ];
        for (action, role) in script {
            let from = s;
            let next = step(from, action, role, &ctx(resume, apologies));
            if let Some(point) = from.and_then(|f| resume_point(f, action)) {
                resume = Some(point);
            }
            if action == A::Apologise {
                apologies += 1;
            }
            s = Some(next);
            codes.push(next.national_code());
        }
        assert_eq!(codes, [1, 5, 1, 2, 4, 5, 5, 4, 6, 4, 9, 10]);
        // The second apology would have been refused.
        assert_eq!(
            apply(Some(S::InProcessing), A::Apologise, R::Clerk, &ctx(None, apologies)),
            Err(TransitionError::ApologyAlreadyUsed)
        );
    }

    #[test]
    fn other_endings() {
        let d = full(None);
        // Portal dossier withdrawn while processing.
        let s = step(None, A::ReceiveFromPortal, R::System, &d);
        let s = step(Some(s), A::Accept, R::Clerk, &d);
        let s = step(Some(s), A::HandOver, R::Clerk, &d);
        assert_eq!(step(Some(s), A::Withdraw, R::Applicant, &d).national_code(), 7);
        // Online dossier refused after an unanswered supplement request.
        let s = step(None, A::Submit, R::Applicant, &d);
        let paused = step(Some(s), A::RequestSupplement, R::Clerk, &d);
        assert_eq!(resume_point(s, A::RequestSupplement), Some(S::Submitted));
        assert_eq!(step(Some(paused), A::Refuse, R::Clerk, &full(Some(S::Submitted))).national_code(), 3);
        // Counter dossier stopped while awaiting approval; sent back first.
        let s = step(None, A::ReceiveAtCounter, R::Clerk, &d);
        let s = step(Some(s), A::HandOver, R::Officer, &d);
        let s = step(Some(s), A::SubmitForApproval, R::Officer, &d);
        let s = step(Some(s), A::SendBack, R::Leader, &d);
        assert_eq!(s, S::InProcessing);
        let s = step(Some(s), A::SubmitForApproval, R::Officer, &d);
        assert_eq!(step(Some(s), A::Stop, R::Leader, &d).national_code(), 8);
    }

    #[test]
    fn names_round_trip() {
        let states: BTreeSet<_> = ALL_STATES.iter().map(|s| s.as_str()).collect();
        let actions: BTreeSet<_> = ALL_ACTIONS.iter().map(|a| a.as_str()).collect();
        let roles: BTreeSet<_> = ALL_ROLES.iter().map(|r| r.as_str()).collect();
        assert_eq!((states.len(), actions.len(), roles.len()), (ALL_STATES.len(), ALL_ACTIONS.len(), ALL_ROLES.len()));
        for s in ALL_STATES {
            assert_eq!(State::parse(s.as_str()), Some(s));
            assert_eq!(s.to_string(), s.as_str());
        }
        for a in ALL_ACTIONS {
            assert_eq!(Action::parse(a.as_str()), Some(a));
        }
        for r in ALL_ROLES {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        for bad in ["", "Submitted", "in-processing", "submit ", "admin"] {
            assert_eq!((State::parse(bad), Action::parse(bad), Role::parse(bad)), (None, None, None), "{bad}");
        }
        let snake = |s: &str| s.bytes().all(|b| b.is_ascii_lowercase() || b == b'_');
        assert!(states.iter().chain(&actions).chain(&roles).all(|s| snake(s)));
    }

    #[test]
    fn national_codes_and_clock() {
        let expect = [
            (S::Submitted, 1, false),
            (S::Received, 2, true),
            (S::Refused, 3, false),
            (S::InProcessing, 4, true),
            (S::AwaitingApproval, 4, true),
            (S::SupplementRequested, 5, false),
            (S::PaymentRequested, 6, false),
            (S::Withdrawn, 7, false),
            (S::Stopped, 8, false),
            (S::ResultReady, 9, false),
            (S::Returned, 10, false),
        ];
        assert_eq!(expect.len(), ALL_STATES.len());
        for (s, code, clock) in expect {
            assert_eq!((s.national_code(), s.clock_running()), (code, clock), "{s}");
            assert!(!s.national_label().is_empty());
        }
        let codes: BTreeSet<u8> = ALL_STATES.iter().map(|s| s.national_code()).collect();
        assert_eq!(codes, (1..=10).collect());
        assert_eq!(S::Returned.national_label(), "Đã trả kết quả");
        assert_eq!(S::AwaitingApproval.national_label(), "Đang xử lý");
    }

    #[test]
    fn error_codes_are_distinct() {
        let all = [
            TransitionError::NoDossier { action: A::Accept },
            TransitionError::Terminal { state: S::Returned },
            TransitionError::NotAllowedInState { action: A::Accept, state: S::Received },
            TransitionError::RoleNotAllowed { action: A::Accept, role: R::Applicant },
            TransitionError::ResumeStateMissing { action: A::RecordPayment },
            TransitionError::InvalidResumeState { action: A::RecordPayment, resume_to: S::Submitted },
            TransitionError::NotAllowedWhilePaused { action: A::Refuse, paused_from: S::InProcessing },
            TransitionError::ApprovalRequired,
            TransitionError::ApologyAlreadyUsed,
            TransitionError::ReasonRequired { action: A::Refuse },
            TransitionError::NewDateRequired,
        ];
        let codes: BTreeSet<_> = all.iter().map(TransitionError::code).collect();
        assert_eq!(codes.len(), all.len());
        assert!(all.iter().all(|e| !e.to_string().is_empty()));
    }

    #[test]
    fn every_state_is_reachable() {
        let mut seen = BTreeSet::new();
        let mut frontier: Vec<Pos> = vec![NEW];
        let mut visited: HashSet<Pos> = HashSet::new();
        while let Some(pos) = frontier.pop() {
            if !visited.insert(pos) {
                continue;
            }
            for action in ALL_ACTIONS {
                for role in ALL_ROLES {
                    if let Ok(next) = apply(pos.0, action, role, &full(pos.1)) {
                        seen.insert(next);
                        let resume = match (pos, next.is_paused()) {
                            ((Some(from), _), true) => resume_point(from, action).or(pos.1),
                            _ => None,
                        };
                        frontier.push((Some(next), resume));
                    }
                }
            }
        }
        assert_eq!(seen, ALL_STATES.into_iter().collect());
        // The reachable positions are exactly the ones listed.
        assert_eq!(visited, POSITIONS.into_iter().collect());
    }

    #[test]
    fn offered_and_resume_helpers() {
        let none = Context::default();
        assert!(allowed_actions(S::Submitted, R::Clerk, &none).contains(&A::Accept));
        assert!(!allowed_actions(S::Submitted, R::Clerk, &none).contains(&A::Refuse));
        assert_eq!(
            offered_actions(S::Submitted, R::Clerk, &none),
            [A::Accept, A::RequestSupplement, A::Refuse, A::Withdraw]
        );
        assert_eq!(offered_actions(S::ResultReady, R::Clerk, &none), [A::ReturnResult]);
        assert!(offered_actions(S::InProcessing, R::AgencyAdmin, &full(None)).is_empty());
        assert!(offered_actions(S::InProcessing, R::SystemAdmin, &full(None)).is_empty());
        assert_eq!(resume_point(S::InProcessing, A::RequestPayment), Some(S::InProcessing));
        assert_eq!(resume_point(S::Submitted, A::RequestPayment), None);
        assert_eq!(resume_point(S::Received, A::HandOver), None);
    }

    fn any_state() -> impl Strategy<Value = State> {
        proptest::sample::select(ALL_STATES.to_vec())
    }

    fn any_action() -> impl Strategy<Value = Action> {
        proptest::sample::select(ALL_ACTIONS.to_vec())
    }

    fn any_role() -> impl Strategy<Value = Role> {
        proptest::sample::select(ALL_ROLES.to_vec())
    }

    fn any_ctx() -> impl Strategy<Value = Context> {
        (0u32..3, proptest::option::of(any_state()), any::<bool>(), any::<bool>(), any::<bool>()).prop_map(
            |(apologies_so_far, resume_to, has_reason, has_new_date, direct_issue_allowed)| Context {
                apologies_so_far,
                resume_to,
                has_reason,
                has_new_date,
                direct_issue_allowed,
            },
        )
    }

    /// One step of a random walk: either a guided pick among the legal moves (to get deep) or an
    /// arbitrary action/role; the context is either the honest one or arbitrary.
    #[derive(Debug, Clone)]
    struct Step {
        guided: bool,
        pick: usize,
        action: Action,
        role: Role,
        honest: bool,
        ctx: Context,
    }

    fn any_step() -> impl Strategy<Value = Step> {
        (any::<bool>(), any::<usize>(), any_action(), any_role(), any::<bool>(), any_ctx())
            .prop_map(|(guided, pick, action, role, honest, ctx)| Step { guided, pick, action, role, honest, ctx })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn random_walks_stay_valid(steps in proptest::collection::vec(any_step(), 1..60)) {
            let mut state: Option<State> = None;
            let mut resume: Option<State> = None;
            let mut apologies = 0u32;
            for st in steps {
                let honest = Context {
                    apologies_so_far: apologies,
                    resume_to: resume,
                    ..st.ctx
                };
                let ctx = if st.honest || st.guided { honest } else { st.ctx };
                let (action, role) = if st.guided {
                    // Legal moves; ending ones (into a terminal state) only one time in eight, so
                    // that walks get deep.
                    let ending = st.pick % 8 == 0;
                    let moves: Vec<(Action, Role)> = ALL_ACTIONS
                        .into_iter()
                        .flat_map(|a| ALL_ROLES.into_iter().map(move |r| (a, r)))
                        .filter(|&(a, r)| apply(state, a, r, &ctx).is_ok_and(|s| ending || !s.is_terminal()))
                        .collect();
                    if moves.is_empty() {
                        (st.action, st.role)
                    } else {
                        moves[st.pick % moves.len()]
                    }
                } else {
                    (st.action, st.role)
                };
                let result = apply(state, action, role, &ctx);
                if let Some(s) = state {
                    prop_assert_eq!(allowed_actions(s, role, &ctx).contains(&action), result.is_ok());
                    if s.is_terminal() {
                        prop_assert_eq!(result, Err(TransitionError::Terminal { state: s }));
                    }
                }
                let Ok(next) = result else { continue };
                prop_assert!((1..=10).contains(&next.national_code()));
                match state {
                    None => prop_assert!(action.is_creation()),
                    Some(from) => {
                        if action == Action::Apologise {
                            prop_assert_eq!(next, from);
                            if ctx == honest {
                                // Only the first apology of a dossier succeeds.
                                prop_assert_eq!(apologies, 0);
                            }
                            apologies += 1;
                        }
                        if action.is_resume() {
                            prop_assert_eq!(Some(next), ctx.resume_to);
                            if ctx == honest {
                                prop_assert_eq!(Some(next), resume);
                            }
                        }
                        if next.is_paused() && !from.is_paused() {
                            resume = resume_point(from, action);
                            prop_assert_eq!(resume, Some(from));
                        }
                    }
                }
                if !next.is_paused() {
                    resume = None;
                }
                state = Some(next);
            }
        }

        #[test]
        fn apply_is_total(
            state in proptest::option::of(any_state()),
            action in any_action(),
            role in any_role(),
            ctx in any_ctx(),
        ) {
            match apply(state, action, role, &ctx) {
                Ok(next) => {
                    prop_assert!((1..=10).contains(&next.national_code()));
                    prop_assert!(state.is_some() || action.is_creation());
                }
                Err(e) => {
                    prop_assert!(!e.code().is_empty());
                    // Role errors never depend on the context.
                    if let TransitionError::RoleNotAllowed { .. } = e {
                        prop_assert_eq!(apply(state, action, role, &full(ctx.resume_to)), Err(e));
                        prop_assert_eq!(apply(state, action, role, &Context::default()), Err(e));
                    }
                }
            }
        }

        #[test]
        fn terminal_states_admit_nothing(
            state in proptest::sample::select(ALL_STATES.into_iter().filter(|s| s.is_terminal()).collect::<Vec<_>>()),
            action in any_action(),
            role in any_role(),
            ctx in any_ctx(),
        ) {
            prop_assert_eq!(apply(Some(state), action, role, &ctx), Err(TransitionError::Terminal { state }));
            prop_assert!(allowed_actions(state, role, &ctx).is_empty());
            prop_assert!(offered_actions(state, role, &ctx).is_empty());
        }

        #[test]
        fn allowed_actions_match_apply(state in any_state(), role in any_role(), ctx in any_ctx()) {
            let allowed = allowed_actions(state, role, &ctx);
            let expected: Vec<Action> =
                ALL_ACTIONS.into_iter().filter(|&a| apply(Some(state), a, role, &ctx).is_ok()).collect();
            prop_assert_eq!(&allowed, &expected);
            let offered = offered_actions(state, role, &ctx);
            prop_assert!(allowed.iter().all(|a| offered.contains(a)));
            for a in offered {
                let with_inputs = Context { has_reason: true, has_new_date: true, ..ctx };
                prop_assert!(apply(Some(state), a, role, &with_inputs).is_ok());
            }
        }
    }
}
