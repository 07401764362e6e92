//! `bankdesk bench kb`: the knowledge index at scale, against SQLite FTS5 (trigram).
//!
//! Builds N points derived from the demo knowledge (each demo point restated for other
//! branches and products), indexes them with tantivy + jieba and with FTS5 trigram, then
//! runs the same queries through both: indexing time, p50/p99 latency (top 10 with
//! highlighted snippets), and recall@3 on the everyday-question set. A question counts as
//! answered when one of the top three is its expected point or a restatement of it.

use anyhow::Context;
use bankdesk_desk::kb::demo::{EVERYDAY_QUESTIONS, demo_id, demo_knowledge};
use bankdesk_desk::kb::index_doc;
use bankdesk_search::{Change, IndexDoc, KbIndex, Lexicon, SearchRequest, WriterOptions};
use bankdesk_store::fts_baseline::{FtsBaseline, FtsDoc};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Options of `bench kb`.
#[derive(Debug, clap::Args)]
pub struct KbArgs {
    /// Points to index.
    #[arg(long, default_value_t = 50_000)]
    pub articles: usize,
    /// Queries in the latency runs.
    #[arg(long, default_value_t = 1_000)]
    pub queries: usize,
}

/// Branches and product lines a demo point is restated for.
const REGIONS: &[&str] = &[
    "北京",
    "上海",
    "广州",
    "深圳",
    "天津",
    "重庆",
    "苏州",
    "杭州",
    "南京",
    "武汉",
    "成都",
    "西安",
    "石家庄",
    "太原",
    "郑州",
    "长沙",
    "合肥",
    "福州",
    "厦门",
    "济南",
    "青岛",
    "沈阳",
    "大连",
    "长春",
    "哈尔滨",
    "昆明",
    "贵阳",
    "南宁",
    "海口",
    "兰州",
    "西宁",
    "银川",
    "乌鲁木齐",
    "呼和浩特",
    "拉萨",
    "南昌",
    "宁波",
    "无锡",
    "温州",
    "佛山",
];
const LINES: &[&str] = &[
    "个人金融部",
    "信用卡中心",
    "电子银行部",
    "运营管理部",
    "消费者权益保护部",
    "普惠金融部",
];
const NOTES: &[&str] = &[
    "如遇系统升级，以网点公告为准。",
    "办理时请携带本人有效身份证件。",
    "具体费用以服务价格目录为准。",
    "老年客户可由工作人员全程陪同办理。",
    "业务办理结果将以短信通知。",
    "节假日办理时间可能顺延。",
    "客户可通过手机银行查询办理进度。",
];

/// The i-th point: the demo points as they are in the first round, then each round
/// restates every demo point for another branch and department.
fn synthetic(i: usize, base: &[IndexDoc]) -> IndexDoc {
    let b = &base[i % base.len()];
    let round = i / base.len();
    if round == 0 {
        return b.clone();
    }
    let region = REGIONS[round % REGIONS.len()];
    let line = LINES[(round / REGIONS.len()) % LINES.len()];
    let note = NOTES[i % NOTES.len()];
    IndexDoc {
        id: format!("{}~{round}", b.id),
        title: format!("{}（{region}分行）", b.title),
        body: format!(
            "{}\n本条由{region}分行{line}维护，适用于{region}辖内网点。{note}",
            b.body
        ),
        ..b.clone()
    }
}

fn percentiles(samples: &mut [Duration]) -> serde_json::Value {
    samples.sort_unstable();
    let at = |q: f64| {
        if samples.is_empty() {
            return 0.0;
        }
        let i = ((samples.len() as f64 * q).ceil() as usize).clamp(1, samples.len()) - 1;
        (samples[i].as_secs_f64() * 1_000_000.0).round() / 1000.0
    };
    serde_json::json!({"p50_ms": at(0.5), "p99_ms": at(0.99), "max_ms": at(1.0)})
}

/// The demo point a (possibly restated) point comes from.
fn base_of(id: &str) -> &str {
    id.split('~').next().unwrap_or(id)
}

