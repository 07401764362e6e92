//! The demo bank's knowledge: points written for bankdesk (Chinese, covering the source
//! articles' stories and everyday banking), with exam questions, loaded by the demo and
//! the seed, and used by the search tests and the benchmark.

use bankdesk_domain::exam::{QuestionContent, QuestionKind};
use bankdesk_domain::kb::{ArticleContent, Audience, RawContent};
use bankdesk_store::knowledge::ImportedPoint;
use bankdesk_store::{Store, StoreError};
use chrono::NaiveDate;
use serde::Deserialize;

/// One JSON object per line; see the file for examples.
const DEMO_KNOWLEDGE: &str = include_str!("../../data/knowledge.jsonl");

/// Customers' and agents' own words with the demo point (key) each must find in the top
/// three: the acceptance set of the search tests and the recall set of `bankdesk bench kb`.
pub const EVERYDAY_QUESTIONS: &[(&str, &str)] = &[
    ("卡被取款机吞了怎么办", "atm-retained-card"),
    ("信用卡多还的钱怎么退", "cc-overpayment-refund"),
    ("银行卡丢了也不记得卡号", "lost-card-no-number"),
    ("这个月房贷怎么多扣了", "mortgage-lpr-repricing"),
    ("买的理财亏钱了怎么回事", "wealth-netvalue-loss"),
    ("换了手机登不上手机银行", "mbank-new-phone"),
    ("市民卡丢了怎么补办", "citizen-card-lost"),
    ("信用卡晚还了罚的钱能免吗", "fee-waiver-first-late"),
    ("我要投诉你们银行", "complaint-channels"),
    ("银行卡密码忘了", "password-loss-report"),
    ("转账转错人了钱能要回来吗", "transfer-wrong-account"),
    ("跨行转账多久能到", "transfer-arrival-time"),
    ("警察打电话让我把钱转到安全账户", "fraud-fake-police"),
    ("信用卡年费怎么才能不收", "cc-annual-fee"),
    ("定期没到期取出来利息怎么算", "deposit-early-withdrawal"),
    ("存款保险最多赔多少", "deposit-insurance"),
    ("出国能带多少美元现金", "fx-carry-cash"),
    ("一年能换多少美元", "fx-annual-quota"),
    ("信用卡分期手续费多少", "cc-bill-installment"),
    ("怎么提高信用卡额度", "cc-limit-increase"),
    ("征信上的逾期记录多久消除", "cc-credit-report"),
    ("想提前还房贷要怎么办", "mortgage-prepayment"),
    ("卡里的钱被盗刷了", "card-fraud-unauthorized"),
    ("老人卧床去不了网点能上门吗", "elderly-home-service"),
    ("大额存单多少钱起存", "large-cd"),
    ("客服问我要验证码能给吗", "sms-code-never-share"),
    ("社保卡领了怎么激活", "citizen-card-activate"),
    ("只还最低还款额有什么影响", "cc-minimum-payment"),
    ("在国外刷信用卡怎么还美元", "cc-foreign-spend"),
    ("ATM取钱没吐钞票却扣钱了", "atm-no-cash-dispensed"),
    ("怎么打印银行流水", "statement-print"),
    ("U盾丢了", "ushield-lost"),
    ("理财风险测评多久有效", "wealth-risk-assessment"),
    ("贷记卡挂失", "cc-loss-report"),
    ("LPR是什么时候公布的", "lpr-what-is"),
    ("退休工资发到哪张卡", "pension-payment"),
    ("兼职刷单返利", "fraud-brushing"),
    ("深夜卡被吞急着交住院手术费", "atm-retained-night-emergency"),
    (
        "老太太家里失窃只记得身份证号要冻结卡",
        "lost-card-unverifiable-stop",
    ),
    (
        "卡丢了多还的钱跑了好几个网点都没退成",
        "cc-overpayment-bounced",
    ),
    ("社保卡丢了", "citizen-card-lost"),
    ("我的卡被ATM吞了", "atm-retained-card"),
    ("信用卡还多了怎么拿回来", "cc-overpayment-refund"),
    ("按揭月供怎么涨了", "mortgage-lpr-repricing"),
];

