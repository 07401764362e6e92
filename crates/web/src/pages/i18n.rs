//! The desktop's one message catalogue. Chinese (zh-CN) is the default; English is the
//! second language. Every text has both translations side by side in [`catalogue!`], so a
//! key cannot exist in one language only; value labels (card status, VIP tier...) are
//! exhaustive matches over the domain's closed enums, so a new variant fails to compile
//! until it is translated.

use bankdesk_domain::access::AccessDenied;
use bankdesk_domain::alert::AlertKind;
use bankdesk_domain::bank::{
    AccountKind, AccountStatus, CardKind, CardStatus, Channel, Gender, LoanKind, LoanStatus,
    LprTerm, Segment, VipTier,
};
use bankdesk_domain::calendar::DayBasis;
use bankdesk_domain::case::CaseStatus;
use bankdesk_domain::complaint::{ComplaintChannel, Complexity, RootCause};
use bankdesk_domain::contact::{ContactChannel, Direction, VerificationMethod};
use bankdesk_domain::crisis::{CrisisStatus, ReportTo, Severity};
use bankdesk_domain::duty::{RoleChangeStep, RoleRequestKind, RoleRequestStatus};
use bankdesk_domain::export::{ExportBasis, ExportStatus};
use bankdesk_domain::legal_order::{OrderKind, OrderScope, OrderStatus};
use bankdesk_domain::role::Role;

/// A language of the desktop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

impl Lang {
    /// Reads `zh`, `zh-CN`, `zh-Hans`, `en`, `en-US`...; anything else is not ours.
    pub fn parse(s: &str) -> Option<Lang> {
        let primary = s.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "zh" => Some(Lang::Zh),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The first supported language of an `Accept-Language` header, by quality.
    pub fn from_accept_language(header: &str) -> Option<Lang> {
        let mut best: Option<(Lang, f32)> = None;
        for item in header.split(',') {
            let mut parts = item.split(';');
            let Some(lang) = parts.next().and_then(Lang::parse) else {
                continue;
            };
            let q = parts
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            if q > 0.0 && best.is_none_or(|(_, b)| q > b) {
                best = Some((lang, q));
            }
        }
        best.map(|(l, _)| l)
    }

    /// The short code stored in the cookie and on the user: `zh` or `en`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }

    /// The BCP 47 tag of `<html lang>`.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    pub fn other(self) -> Lang {
        match self {
            Lang::Zh => Lang::En,
            Lang::En => Lang::Zh,
        }
    }

    pub fn messages(self) -> &'static Messages {
        match self {
            Lang::Zh => &ZH,
            Lang::En => &EN,
        }
    }

    fn pick(self, zh: &'static str, en: &'static str) -> &'static str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }

    /// `45岁` / `45 y`.
    pub fn age(self, years: i32) -> String {
        match self {
            Lang::Zh => format!("{years}岁"),
            Lang::En => format!("{years} y"),
        }
    }

    /// Why the store refused a purpose, in words an agent can act on.
    pub fn denied(self, d: AccessDenied) -> &'static str {
        let t = self.messages();
        match d {
            AccessDenied::PurposeRequired => t.deny_required,
            AccessDenied::Malformed => t.deny_malformed,
            AccessDenied::UnknownPurpose => t.deny_unknown,
            AccessDenied::OtherCustomer => t.deny_other_customer,
            AccessDenied::ContactClosed => t.deny_contact_closed,
            AccessDenied::NotHandler => t.deny_not_handler,
            AccessDenied::NotAssigned => t.deny_not_assigned,
            AccessDenied::CaseClosed => t.deny_case_closed,
            AccessDenied::OrderInactive => t.deny_order_inactive,
            AccessDenied::OutOfScope => t.deny_out_of_scope,
            AccessDenied::IdentityNotVerified => t.err_identity,
            AccessDenied::RevealLimit => t.err_rate_limited,
        }
    }

    /// A wrap-up category's label from the bank's tree; a code no longer in the tree (an
    /// old contact) shows as it is.
    pub fn category(self, tree: &bankdesk_domain::wrapup::WrapUpTree, code: &str) -> String {
        tree.label(code, self == Lang::En)
            .unwrap_or_else(|| code.to_string())
    }

    /// Delivery state of a reply.
    pub fn delivery(self, status: &str) -> String {
        match status {
            "pending" => self.pick("待发送", "pending").to_string(),
            "sent" => self.pick("已发送", "sent").to_string(),
            "failed" => self.pick("发送失败", "failed").to_string(),
            other => other.to_string(),
        }
    }

    /// Label of an agent's state; the code itself for one the desktop does not know.
    pub fn agent_state(self, code: &str) -> &str {
        match bankdesk_domain::routing::AgentState::parse(code) {
            Some(s) => self.agent_state_label(s),
            None => code,
        }
    }

    pub fn agent_state_label(self, s: bankdesk_domain::routing::AgentState) -> &'static str {
        use bankdesk_domain::routing::AgentState::*;
        match s {
            Available => self.pick("空闲", "available"),
            Busy => self.pick("忙碌", "busy"),
            AfterCallWork => self.pick("话后处理", "after-call work"),
            Break => self.pick("小休", "on break"),
            Offline => self.pick("离线", "offline"),
        }
    }

    pub fn contact_status(self, code: &str) -> String {
        match code {
            "open" => self.pick("进行中", "open").to_string(),
            "closed" => self.pick("已结束", "closed").to_string(),
            other => other.to_string(),
        }
    }
}