/// Queries of the latency runs: the everyday questions, then demo titles and tags, in a
/// fixed order so runs compare.
fn queries(base: &[IndexDoc], n: usize) -> Vec<String> {
    (0..n)
        .map(|k| {
            if k % 4 == 0 {
                EVERYDAY_QUESTIONS[(k / 4) % EVERYDAY_QUESTIONS.len()]
                    .0
                    .to_string()
            } else {
                let d = &base[(k * 7919) % base.len()];
                match (k % 3, d.tags.first()) {
                    (0, Some(t)) => format!("{t}怎么办理"),
                    _ => d.title.clone(),
                }
            }
        })
        .collect()
}

pub async fn kb(args: &KbArgs) -> anyhow::Result<serde_json::Value> {
    let demo = demo_knowledge().map_err(|e| anyhow::anyhow!(e))?;
    let base: Vec<IndexDoc> = demo
        .iter()
        .map(|d| index_doc(&d.point.id, 1, &d.point.content))
        .collect();
    let docs: Vec<IndexDoc> = (0..args.articles.max(base.len()))
        .map(|i| synthetic(i, &base))
        .collect();
    let dir = tempfile::tempdir().context("temporary directory")?;
    let now = bankdesk_store::now_ms();

    // tantivy + jieba.
    let lexicon = Arc::new(Lexicon::builtin().context("search dictionary")?);
    let index = KbIndex::open(
        &dir.path().join("tantivy"),
        lexicon,
        WriterOptions {
            threads: 2,
            memory_bytes: 512 << 20,
        },
    )?;
    let changes: Vec<Change> = docs.iter().cloned().map(Change::Upsert).collect();
    let started = Instant::now();
    index.apply(&changes, 1)?;
    let tantivy_index_s = started.elapsed().as_secs_f64();
    drop(changes);

    // SQLite FTS5 trigram, same text.
    let fts = FtsBaseline::create(&dir.path().join("fts.db")).await?;
    let tags: Vec<String> = docs.iter().map(|d| d.tags.join(" ")).collect();
    let fts_docs: Vec<FtsDoc<'_>> = docs
        .iter()
        .zip(&tags)
        .map(|(d, t)| FtsDoc {
            id: &d.id,
            title: &d.title,
            tags: t,
            body: &d.body,
        })
        .collect();
    let started = Instant::now();
    fts.insert(&fts_docs).await?;
    let fts_index_s = started.elapsed().as_secs_f64();

    let qs = queries(&base, args.queries);
    let search = |q: &str, limit: usize| {
        index.search(&SearchRequest {
            query: q,
            limit,
            category: None,
            audience: None,
            now_ms: now,
        })
    };
    // Warm both (page cache, lazily opened segments) before measuring.
    for q in qs.iter().take(50) {
        search(q, 10)?;
        fts.search(q, 10).await?;
    }
    let mut t_lat = Vec::with_capacity(qs.len());
    let mut t_hits = 0usize;
    for q in &qs {
        let s = Instant::now();
        t_hits += search(q, 10)?.len();
        t_lat.push(s.elapsed());
    }
    let mut f_lat = Vec::with_capacity(qs.len());
    let mut f_hits = 0usize;
    for q in &qs {
        let s = Instant::now();
        f_hits += fts.search(q, 10).await?.len();
        f_lat.push(s.elapsed());
    }

    let (t_recall, f_recall) = recall(&index, &fts, now).await?;
    // The same questions over the demo knowledge alone, where no restatement competes.
    let small_index = KbIndex::in_memory(index.lexicon().clone())?;
    small_index.apply(
        &base.iter().cloned().map(Change::Upsert).collect::<Vec<_>>(),
        1,
    )?;
    let small_fts = FtsBaseline::create(&dir.path().join("fts-demo.db")).await?;
    small_fts.insert(&fts_docs[..base.len()]).await?;
    let (t_small, f_small) = recall(&small_index, &small_fts, now).await?;
    small_fts.close().await;
    fts.close().await;
    let n = EVERYDAY_QUESTIONS.len() as f64;
    let size = |p: &std::path::Path| -> u64 { walk_size(p).unwrap_or(0) };
    let body_chars: usize = docs.iter().map(|d| d.body.chars().count()).sum();
    let by_category: HashMap<&str, usize> = docs.iter().fold(HashMap::new(), |mut m, d| {
        *m.entry(d.category.split('/').next().unwrap_or(""))
            .or_default() += 1;
        m
    });
    Ok(serde_json::json!({
        "bench": "kb",
        "articles": docs.len(),
        "demo_points": base.len(),
        "categories": by_category.len(),
        "avg_body_chars": body_chars / docs.len().max(1),
        "queries": qs.len(),
        "questions": EVERYDAY_QUESTIONS.len(),
        "tantivy_jieba": {
            "index_s": (tantivy_index_s * 100.0).round() / 100.0,
            "index_mb": size(&dir.path().join("tantivy")) / (1 << 20),
            "search": percentiles(&mut t_lat),
            "hits_per_query": t_hits as f64 / qs.len().max(1) as f64,
            "recall_at_3": t_recall.found as f64 / n,
            "recall_at_3_demo_only": t_small.found as f64 / n,
            "missed": t_recall.missed,
        },
        "sqlite_fts5_trigram": {
            "index_s": (fts_index_s * 100.0).round() / 100.0,
            "index_mb": size(&dir.path().join("fts.db")) / (1 << 20),
            "search": percentiles(&mut f_lat),
            "hits_per_query": f_hits as f64 / qs.len().max(1) as f64,
            "recall_at_3": f_recall.found as f64 / n,
            "recall_at_3_demo_only": f_small.found as f64 / n,
            "missed": f_recall.missed.len(),
        },
        "target_p99_ms": 5.0,
    }))
}