/// Who the demo import is recorded as, in versions and the audit log.
pub const DEMO_ACTOR: &str = "system";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoPoint {
    key: String,
    title: String,
    category: String,
    audience: Audience,
    #[serde(default)]
    tags: Vec<String>,
    body: String,
    #[serde(default)]
    script: Option<String>,
    #[serde(default)]
    owner: Option<String>,
    /// `YYYY-MM-DD`, the first day the point holds (bank time).
    #[serde(default)]
    valid_from: Option<String>,
    /// `YYYY-MM-DD`, the first day it no longer holds.
    #[serde(default)]
    valid_until: Option<String>,
    #[serde(default)]
    quiz: Vec<DemoQuestion>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoQuestion {
    kind: QuestionKind,
    stem: String,
    #[serde(default)]
    options: Vec<String>,
    answer: Vec<u32>,
    #[serde(default)]
    explanation: String,
}

/// A demo point ready to import, with its questions.
#[derive(Clone, Debug)]
pub struct DemoKnowledge {
    pub point: ImportedPoint,
    pub questions: Vec<QuestionContent>,
}

/// The article id of a demo point's key: stable, so tests and links can name it.
pub fn demo_id(key: &str) -> String {
    format!("kb_demo_{key}")
}

fn day_ms(field: &str, key: &str, day: Option<&str>) -> Result<Option<i64>, String> {
    day.map(|d| {
        NaiveDate::parse_from_str(d, "%Y-%m-%d")
            .ok()
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .and_then(|t| t.and_local_timezone(bankdesk_domain::bank_tz()).single())
            .map(|t| t.timestamp_millis())
            .ok_or_else(|| format!("{key}: {field} is not YYYY-MM-DD"))
    })
    .transpose()
}

/// Parses the demo file; an error names the line and the problem.
pub fn demo_knowledge() -> Result<Vec<DemoKnowledge>, String> {
    let mut out = Vec::new();
    let mut keys = std::collections::HashSet::new();
    for (i, line) in DEMO_KNOWLEDGE.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let at = |e: String| format!("knowledge.jsonl line {}: {e}", i + 1);
        let p: DemoPoint = serde_json::from_str(line).map_err(|e| at(e.to_string()))?;
        if !keys.insert(p.key.clone()) {
            return Err(at(format!("duplicate key {}", p.key)));
        }
        let content = ArticleContent::validate(&RawContent {
            title: &p.title,
            body: &p.body,
            category: &p.category,
            tags: &p.tags,
            audience: Some(p.audience),
            valid_from_ms: day_ms("valid_from", &p.key, p.valid_from.as_deref()).map_err(at)?,
            valid_until_ms: day_ms("valid_until", &p.key, p.valid_until.as_deref()).map_err(at)?,
            script: p.script.as_deref(),
        })
        .map_err(|e| at(e.to_string()))?;
        let questions = p
            .quiz
            .iter()
            .map(|q| {
                QuestionContent::validate(q.kind, &q.stem, &q.options, &q.answer, &q.explanation)
                    .map_err(|e| at(format!("quiz: {e}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        out.push(DemoKnowledge {
            point: ImportedPoint {
                id: demo_id(&p.key),
                owner: p.owner.unwrap_or_else(|| "知识库管理组".to_string()),
                content,
            },
            questions,
        });
    }
    Ok(out)
}

/// What a demo load did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct DemoLoad {
    pub points: usize,
    pub questions: usize,
}

/// Loads the demo knowledge and its questions into the store (idempotent). The search
/// index picks the points up from the database on its next catch-up.
pub async fn load_demo_knowledge(store: &Store) -> Result<DemoLoad, StoreError> {
    let demo = demo_knowledge().map_err(StoreError::Corrupt)?;
    let points: Vec<ImportedPoint> = demo.iter().map(|d| d.point.clone()).collect();
    let created = store
        .kb_import(DEMO_ACTOR, &points, "演示知识库导入")
        .await?;
    let questions: Vec<(String, QuestionContent)> = demo
        .into_iter()
        .flat_map(|d| {
            let id = d.point.id;
            d.questions.into_iter().map(move |q| (id.clone(), q))
        })
        .collect();
    let q = store.exam_question_import(DEMO_ACTOR, &questions).await?;
    Ok(DemoLoad {
        points: created,
        questions: q,
    })
}