/// Declares a label method for a closed domain enum. Stored codes the enum does not know
/// (data from a newer version) are shown as they are rather than hidden.
macro_rules! labels {
    ($(#[$m:meta])* $name:ident: $ty:ident { $($variant:ident => $zh:literal, $en:literal;)+ }) => {
        impl Lang {
            $(#[$m])*
            pub fn $name(self, code: &str) -> String {
                match $ty::parse(code) {
                    $(Some($ty::$variant) => self.pick($zh, $en).to_string(),)+
                    None => code.to_string(),
                }
            }
        }
    };
}

labels!(role_request_kind: RoleRequestKind {
    Create => "新建账号", "new account";
    Update => "变更角色", "role change";
});
labels!(role_request_status: RoleRequestStatus {
    Pending => "待审批", "pending";
    Approved => "已批准", "approved";
    Rejected => "已拒绝", "rejected";
});
labels!(role_change_step: RoleChangeStep {
    Requested => "申请授予", "requested";
    Approved => "已批准", "approved";
    Rejected => "已拒绝", "rejected";
    Applied => "已生效", "applied";
});

labels!(gender: Gender { Male => "男", "Male"; Female => "女", "Female"; });
labels!(vip: VipTier {
    None => "普通客户", "Standard";
    Gold => "金卡", "Gold";
    Platinum => "白金", "Platinum";
    Diamond => "钻石", "Diamond";
    Private => "私人银行", "Private banking";
});
labels!(segment: Segment {
    Mass => "大众客户", "Mass";
    Affluent => "财富客户", "Affluent";
    HighNetWorth => "高净值", "High net worth";
    Payroll => "代发工资", "Payroll";
    Senior => "老年客户", "Senior";
    SmallBusiness => "小微企业主", "Small business";
});
labels!(account_kind: AccountKind {
    Savings => "活期储蓄", "Savings";
    TimeDeposit => "定期存款", "Time deposit";
    Current => "结算账户", "Current";
});
labels!(account_status: AccountStatus {
    Active => "正常", "active";
    Dormant => "久悬", "dormant";
    Frozen => "冻结", "frozen";
    Closed => "已销户", "closed";
});
labels!(card_kind: CardKind { Debit => "借记卡", "Debit"; Credit => "信用卡", "Credit"; });
labels!(card_status: CardStatus {
    Active => "正常", "active";
    Lost => "已挂失", "lost";
    Frozen => "冻结", "frozen";
    Retained => "被吞卡", "retained by ATM";
    Expired => "已过期", "expired";
    Closed => "已注销", "closed";
});
labels!(loan_kind: LoanKind {
    Mortgage => "住房贷款", "Mortgage";
    Consumer => "消费贷款", "Consumer loan";
    Business => "经营贷款", "Business loan";
});
labels!(loan_status: LoanStatus {
    Active => "正常", "active";
    Overdue => "逾期", "overdue";
    Settled => "已结清", "settled";
});
labels!(lpr_term: LprTerm { OneYear => "1年期LPR", "1-year LPR"; FiveYear => "5年期以上LPR", "5-year LPR"; });
labels!(txn_channel: Channel {
    Atm => "ATM", "ATM";
    Pos => "POS消费", "card payment";
    Online => "网上支付", "online";
    Counter => "柜面", "counter";
    Transfer => "转账", "transfer";
});
labels!(contact_channel: ContactChannel {
    Phone => "电话", "phone";
    Chat => "在线", "chat";
    Email => "邮件", "email";
    Wechat => "微信", "WeChat";
    Counter => "柜面", "counter";
    Outbound => "外呼", "outbound call";
});
labels!(direction: Direction { Inbound => "呼入", "inbound"; Outbound => "呼出", "outbound"; });
labels!(verification_method: VerificationMethod {
    OneTimeCode => "短信验证码", "one-time code";
    SecurityQuestions => "安全问题", "security questions";
    IdDocument => "证件核验", "ID document";
});
labels!(export_basis: ExportBasis {
    CustomerRequest => "客户本人申请", "customer's own request";
    LegalOrder => "法律文书", "legal order";
});
labels!(export_status: ExportStatus {
    PendingApproval => "待审批", "pending approval";
    Approved => "已批准", "approved";
    Rejected => "已拒绝", "rejected";
});
labels!(order_kind: OrderKind {
    CourtOrder => "法院文书", "Court order";
    PoliceQuery => "公安协查", "Police query";
    PoliceStopPayment => "公安止付", "Police stop-payment";
    RegulatorQuery => "监管查询", "Regulator query";
});
labels!(order_scope: OrderScope {
    Statements => "交易流水", "statements";
    Freeze => "冻结", "freeze";
    StopPayment => "止付", "stop payment";
});
labels!(order_status: OrderStatus {
    PendingVerification => "待核实", "pending verification";
    Active => "有效", "active";
    Revoked => "已撤销", "revoked";
});
labels!(alert_kind: AlertKind {
    NoPurpose => "无正当用途的访问", "Access without a valid purpose";
    ManyCustomers => "一小时内访问客户过多", "Too many customers within an hour";
    SensitiveCustomer => "访问敏感客户", "Access to a sensitive customer";
    RoleChange => "员工角色变更", "Staff role change";
});

labels!(case_status: CaseStatus {
    New => "新建", "new";
    Assigned => "已分派", "assigned";
    InProgress => "处理中", "in progress";
    WaitingCustomer => "等待客户", "waiting on the customer";
    WaitingOtherDept => "等待其他部门", "waiting on another department";
    Resolved => "已解决", "resolved";
    Closed => "已关闭", "closed";
    Reopened => "已重开", "reopened";
});
labels!(day_basis: DayBasis { Calendar => "自然日", "calendar days"; Working => "工作日", "working days"; });
labels!(complexity: Complexity {
    Simple => "一般", "simple";
    Complex => "复杂", "complex";
    VeryComplex => "特别复杂", "very complex";
});
labels!(complaint_channel: ComplaintChannel {
    Phone => "电话", "phone";
    Counter => "柜面", "counter";
    Letter => "信函", "letter";
    Email => "邮件", "email";
    Wechat => "微信", "WeChat";
    Online => "网络", "online";
    Regulator => "监管转送", "from the regulator";
    Media => "媒体", "media";
});
labels!(root_cause: RootCause {
    ProductDesign => "产品设计", "product design";
    Process => "业务流程", "process";
    StaffConduct => "员工行为", "staff conduct";
    SystemFault => "系统故障", "system fault";
    FeesPricing => "收费定价", "fees and pricing";
    DisclosureSuitability => "信息披露与适当性", "disclosure and suitability";
    ThirdParty => "第三方", "third party";
    Communication => "沟通解释", "communication";
    Misunderstanding => "客户误解", "misunderstanding";
});
labels!(severity: Severity {
    Low => "一般", "low";
    Medium => "较大", "medium";
    High => "重大", "high";
    Critical => "特别重大", "critical";
});
labels!(crisis_status: CrisisStatus {
    Open => "处置中", "open";
    Contained => "已控制", "contained";
    Closed => "已结束", "closed";
});
labels!(report_to: ReportTo {
    SuperiorBranch => "上级行", "superior branch";
    HeadOffice => "总行", "head office";
    Regulator => "监管部门", "regulator";
    Cyberspace => "网信部门", "cyberspace authority";
    Publicity => "宣传部门", "publicity department";
});

impl Lang {
    /// What a line of a case's history records.
    pub fn case_action(self, action: &str) -> String {
        let (zh, en) = match action {
            "created" => ("创建", "created"),
            "transition" => ("状态变更", "status"),
            "assignment" => ("分派", "assignment"),
            "note" => ("备注", "note"),
            "contact_linked" => ("关联联系", "contact linked"),
            "reply" => ("答复客户", "answer sent"),
            "extension_requested" => ("申请延期", "extension requested"),
            "extension_approved" => ("延期已批准", "extension approved"),
            "extension_rejected" => ("延期未批准", "extension rejected"),
            "appraisal_started" => ("外部鉴定，暂停计时", "appraisal: clock stopped"),
            "appraisal_ended" => ("鉴定结束，恢复计时", "appraisal over: clock runs"),
            "complaint_updated" => ("投诉信息更新", "complaint updated"),
            "merged" | "merged_with_new_facts" => ("合并重复投诉", "repeat merged"),
            "merged_into" => ("并入其他投诉", "merged into"),
            "crisis_raised" => ("升级为危机事件", "raised to a crisis"),
            "escalation_reminder" => ("到期提醒", "deadline reminder"),
            "escalation_breach" => ("超时督办", "breach escalated"),
            other => return other.to_string(),
        };
        self.pick(zh, en).to_string()
    }

    /// Where a linked contact came from: the call that opened the case, a later one, an
    /// answer or a notice sent.
    pub fn link_role(self, role: &str) -> String {
        let (zh, en) = match role {
            "origin" => ("来源联系", "origin"),
            "linked" => ("关联联系", "linked"),
            "reply" => ("答复", "answer"),
            "notice" => ("告知书", "notice"),
            other => return other.to_string(),
        };
        self.pick(zh, en).to_string()
    }

    /// `延期1次` / `extended once`.
    pub fn extensions(self, n: i64) -> String {
        match (self, n) {
            (_, 0) => self.pick("未延期", "not extended").to_string(),
            (Lang::Zh, n) => format!("已延期{n}次"),
            (Lang::En, 1) => "extended once".to_string(),
            (Lang::En, n) => format!("extended {n} times"),
        }
    }

    /// An SLA: `5个工作日` / `5 working days`.
    pub fn sla(self, days: u32, basis: &str) -> String {
        match self {
            Lang::Zh => format!("{days}个{}", self.day_basis(basis)),
            Lang::En => format!("{days} {}", self.day_basis(basis)),
        }
    }
}

impl Lang {
    pub fn role(self, r: Role) -> &'static str {
        match r {
            Role::Agent => self.pick("一线客服", "Agent"),
            Role::SeniorAgent => self.pick("高级客服", "Senior agent"),
            Role::Backoffice => self.pick("二线后台", "Back office"),
            Role::Supervisor => self.pick("主管", "Supervisor"),
            Role::Qa => self.pick("质检", "QA"),
            Role::Compliance => self.pick("合规", "Compliance"),
            Role::Risk => self.pick("风控", "Risk desk"),
            Role::Branch => self.pick("网点", "Branch"),
            Role::Admin => self.pick("管理员", "Administrator"),
        }
    }

    /// What a purpose is called in the header: the contact's channel for contacts.
    pub fn purpose_kind(self, kind: PurposeKind<'_>) -> String {
        match kind {
            PurposeKind::Contact(Some("phone")) => self.pick("来电", "Call").to_string(),
            PurposeKind::Contact(Some(channel)) => self.contact_channel(channel),
            PurposeKind::Contact(None) => self.pick("客户联系", "Contact").to_string(),
            PurposeKind::Case => self.pick("工单", "Case").to_string(),
            PurposeKind::Order => self.pick("法律文书", "Legal order").to_string(),
        }
    }
}

impl Lang {
    /// An order's effective status: its stored status, or `expired` once past validity
    /// (a state no row stores, so it is not one of [`OrderStatus`]'s variants).
    pub fn order_effective_status(self, code: &str) -> String {
        match code {
            "expired" => self.pick("已过期", "expired").to_string(),
            other => self.order_status(other),
        }
    }

    /// What a `many_customers` alert counted: `42位客户（阈值30）`.
    /// Roles in words, joined; a dash for none.
    pub fn roles(self, roles: &[Role]) -> String {
        if roles.is_empty() {
            return "—".to_string();
        }
        let sep = self.pick("、", ", ");
        roles
            .iter()
            .map(|r| self.role(*r))
            .collect::<Vec<_>>()
            .join(sep)
    }

    /// A role change alert's step, account and roles: `申请授予：agent11（一线客服 → 主管）`.
    pub fn role_change(self, step: &str, user: &str, from: &[Role], to: &[Role]) -> String {
        let step = self.role_change_step(step);
        let (from, to) = (self.roles(from), self.roles(to));
        match self {
            Lang::Zh => format!("{step}：{user}（{from} → {to}）"),
            Lang::En => format!("{step}: {user} ({from} → {to})"),
        }
    }

    pub fn many_customers(self, seen: u64, threshold: u64) -> String {
        match self {
            Lang::Zh => format!("{seen}位客户（阈值{threshold}）"),
            Lang::En => format!("{seen} customers (threshold {threshold})"),
        }
    }

    /// The audit chain checked out whole.
    pub fn chain_ok(self, entries: u64) -> String {
        match self {
            Lang::Zh => format!("审计链完整：已逐条校验 {entries} 条记录。"),
            Lang::En => format!("The audit chain is intact: {entries} records checked one by one."),
        }
    }

    /// Where the audit chain breaks: that record, or one before it, was changed or removed.
    pub fn chain_broken(self, seq: i64) -> String {
        match self {
            Lang::Zh => format!(
                "审计链在第 {seq} 号记录处断裂：该记录被改动，或其前的记录被删除。请立即上报。"
            ),
            Lang::En => format!(
                "The audit chain breaks at record {seq}: that record was changed, or one before it removed. Report this at once."
            ),
        }
    }

    /// The chain's signed checkpoints cannot be read as signed (a changed line, or none
    /// at all), so a cut at either end cannot be ruled out.
    pub fn chain_checkpoints_untrusted(self) -> String {
        match self {
            Lang::Zh => "审计链的签名检查点无法核验（检查点文件被改动或缺失），无法排除首尾记录被截断。请立即上报。".to_string(),
            Lang::En => "The audit chain's signed checkpoints cannot be verified (the checkpoint file was changed or is missing), so a cut at either end cannot be ruled out. Report this at once.".to_string(),
        }
    }
}

/// The kind of purpose in use, with the contact's channel when known.
#[derive(Clone, Copy, Debug)]
pub enum PurposeKind<'a> {
    Contact(Option<&'a str>),
    Case,
    Order,
}

/// Declares [`Messages`] and its two instances from one list, Chinese then English.
macro_rules! catalogue {
    ($($key:ident: $zh:literal, $en:literal;)+) => {
        /// Every fixed text of the desktop, in one language.
        pub struct Messages {
            $(pub $key: &'static str,)+
        }

        static ZH: Messages = Messages { $($key: $zh,)+ };
        static EN: Messages = Messages { $($key: $en,)+ };
    };
}

catalogue! {
    // Layout
    app_name: "bankdesk 客服工作台", "bankdesk agent desktop";
    nav_search: "客户查询", "Customer search";
    nav_admin: "用户管理", "Users";
    nav_exports: "对账单导出", "Statement exports";
    nav_alerts: "合规告警", "Alerts";
    nav_orders: "法律文书", "Legal orders";
    nav_audit: "审计日志", "Audit log";
    logout: "退出", "Log out";
    other_language: "English", "中文";
    none: "无", "None";
    dash: "—", "—";
    colon: "：", ": ";
    back: "返回", "Back";
    go_home: "返回首页", "Home";

    // Login
    login_title: "员工登录", "Staff login";
    username: "用户名", "Username";
    password: "密码", "Password";
    login_button: "登录", "Log in";
    login_hint: "仅限本行员工使用；所有登录和客户资料访问均记入审计日志。", "For bank staff only. Every login and every look at customer data is recorded in the audit log.";
    err_bad_credentials: "用户名或密码错误。", "Wrong username or password.";
    err_locked: "登录失败次数过多，账户已暂时锁定。请稍后再试或联系管理员。", "Too many failed logins: the account is locked for a while. Try again later or ask an administrator.";
    err_login_expired: "登录表单已过期，请重新输入。", "The login form had expired; please enter your details again.";

    // Home and search
    search_title: "客户识别", "Identify the customer";
    search_by: "查询方式", "Search by";
    by_phone: "手机号", "Phone number";
    by_id_number: "身份证号", "ID number";
    by_card_number: "卡号", "Card number";
    by_name: "姓名", "Name";
    search_button: "查询", "Search";
    search_placeholder: "来电号码、证件号、卡号或姓名", "Caller's number, ID number, card number or name";
    search_audited: "查询仅用于识别客户，每次查询都会记入审计日志；查看资料需先建立联系。", "Searching only identifies a customer and is audited; to see their data, open a contact.";
    searched_for: "查询条件", "Searched for";
    results: "查询结果", "Results";
    no_hits: "未找到符合条件的客户。", "No customer matches.";
    err_search_empty: "请输入查询内容。", "Type something to search for.";
    err_search_phone: "手机号格式不正确：应为11位手机号或带区号的固定电话。", "Not a phone number: give an 11-digit mobile or a landline with its area code.";
    err_search_id_number: "身份证号格式不正确：应为18位且校验位正确。", "Not an ID number: 18 characters with a correct check character.";
    err_search_card_number: "卡号格式不正确：应为16至19位数字且通过校验。", "Not a card number: 16 to 19 digits passing the Luhn check.";
    err_search_name: "姓名不能超过50个字。", "A name has at most 50 characters.";
    col_name: "姓名", "Name";
    col_phone: "手机号", "Phone";
    col_vip: "客户等级", "Tier";
    open_contact: "建立来电联系", "Open phone contact";
    no_contact_role: "您的角色不能建立客户联系。", "Your roles cannot open contacts with customers.";
    my_contacts: "我的进行中联系", "My open contacts";
    no_open_contacts: "当前没有进行中的联系。", "You have no open contacts.";
    col_contact: "联系", "Contact";
    col_channel: "渠道", "Channel";
    col_opened: "开始时间", "Opened";
    col_customer: "客户编号", "Customer";
    resume: "继续处理", "Resume";
    closed_notice: "已小结并结束联系：", "Wrapped up and closed: ";

    // Customer 360
    customer_title: "客户视图", "Customer 360";
    label_id_number: "证件号", "ID number";
    label_phones: "电话", "Phones";
    label_city: "城市", "City";
    label_address: "地址", "Address";
    label_segment: "客群", "Segment";
    sensitive_flag: "敏感客户：每次查看均通知合规部门", "Sensitive customer: every view is reported to compliance";
    purpose_label: "用途", "Purpose";
    purpose_audited: "本次查看已记入审计日志", "This view is recorded in the audit log";
    sec_cards: "卡片", "Cards";
    sec_accounts: "账户", "Accounts";
    sec_loans: "贷款", "Loans";
    sec_holdings: "理财持仓", "Wealth holdings";
    sec_transactions: "近期交易", "Recent transactions";
    sec_cases: "未结工单", "Open cases";
    sec_timeline: "历史联系与备注", "Past contacts and notes";
    sec_current: "当前联系", "Current contact";
    col_card: "卡号", "Card";
    col_kind: "类型", "Type";
    col_product: "产品", "Product";
    col_status: "状态", "Status";
    col_limit: "额度", "Limit";
    col_available: "可用", "Available";
    col_owed: "欠款", "Owed";
    col_expiry: "有效期", "Expires";
    temp_limit: "临时额度", "Temporary";
    until: "至", "until";
    overpaid: "溢缴款", "Overpaid";
    col_account: "账户", "Account";
    col_currency: "币种", "Currency";
    col_balance: "余额", "Balance";
    col_branch: "开户网点", "Branch";
    col_opened_on: "开户日", "Opened";
    col_outstanding: "剩余本金", "Outstanding";
    of_principal: "本金", "principal";
    col_rate: "执行利率", "Rate";
    spread: "加点", "spread";
    next_repricing: "下次重定价", "Next repricing";
    rate_then: "届时利率", "rate then";
    lpr_now: "当前LPR", "LPR today";
    monthly_payment: "月供", "Monthly payment";
    months_left: "剩余期数", "Months left";
    col_due: "还款日", "Due";
    col_payment: "应还", "Payment";
    col_principal: "本金", "Principal";
    col_interest: "利息", "Interest";
    col_holding: "产品", "Product";
    col_risk: "风险", "Risk";
    col_cost: "成本", "Cost";
    col_value: "市值", "Value";
    col_nav: "净值", "NAV";
    col_gain: "盈亏", "Gain/loss";
    col_time: "时间 (UTC+8)", "Time (UTC+8)";
    col_merchant: "商户 / 摘要", "Merchant / description";
    col_place: "地点", "Place";
    col_amount: "金额", "Amount";
    col_case: "工单", "Case";
    col_department: "部门", "Department";
    col_summary: "摘要", "Summary";
    col_due_at: "时限", "Due";
    handled_by: "处理人", "Handled by";
    this_contact: "本次", "this contact";
    resolved_yes: "已解决", "resolved";
    resolved_no: "未解决", "not resolved";
    no_notes: "无备注", "No notes";
    note_label: "备注（下一位客服会看到）", "Note (the next agent will read it)";
    note_placeholder: "客户诉求、已核实的信息、已办理的事项、待跟进事项", "What the customer wants, what was verified, what was done, what is pending";
    add_note: "保存备注", "Save note";
    wrap_up_title: "小结并结束联系", "Wrap up and close";
    category: "分类", "Category";
    choose: "请选择", "Choose";
    resolved_question: "是否解决", "Resolved?";
    yes: "是", "Yes";
    no: "否", "No";
    summary: "小结", "Summary";
    wrap_up_button: "提交小结", "Wrap up";
    acw_title: "话后处理", "After-call work";
    acw_lead: "通话已结束，客户资料随之关闭。请补充备注并提交小结。", "The call has ended, and with it your access to the customer's data. Add your notes and wrap up.";
    acw_channel: "渠道", "Channel";
    acw_opened: "开始", "Started";
    acw_closed: "结束", "Ended";
    acw_notes: "本次备注", "Notes on this contact";

    // Identity verification, reveal and export on the 360 page
    identity_passed: "身份已核验", "Identity verified";
    identity_failed: "身份核验未通过", "Identity check failed";
    identity_none: "未核验", "Identity not verified";
    identity_title: "身份核验", "Identity verification";
    identity_method: "方式", "Method";
    identity_result: "结果", "Result";
    result_passed: "通过", "Passed";
    result_failed: "未通过", "Failed";
    identity_record: "记录核验结果", "Record the result";
    identity_hint: "代客户办理（导出对账单、告知完整号码）须先核验通过。", "Acting for the customer (a statement export, reading out a full number) needs a passed verification.";
    reveal: "显示", "Show";
    reveal_title: "显示完整号码", "Show the full number";
    reveal_reason: "原因（记入审计日志）", "Reason (recorded in the audit log)";
    reveal_reason_placeholder: "如：客户要求核对卡号", "e.g. the customer checks the card number";
    reveal_button: "显示完整号码", "Show full number";
    revealed_title: "完整号码", "Full number";
    revealed_lead: "仅在本页显示一次，不保存在页面地址或浏览器缓存中。请勿抄录、截屏或转发。", "Shown once, on this page only: it is kept neither in the address nor in the browser's cache. Do not copy, photograph or forward it.";
    revealed_audited: "本次显示已连同用途和原因记入审计日志。", "This reveal is recorded in the audit log with its purpose and reason.";
    revealed_back: "返回客户视图", "Back to the customer";
    export_title: "申请导出对账单", "Request a statement export";
    export_from: "起始日期", "From";
    export_to: "截止日期（含）", "To (inclusive)";
    export_basis: "依据", "Basis";
    export_hint: "须本次联系中身份核验通过；提交后由另一位主管审批，批准后方可下载，每次下载均记入审计日志。", "Needs a passed identity verification on this contact; a supervisor approves before the file can be downloaded, and every download is audited.";
    export_button: "提交导出申请", "Submit the request";
    export_requested: "已提交对账单导出申请，等待主管审批：", "Statement export requested, waiting for a supervisor's approval: ";
    err_reveal_reason: "请说明原因（4至200字），它将记入审计日志。", "Give a reason of 4 to 200 characters; it goes into the audit log.";
    err_reveal_field: "没有说明要显示哪个号码。", "The form did not say which number to show.";
    err_rate_limited_title: "已达次数上限", "Limit reached";
    err_rate_limited: "本小时内显示完整号码的次数已达上限，请到下一个整点再试；确有需要请联系主管。", "You have revealed as many numbers as allowed in this hour. Try again after the hour turns, or ask your supervisor.";
    err_identity_title: "需先核验客户身份", "Verify the customer's identity first";
    err_identity: "代客户办理之前，须在本次联系中核验客户身份并记录为“通过”。请先完成身份核验，再重新提交。", "Before acting for the customer, verify their identity on this contact and record it as passed, then submit again.";
    err_identity_form: "请选择核验方式和结果。", "Choose the method and the result.";
    err_export_range: "日期有误：请填写起止日期，截止日期不早于起始日期，一次最多五年。", "Check the dates: give both, the end not before the start, at most five years.";

    // Statement exports
    exports_title: "对账单导出", "Statement exports";
    exports_pending: "待审批的导出申请", "Exports waiting for approval";
    exports_none_pending: "没有待审批的申请。", "Nothing is waiting for approval.";
    exports_mine: "我申请的导出", "My export requests";
    exports_none_mine: "您还没有申请过对账单导出。", "You have not requested any statement exports.";
    exports_dual_control: "双人控制：申请人不能审批自己的申请；客户本人申请的导出由主管审批，依据法律文书的导出也可由合规审批。文件在批准后生成，首行为水印，每次下载均记入审计日志。", "Dual control: nobody approves their own request; supervisors approve customers' requests, and compliance may approve legal-order exports. The file exists only once approved, carries a watermark line, and every download is audited.";
    col_export: "编号", "Export";
    col_requester: "申请人", "Requested by";
    col_range: "期间", "Period";
    col_basis: "依据", "Basis";
    col_purpose: "用途", "Purpose";
    col_requested_at: "申请时间", "Requested";
    col_approver: "审批人", "Approved by";
    rows_unit: "行", "rows";
    approve: "批准", "Approve";
    download: "下载", "Download";
    export_approved: "已批准导出：", "Approved export: ";
    err_same_person_export: "双人控制：您不能审批自己提交的申请，须由另一位主管审批。", "Dual control: you cannot approve your own request; another supervisor must.";
    err_compliance_customer_export: "合规人员只能审批依据法律文书的导出；客户本人申请的导出须由主管审批。", "Compliance approves legal-order exports only; a customer's own request is approved by a supervisor.";
    err_export_not_pending: "该申请已不在待审批状态，操作没有执行。", "That request is no longer waiting for approval; nothing was changed.";
    err_not_approved_title: "尚未批准", "Not approved yet";
    err_not_approved: "该导出尚未经第二人批准，文件尚不存在。", "The export has not been approved by a second person, so there is no file yet.";
    err_download_forbidden: "只有申请人和审批人可以下载该文件。", "Only the requester and the approver may download this file.";

    // Compliance: alerts
    alerts_title: "内部访问告警", "Insider-access alerts";
    alerts_hint: "告警由访问控制自动产生；证据编号链接到审计日志中的原始记录。", "The access gate raises these alerts; the evidence numbers link to the records in the audit log.";
    alerts_open: "待处理", "Open";
    alerts_acknowledged: "已确认，待关闭", "Acknowledged, to be closed";
    alerts_none: "没有告警。", "No alerts.";
    col_alert_kind: "类型", "Kind";
    col_who: "员工", "Staff member";
    col_when: "时间", "When";
    col_evidence: "证据", "Evidence";
    alert_granted: "访问已获准", "access granted";
    alert_refused: "访问被拒绝", "access refused";
    acknowledge: "确认", "Acknowledge";
    close_alert: "关闭", "Close";
    alert_updated: "已更新告警：", "Alert updated: ";
    err_alert_status: "告警只能确认或关闭。", "An alert can only be acknowledged or closed.";

    // Compliance: legal orders
    orders_title: "法律文书登记簿", "Legal-order register";
    orders_none: "尚未登记法律文书。", "No legal orders are registered.";
    orders_hint: "登记后须由另一位合规人员核对原件并核实；核实前不授予任何访问，过期即失效。文书只开放交易流水（对账单）的查询与导出。", "Another compliance officer checks the document and verifies it; until then an order grants nothing, and it ends on expiry. An order opens statements (queries and exports) only.";
    col_order_kind: "类型", "Kind";
    col_issuer: "出具机关", "Issuer";
    col_document_no: "文书编号", "Document no.";
    col_scope: "范围", "Scope";
    col_validity: "有效期", "Validity";
    col_registered_by: "登记人", "Registered by";
    col_verified_by: "核实人", "Verified by";
    verify: "核实", "Verify";
    order_register: "登记法律文书", "Register a legal order";
    order_register_button: "登记", "Register";
    valid_from: "生效日期", "Valid from";
    valid_until: "失效日期（含）", "Valid until (inclusive)";
    order_registered: "已登记，待另一位合规人员核实：", "Registered, waiting for a second officer: ";
    order_verified: "已核实并生效：", "Verified and active: ";
    err_same_person_order: "须由另一位合规人员核实：登记人不能核实自己登记的文书。", "A second compliance officer must verify it: the registrant cannot verify their own order.";
    err_order_not_pending: "该文书已不在待核实状态，操作没有执行。", "That order is no longer waiting for verification; nothing was changed.";
    err_order_kind: "请选择文书类型。", "Choose the kind of order.";
    err_issuer: "请填写出具机关（不超过200字）。", "Give the issuer (up to 200 characters).";
    err_document_no: "请填写文书编号（不超过100字）。", "Give the document number (up to 100 characters).";
    err_scope: "请至少选择一项范围。", "Choose at least one scope.";
    err_validity: "请填写有效期，失效日期不得早于生效日期。", "Give the validity; it cannot end before it starts.";
    err_order_customer: "没有这个客户编号。", "No customer has that number.";

    // Compliance: audit log
    audit_title: "审计日志", "Audit log";
    filter_actor: "员工用户名", "Staff username";
    filter_action: "操作", "Action";
    filter_from: "起始日期", "From";
    filter_to: "截止日期（含）", "To (inclusive)";
    filter_button: "筛选", "Filter";
    filter_reset: "清除筛选", "Clear";
    download_csv: "下载CSV", "Download CSV";
    download_csv_hint: "使用相同筛选条件；下载本身记入审计日志。", "Same filters; the download is itself audited.";
    col_seq: "序号", "Seq";
    col_action: "操作", "Action";
    col_detail: "详情", "Detail";
    older: "更早的记录 →", "Older records →";
    newest: "← 最新记录", "← Newest";
    audit_none: "没有符合条件的记录。", "No records match.";
    audit_evidence: "告警证据记录", "Alert evidence";
    show_all: "显示全部记录", "Show all records";
    err_filter_date: "日期格式应为 YYYY-MM-DD。", "Dates are YYYY-MM-DD.";

    // Refusal
    refusal_title: "查看客户资料需要正当用途", "A purpose is needed to see customer data";
    refusal_lead: "客户资料只在有正当用途时显示。以下任一用途即可：", "Customer data is shown only for a purpose. Any one of these will do:";
    need_contact: "与该客户的进行中联系，且由您本人处理", "an open contact with this customer, handled by you";
    need_case: "该客户的工单，指派给您本人或您所在的部门", "a case of this customer, assigned to you or to your department";
    need_order: "经合规部门核实、在有效期内且指明该客户的法律文书", "an active legal order, verified by compliance, naming this customer";
    refusal_reason: "本次拒绝原因", "Why this request was refused";
    refusal_audited: "本次被拒绝的访问已记入审计日志。", "This refused access is recorded in the audit log.";
    refusal_open: "客户正在来电？建立来电联系后即可查看：", "Is the customer on the line? Open a phone contact to continue:";
    refusal_use_contact: "使用您与该客户的进行中联系：", "Use your open contact with this customer:";
    deny_required: "没有提供用途。", "No purpose was given.";
    deny_malformed: "用途格式应为 contact:<编号>、case:<编号> 或 order:<编号>。", "A purpose is contact:<id>, case:<id> or order:<id>.";
    deny_unknown: "找不到该用途对应的记录。", "No record exists for that purpose.";
    deny_other_customer: "该用途属于另一位客户。", "That purpose concerns another customer.";
    deny_contact_closed: "该联系已经结束。", "That contact is closed.";
    deny_not_handler: "该联系由其他员工处理。", "That contact is handled by someone else.";
    deny_not_assigned: "该工单既未指派给您，也未指派给您的部门。", "That case is assigned neither to you nor to your department.";
    deny_case_closed: "该工单已关闭。", "That case is closed.";
    deny_order_inactive: "该法律文书未生效或已过期。", "That legal order is not active.";
    deny_out_of_scope: "该法律文书的范围不包括此项查询。", "That legal order's scope does not cover this.";

    // Errors
    err_not_found_title: "未找到", "Not found";
    err_not_found: "该客户或记录不存在。", "No such customer or record.";
    err_csrf_title: "表单已失效", "Form expired";
    err_csrf: "表单安全校验未通过，操作没有执行。请返回、刷新页面后重试。", "The form's security token did not match, so nothing was changed. Go back, reload the page and try again.";
    err_forbidden_title: "无权操作", "Not allowed";
    err_forbidden: "您的角色无权进行此操作。", "Your roles do not allow this.";
    err_conflict_title: "无法执行", "Cannot do that";
    err_conflict: "该记录已被修改或已经结束，操作没有执行。", "The record has changed or is already closed; nothing was changed.";
    err_invalid_title: "输入有误", "Check your input";
    err_note: "备注不能为空，且不超过4000字。", "A note must not be empty and has at most 4,000 characters.";
    err_summary: "小结不超过4000字。", "A summary has at most 4,000 characters.";
    err_category: "请选择小结分类，并说明是否解决。", "Choose a category and whether the matter was resolved.";
    err_internal_title: "系统错误", "Something went wrong";
    err_internal: "系统出现错误，已记录日志。请稍后重试。", "Something failed on our side; it has been logged. Please try again shortly.";
    err_unavailable: "数据库暂时不可用，请稍后重试。", "The database is unavailable; try again shortly.";
    err_same_person_title: "须由另一人完成", "Someone else must do this";
    err_same_person: "双人控制：这一步须由另一位员工完成，不能由申请人或登记人本人操作。", "Dual control: another member of staff must do this step, not the one who asked or registered.";

    // Exams
    nav_exams: "考试", "Exams";
    exams_title: "业务考试", "Exams";
    exams_none_open: "目前没有开放的考试。", "No exam is open now.";
    exam_col_title: "考试", "Exam";
    exam_col_month: "月份", "Month";
    exam_col_questions: "题数", "Questions";
    exam_col_minutes: "限时（分钟）", "Time limit (min)";
    exam_col_pass_mark: "合格分", "Pass mark";
    exam_col_closes: "截止", "Closes";
    exam_col_started: "开始时间", "Started";
    exam_col_status: "状态", "Status";
    exam_col_score: "得分", "Score";
    exam_start: "开始 / 继续作答", "Start / resume";
    exam_rules: "开始后计时，超过限时提交的试卷按不合格处理；每场考试的作答次数有限。", "The clock starts when you begin; a paper handed in after the time limit fails. Attempts per exam are limited.";
    exam_history: "我的考试记录", "My exam history";
    exam_in_progress: "作答中", "In progress";
    exam_submitted: "已交卷", "Submitted";
    exam_timed_out: "超时", "Timed out";
    exam_passed: "合格", "Passed";
    exam_failed: "不合格", "Failed";
    exam_deadline: "交卷截止", "Hand in by";
    exam_several: "（多选）", "(choose all that apply)";
    exam_submit: "交卷", "Hand in";
    exam_refused: "考试已结束、已超时或作答次数已用完。", "The exam is closed, the time is up, or no attempts are left.";

    // The public help center
    help_title: "帮助中心", "Help center";
    help_search_label: "您遇到了什么问题？", "What can we help you with?";
    help_search_placeholder: "例如：卡被取款机吞了怎么办", "e.g. the ATM kept my card";
    help_search_button: "搜索", "Search";
    help_in_category: "分类", "Topic";
    help_all_topics: "全部分类", "All topics";
    help_nothing: "没有找到相关内容。请换个说法，或拨打客服热线咨询。", "Nothing found. Try other words, or call our service hotline.";
    help_topics: "按分类浏览", "Browse by topic";
    help_contact: "没有解决您的问题？请拨打本行客服热线，或到就近网点咨询。", "Still need help? Call our service hotline or visit a branch.";
    help_not_found: "该帮助内容不存在或已下线。", "That help article does not exist or has been withdrawn.";

    // Cases
    nav_cases: "工单", "Cases";
    nav_complaints: "投诉登记簿", "Complaints";
    nav_crises: "危机看板", "Crisis board";
    cases_title: "工单", "Cases";
    cases_mine: "我部门、分派给我或我创建的工单", "My department's, mine and those I opened";
    all_departments: "全部部门", "All departments";
    any_status: "全部状态", "Any status";
    only_overdue: "只看已超时", "Overdue only";
    cases_none: "没有符合条件的工单。", "No cases match.";
    overdue_badge: "已超时", "overdue";
    paused_badge: "暂停计时", "clock stopped";
    col_assignee: "处理人", "Assignee";
    col_type: "类型", "Type";
    case_title: "工单", "Case";
    case_customer: "客户", "Customer";
    case_view_customer: "查看客户视图（以本工单为用途）", "Open the customer's 360 (this case as purpose)";
    case_sla: "时限", "SLA";
    case_due: "到期", "Due";
    case_opened_by: "创建人", "Opened by";
    case_fields: "表单", "Form";
    case_unassigned: "未分派", "unassigned";
    sec_complaint: "投诉信息", "Complaint";
    received_at: "受理时间", "Received";
    col_complexity: "复杂程度", "Complexity";
    subject_staff: "被投诉人员", "Staff complained about";
    subject_branch: "被投诉机构", "Branch complained about";
    root_causes: "根因", "Root causes";
    merged_into: "已并入", "Merged into";
    answered_at: "答复时间", "Answered";
    sec_move: "处理", "Work the case";
    move_to: "变更为", "Move to";
    move_note: "说明", "Note";
    reply_label: "答复客户（解决时必填；投诉答复会附上救济途径）", "Answer to the customer (needed to resolve; a complaint's answer gets the routes of redress)";
    move_button: "提交", "Submit";
    sec_assign: "分派", "Assign";
    assignee_username: "处理人用户名", "Assignee's username";
    assign_button: "分派", "Assign";
    sec_case_note: "添加备注", "Add a note";
    sec_extension: "延期（投诉）", "Extension (complaints)";
    extension_reason: "延期原因（将告知投诉人）", "Reason (the complainant is told)";
    extension_button: "申请延期", "Request an extension";
    extension_hint: "复杂投诉可延至30日，特别复杂的经上级机构批准可再延30日；须由另一位主管或消保合规人员审批。", "Complex complaints may go to 30 days, very complex ones a further 30 with the superior institution's approval; another supervisor or consumer-protection officer signs off.";
    approval_ref: "上级批准文号（再延30日时必填）", "Superior's approval reference (for the further 30 days)";
    col_level: "级别", "Level";
    col_reason: "原因", "Reason";
    col_new_due: "新时限", "New due date";
    sec_appraisal: "外部鉴定", "External appraisal";
    appraisal_start: "开始外部鉴定（暂停计时并告知投诉人）", "Start appraisal (stops the clock, tells the complainant)";
    appraisal_end: "鉴定结束，恢复计时", "Appraisal over: restart the clock";
    sec_history: "处理记录", "History";
    col_from_to: "变更", "Change";
    sec_case_contacts: "关联联系与答复", "Contacts and answers";
    col_role: "类别", "Kind";
    col_text: "内容", "Text";
    case_saved: "已保存。", "Saved.";
    err_recused: "回避：处理人不得是被投诉人员或被投诉机构的员工。", "Recusal: the handler may not be the person or branch complained about.";
    err_illegal_transition: "当前状态不能变更为所选状态。", "The case cannot move to that state from where it is.";
    complaints_title: "投诉登记簿", "Complaint register";
    complaints_hint: "按受理时间排列；客户姓名已脱敏。下载本身记入审计日志。", "By date received; names are masked. Reading it is audited.";
    complaints_none: "所选期间没有投诉。", "No complaints in that period.";
    crises_title: "危机看板", "Crisis board";
    crises_live: "处置中的危机事件", "Live crises";
    crises_none: "没有处置中的危机事件。", "No live crises.";
    signals_waiting: "待研判的负面舆情", "Negative posts waiting";
    signals_none: "没有待研判的舆情。", "No posts are waiting.";
    col_severity: "级别", "Severity";
    col_title: "事件", "Crisis";
    col_owner: "负责人", "Owner";
    col_source: "来源", "Source";
    col_reach: "阅读量", "Reach";
    col_watch_words: "命中关键词", "Watch words";
    dismiss: "排除", "Dismiss";
    raise_crisis: "升级为危机", "Raise a crisis";
    crisis_timeline: "处置记录", "Timeline";
    crisis_action: "记录处置措施", "Record an action";
    crisis_report: "向上报告", "Report upward";
    report_to: "报告对象", "Report to";
    crisis_signals: "关联舆情", "Linked posts";

    // Administration
    admin_title: "用户管理", "Users";
    col_username: "用户名", "Username";
    col_display_name: "显示名", "Display name";
    col_roles: "角色", "Roles";
    col_active: "启用", "Active";
    save: "保存", "Save";
    create_user: "新建用户", "New user";
    create_button: "创建用户", "Create user";
    username_hint: "小写字母、数字、_ 和 .，最多32位", "a-z, 0-9, _ and ., up to 32";
    password_hint: "至少12个字符", "at least 12 characters";
    you: "（您本人）", "(you)";
    user_created: "已创建用户：", "Created user: ";
    user_saved: "已保存用户：", "Saved user: ";
    err_username: "用户名须为1至32位小写字母、数字、_ 或 .。", "A username is 1-32 characters of a-z, 0-9, _ and ..";
    err_display_name: "显示名须为1至50个字。", "A display name has 1 to 50 characters.";
    err_password: "密码须为12至256个字符。", "A password has 12 to 256 characters.";
    err_roles: "请至少选择一个角色。", "Choose at least one role.";
    err_department: "部门不超过50个字。", "A department has at most 50 characters.";
    err_username_taken: "该用户名已存在。", "That username is taken.";
    err_self_admin: "不能停用自己的账号。", "You cannot deactivate yourself.";
    err_own_roles: "不能修改自己的角色，须由另一位管理员操作。", "Nobody changes their own roles; another administrator must do it.";
    err_separation: "职责分离：同一人不能同时担任管理员和合规人员或主管。", "Separation of duties: one person cannot be an administrator and also compliance or a supervisor.";
    err_role_pending: "该账号已有待审批的角色申请，审批结束前不能再修改其角色。", "A role request for this account is waiting for a decision; its roles cannot change until then.";
    user_role_requested: "已提交角色审批，须由另一位管理员或合规人员批准后生效：", "Role request submitted; it takes effect once another administrator or a compliance officer approves: ";
    user_pending_badge: "角色待审批", "roles pending approval";
    admin_pending_title: "待审批的角色申请", "Role requests waiting for a decision";
    admin_pending_hint: "授予主管、合规、风控或管理员角色，以及新建持有这些角色的账号，须由另一位管理员或合规人员批准；新账号在批准前不能登录。", "Granting supervisor, compliance, risk or admin, and creating an account that holds one, needs another administrator or a compliance officer to approve; a new account cannot log in until then.";
    nav_role_requests: "角色审批", "Role requests";
    role_requests_title: "角色审批", "Role requests";
    role_requests_hint: "授予特权角色须双人控制：提出申请的管理员不能审批，任何人也不能审批涉及自己账号的申请。批准时会再次检查职责分离规则（管理员不得兼任合规或主管）。", "Privileged roles are granted under dual control: the administrator who asked cannot decide, nor can anyone decide a request about their own account. Approval checks separation of duties again (an administrator is never also compliance or a supervisor).";
    role_requests_none: "没有待审批的角色申请。", "No role requests are waiting.";
    role_requests_recent: "最近的角色申请", "Recent role requests";
    col_staff_account: "账号", "Account";
    col_request_kind: "类型", "Kind";
    col_roles_from: "现有角色", "Roles held";
    col_roles_to: "申请角色", "Roles asked for";
    col_decided_by: "处理人", "Decided by";
    reject: "拒绝", "Reject";
    role_request_approved: "已批准角色申请：", "Role request approved: ";
    role_request_rejected: "已拒绝角色申请：", "Role request rejected: ";
    err_same_person_role: "双人控制：不能审批自己提出的角色申请。", "Dual control: you cannot decide a role request you made.";
    err_own_account_role: "不能审批涉及自己账号的角色申请。", "You cannot decide a role request about your own account.";
    err_role_request_stale: "该申请已处理，或账号的角色在申请后已变化。", "The request is already decided, or the account's roles changed since it was made.";
    err_role_request_forbidden: "角色申请须由另一位管理员或合规人员审批。", "Another administrator or a compliance officer decides role requests.";
    alert_about_you: "与您本人有关，须由另一位合规人员处理", "About you: another compliance officer handles it";
    err_own_alert: "这条告警与您本人有关，须由另一位合规人员处理。", "This alert is about you; another compliance officer handles it.";
    err_conflict_of_interest_title: "与您本人有关", "It concerns you";
    err_conflict_of_interest: "这项操作涉及您本人（自己的角色、关于自己的告警或自己账号的审批），须由另一位同事完成。", "This concerns you (your own roles, an alert about you, or a request about your account); a colleague must do it.";
    err_separation_title: "职责分离", "Separation of duties";
    // Agent workspace (web chat, screen pop, agent assist)
    nav_workspace: "坐席工作区", "Workspace";
    ws_title: "坐席工作区", "Agent workspace";
    ws_state: "我的状态", "My state";
    ws_connecting: "正在连接…", "Connecting…";
    ws_connected: "已连接", "Connected";
    ws_offline: "连接中断，正在重连…", "Connection lost, reconnecting…";
    ws_chats: "我的在线会话", "My chats";
    ws_no_chats: "暂无会话。状态设为“空闲”后，新的在线咨询会自动分配给您。", "No chats. Set your state to available and new chats are routed to you.";
    ws_pick_chat: "请从左侧选择一个会话。", "Pick a chat on the left.";
    ws_customer: "客户", "Customer";
    ws_agent: "客服", "Agent";
    ws_system: "系统", "System";
    ws_unverified: "客户身份未核验", "Identity not verified";
    ws_verified: "客户身份已核验", "Identity verified";
    ws_typing: "客户正在输入…", "The customer is typing…";
    ws_delivered: "已送达", "Delivered";
    ws_read: "已读", "Read";
    ws_closed: "对话已结束，请在客户视图中完成话后小结。", "The chat has ended; wrap it up in the customer view.";
    ws_reply: "回复客户", "Reply to the customer";
    ws_send: "发送", "Send";
    ws_end_chat: "结束对话", "End chat";
    ws_screen_pop: "来电/会话弹屏", "Screen pop";
    ws_pop_unknown: "客户尚未识别：可请客户在对话中验证身份。", "Customer not identified yet: ask them to verify in the chat.";
    ws_open_360: "打开客户360视图", "Open the customer's 360 view";
    ws_assist: "知识推荐", "Suggested knowledge";
    ws_assist_none: "客户发来消息后，这里推荐三条相关知识点。", "Three knowledge points for the customer's last message appear here.";
    ws_insert: "插入话术", "Insert script";
    ws_no_script: "（该知识点没有话术）", "(no script for this point)";
    // Email and WeChat: the inbox, replies, the outbox
    nav_inbox: "邮件/微信", "Email & WeChat";
    nav_outbox: "发送失败", "Failed sends";
    inbox_title: "待处理的邮件与微信消息", "Email and WeChat messages waiting";
    inbox_hint: "按到达先后排列。领取后即由您处理，并可回复客户。", "Oldest first. Take one to handle it and reply to the customer.";
    inbox_empty: "没有待处理的消息。", "No messages are waiting.";
    take: "领取", "Take";
    col_from: "发件人", "From";
    col_message: "内容", "Message";
    unknown_sender: "未绑定客户", "Not bound to a customer";
    taken_no_customer: "已领取。发件人尚未绑定客户：请向客户确认手机号并关联客户；在客户页面核验身份通过后，此发件人即绑定该客户。", "Taken. The sender is not bound to a customer yet: ask for their mobile number and attach the customer; once identity verification passes on the customer page, this sender is bound to them.";
    attach_phone: "客户手机号", "Customer's mobile number";
    attach_button: "关联并打开客户页面", "Attach and open the customer";
    err_attach_phone: "请输入一个能唯一找到客户的手机号。", "Give a mobile number that finds exactly one customer.";
    msg_in: "客户来信", "From the customer";
    msg_out: "我方回复", "Our reply";
    attempts: "尝试次数", "Attempts";
    last_error: "最近错误", "Last error";
    msg_reply_label: "回复客户", "Reply to the customer";
    reply_placeholder: "回复将通过原渠道（邮件或微信）发出，发送失败会在此显示。", "The reply goes out on the same channel (email or WeChat); a failed send shows here.";
    reply_button: "发送回复", "Send reply";
    linked_cases: "关联工单", "Linked cases";
    outbox_title: "发送失败的回复", "Replies that could not be sent";
    outbox_hint: "已用尽重试次数仍未发出的回复。排除原因（如邮件服务器故障、地址错误、微信48小时窗口）后可重新发送。", "Replies that ran out of attempts. Deal with the cause (mail server down, wrong address, WeChat's 48-hour window), then send again.";
    outbox_empty: "没有发送失败的回复。", "No failed replies.";
    col_author: "回复人", "Author";
    col_recipient: "收件人", "Recipient";
    col_error: "错误", "Error";
    retry: "重新发送", "Send again";
    retried: "已重新排队：", "Queued again: ";
    // Supervisor live view (routing)
    nav_live: "实时监控", "Live view";
    live_title: "实时监控", "Live view";
    live_queues: "队列", "Queues";
    live_agents: "坐席", "Agents";
    live_status_live: "实时更新中", "Updating live";
    live_status_offline: "连接中断，正在重连…", "Disconnected, reconnecting…";
    live_no_agents: "暂无坐席。", "No agents.";
    live_none: "无", "none";
    col_queue: "队列", "Queue";
    col_waiting: "排队数", "Waiting";
    col_longest_wait: "最长等待（秒）", "Longest wait (s)";
    col_agent: "坐席", "Agent";
    col_state: "状态", "State";
    col_skills: "技能", "Skills";
    col_current: "当前接触", "Current contacts";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_by_quality() {
        assert_eq!(
            Lang::from_accept_language("en-US,en;q=0.9,zh-CN;q=0.8"),
            Some(Lang::En)
        );
        assert_eq!(
            Lang::from_accept_language("fr;q=1, zh-CN;q=0.5, en;q=0.3"),
            Some(Lang::Zh)
        );
        assert_eq!(Lang::from_accept_language("de, fr"), None);
        assert_eq!(
            Lang::from_accept_language("en;q=0, zh;q=0.1"),
            Some(Lang::Zh)
        );
        assert_eq!(Lang::parse("zh_Hans"), Some(Lang::Zh));
    }

    #[test]
    fn labels_fall_back_to_the_code() {
        assert_eq!(Lang::Zh.card_status("lost"), "已挂失");
        assert_eq!(Lang::En.card_status("lost"), "lost");
        assert_eq!(Lang::Zh.card_status("melted"), "melted");
        let tree = bankdesk_domain::wrapup::WrapUpTree::shipped();
        assert_eq!(Lang::En.category(&tree, "e_banking"), "E-banking");
        assert_eq!(
            Lang::Zh.category(&tree, "credit_card.lost"),
            "信用卡 / 挂失补卡"
        );
        assert_eq!(Lang::Zh.category(&tree, "gossip"), "gossip");
        assert_eq!(Lang::Zh.delivery("failed"), "发送失败");
        assert_eq!(
            Lang::Zh.purpose_kind(PurposeKind::Contact(Some("phone"))),
            "来电"
        );
    }
}