/// Questions answered within the top three, and the ones that were not.
#[derive(Default)]
struct Recall {
    found: usize,
    missed: Vec<serde_json::Value>,
}

impl Recall {
    /// `hits` are (id, title) best first; a restatement counts as its demo point.
    fn add(&mut self, q: &str, key: &str, hits: &[(&str, &str)]) {
        let want = demo_id(key);
        if hits.iter().take(3).any(|(id, _)| base_of(id) == want) {
            self.found += 1;
        } else {
            let got: Vec<&str> = hits.iter().take(3).map(|(_, t)| *t).collect();
            self.missed
                .push(serde_json::json!({"question": q, "expected": key, "got": got}));
        }
    }
}

/// recall@3 of both indexes on the everyday questions.
async fn recall(index: &KbIndex, fts: &FtsBaseline, now: i64) -> anyhow::Result<(Recall, Recall)> {
    let mut t = Recall::default();
    let mut f = Recall::default();
    for (q, key) in EVERYDAY_QUESTIONS {
        let hits = index.search(&SearchRequest {
            query: q,
            limit: 3,
            category: None,
            audience: None,
            now_ms: now,
        })?;
        let pairs: Vec<(&str, &str)> = hits
            .iter()
            .map(|h| (h.id.as_str(), h.title.as_str()))
            .collect();
        t.add(q, key, &pairs);
        let hits = fts.search(q, 3).await?;
        let pairs: Vec<(&str, &str)> = hits
            .iter()
            .map(|(id, _)| (id.as_str(), id.as_str()))
            .collect();
        f.add(q, key, &pairs);
    }
    Ok((t, f))
}

fn walk_size(p: &std::path::Path) -> std::io::Result<u64> {
    let meta = std::fs::metadata(p)?;
    if meta.is_file() {
        return Ok(meta.len());
    }
    let mut total = 0;
    for e in std::fs::read_dir(p)? {
        total += walk_size(&e?.path())?;
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restated_points_are_distinct_and_trace_back() {
        let base: Vec<IndexDoc> = demo_knowledge()
            .unwrap()
            .iter()
            .map(|d| index_doc(&d.point.id, 1, &d.point.content))
            .collect();
        let n = base.len();
        assert_eq!(synthetic(3, &base), base[3]);
        let all: Vec<IndexDoc> = (0..50 * n).map(|i| synthetic(i, &base)).collect();
        let texts: std::collections::HashSet<(&str, &str)> = all
            .iter()
            .map(|d| (d.title.as_str(), d.body.as_str()))
            .collect();
        let ids: std::collections::HashSet<&str> = all.iter().map(|d| d.id.as_str()).collect();
        assert_eq!((texts.len(), ids.len()), (all.len(), all.len()));
        assert_eq!(base_of(&all[n + 3].id), base[3].id);
        assert_eq!(queries(&base, 8).len(), 8);
    }
}
