//! The life of each generated deal: it moves through the stages with chances shaped by its
//! manager, campaign and segment; it may skip a stage, go back for renegotiation, get stuck,
//! be lost with a reason, or be won and then paid (late, in parts, sometimes refunded).
//! Clients who won come back after their usual interval, and some stop buying.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use rand::Rng;
use rand_pcg::Pcg64Mcg;

use super::world::{
    self, ADVANCE, Campaign, DAY, INVOICE, Manager, REASONS, SEGMENTS, STAGE_DAYS, exp, weighted,
};

/// Kinds of the everyday touches and how often each comes.
const ACTIVITY: [&str; 6] = ["call", "email", "task", "message", "inquiry", "meeting"];
const ACTIVITY_WEIGHTS: [f64; 6] = [0.42, 0.26, 0.13, 0.08, 0.06, 0.05];

/// Column buffers of every table.
#[derive(Default)]
pub struct Buffers {
    pub clients: Clients,
    pub deals: Deals,
    pub history: History,
    pub contacts: Contacts,
    pub payments: Payments,
    pub changes: Changes,
}

/// Changes of a deal's expected close and amount, as a CRM's field history logs them.
#[derive(Default)]
pub struct Changes {
    pub deal: Vec<String>,
    pub at: Vec<i64>,
    pub field: Vec<&'static str>,
    pub old: Vec<Option<String>>,
    pub new: Vec<Option<String>>,
}

#[derive(Default)]
pub struct Clients {
    pub id: Vec<String>,
    pub name: Vec<String>,
    pub segment: Vec<&'static str>,
    pub industry: Vec<&'static str>,
    pub region: Vec<&'static str>,
    pub source: Vec<&'static str>,
    pub campaign: Vec<Option<String>>,
    pub manager: Vec<String>,
    pub created: Vec<i64>,
}

/// What the simulation remembers of every client after its row is written.
#[derive(Default)]
struct ClientState {
    /// Index into `SEGMENTS`.
    segment: Vec<usize>,
    /// Usual days between purchases.
    interval: Vec<f64>,
    /// The client's own scale of spend within its segment (mean 1): clients differ in what
    /// they usually buy, as the Gamma-Gamma model of lifetime value assumes.
    spend: Vec<f64>,
    /// The chance the client buys again after a won deal: clients differ in how long they
    /// stay, as the BG/NBD model assumes.
    loyalty: Vec<f64>,
    /// Manager index of the owner.
    owner: Vec<usize>,
}

/// A client's id from its index.
fn client_id(idx: usize) -> String {
    format!("C{:07}", idx + 1)
}

#[derive(Default)]
pub struct Deals {
    pub id: Vec<String>,
    pub client: Vec<String>,
    pub manager: Vec<String>,
    pub campaign: Vec<Option<String>>,
    pub created: Vec<i64>,
    pub closed: Vec<Option<i64>>,
    pub status: Vec<&'static str>,
    pub stage: Vec<&'static str>,
    pub amount: Vec<Option<i64>>,
    pub reason: Vec<Option<&'static str>>,
    pub discount: Vec<f64>,
    pub expected_close: Vec<Option<i64>>,
    pub probability: Vec<Option<f64>>,
}

#[derive(Default)]
pub struct History {
    pub deal: Vec<String>,
    pub stage: Vec<&'static str>,
    pub at: Vec<i64>,
    pub manager: Vec<String>,
}

#[derive(Default)]
pub struct Contacts {
    pub client: Vec<String>,
    pub manager: Vec<String>,
    pub deal: Vec<String>,
    pub campaign: Vec<Option<String>>,
    pub at: Vec<i64>,
    pub channel: Vec<&'static str>,
    pub kind: Vec<&'static str>,
    pub direction: Vec<&'static str>,
    pub due: Vec<Option<i64>>,
    pub done: Vec<Option<i64>>,
    pub outcome: Vec<&'static str>,
}

#[derive(Default)]
pub struct Payments {
    pub deal: Vec<String>,
    pub at: Vec<i64>,
    pub amount: Vec<i64>,
}

/// The company being simulated.
pub struct Sim<'a> {
    pub rng: Pcg64Mcg,
    /// A stream of its own for the expected close dates and probabilities, so adding them
    /// left every other value of a seed as it was.
    plans_rng: Pcg64Mcg,
    pub managers: &'a [Manager],
    pub campaigns: &'a [Campaign],
    /// The export moment: nothing after it is written.
    pub end: i64,
    pub out: Buffers,
    /// Clients due to buy again: (due time, client index).
    due: BinaryHeap<Reverse<(i64, usize)>>,
    clients: ClientState,
}

impl<'a> Sim<'a> {
    pub fn new(
        rng: Pcg64Mcg,
        managers: &'a [Manager],
        campaigns: &'a [Campaign],
        end: i64,
    ) -> Self {
        let plans_rng = {
            use rand::SeedableRng;
            let mut r = rng.clone();
            Pcg64Mcg::seed_from_u64(r.random::<u64>() ^ 0x5eed_c105e)
        };
        Sim {
            rng,
            plans_rng,
            managers,
            campaigns,
            end,
            out: Buffers::default(),
            due: BinaryHeap::new(),
            clients: ClientState::default(),
        }
    }

    /// The rows made since the last call (the simulation's state is kept), so a large
    /// company can be written in parts.
    pub fn take(&mut self) -> Buffers {
        std::mem::take(&mut self.out)
    }

    fn active(&self, m: usize, t: i64) -> bool {
        let m = &self.managers[m];
        m.hired_on <= t && m.left_on.is_none_or(|l| t < l)
    }

    /// An active manager at `t`, preferring `wanted`; others of the same team first. A lead
    /// manager (cold calls) only ever holds a deal at its first stage, so a deal that is
    /// already under way goes to a salesperson.
    fn holder(&self, wanted: usize, t: i64) -> usize {
        let n = self.managers.len();
        let sales = |m: usize| self.managers[m].role != "lead";
        (0..n)
            .map(|k| (wanted + k * 8) % n)
            .chain(0..n)
            .find(|&m| self.active(m, t) && (sales(m) || m == wanted))
            .unwrap_or(wanted)
    }

    /// Create deal number `i` at time `t`: a returning client when one is due, else a new one.
    pub fn deal(&mut self, i: usize, t: i64) {
        let returning = match self.due.peek() {
            Some(Reverse((due, _))) if *due <= t && self.rng.random::<f64>() < 0.85 => {
                self.due.pop().map(|Reverse((_, c))| c)
            }
            _ => None,
        };
        let (client, campaign) = match returning {
            Some(c) => (c, None),
            None => self.new_client(t),
        };
        self.simulate(i, client, campaign, t, returning.is_some());
    }

    fn new_client(&mut self, t: i64) -> (usize, Option<usize>) {
        let rng = &mut self.rng;
        let live: Vec<usize> = (0..self.campaigns.len())
            .filter(|&k| self.campaigns[k].start <= t && t <= self.campaigns[k].end)
            .collect();
        let campaign = (!live.is_empty() && rng.random::<f64>() < 0.6)
            .then(|| live[rng.random_range(0..live.len())]);
        let idx = self.clients.owner.len();
        let seg = weighted(rng, &[0.45, 0.3, 0.17, 0.08]);
        let owner = rng.random_range(0..self.managers.len());
        let created = t - rng.random_range(0..10 * DAY);
        let owner = self.holder(owner, created);
        let rng = &mut self.rng;
        let c = &mut self.out.clients;
        c.id.push(client_id(idx));
        c.name.push(format!(
            "ООО «{}-{}»",
            world::INDUSTRIES[idx % world::INDUSTRIES.len()],
            idx + 1
        ));
        c.segment.push(SEGMENTS[seg].0);
        c.industry
            .push(world::INDUSTRIES[rng.random_range(0..world::INDUSTRIES.len())]);
        c.region
            .push(world::REGIONS[weighted(rng, &[0.35, 0.2, 0.1, 0.1, 0.1, 0.08, 0.07])]);
        c.source.push(if campaign.is_some() {
            "Реклама"
        } else {
            world::SOURCES[rng.random_range(1..world::SOURCES.len())]
        });
        c.campaign
            .push(campaign.map(|k| self.campaigns[k].id.clone()));
        c.manager.push(self.managers[owner].id.clone());
        c.created.push(created);
        self.clients.segment.push(seg);
        self.clients
            .interval
            .push(45.0 + rng.random::<f64>() * 110.0);
        self.clients.spend.push(world::gamma_unit(rng, 4));
        self.clients
            .loyalty
            .push(0.99 - 0.9 * rng.random::<f64>().powi(2));
        self.clients.owner.push(owner);
        (idx, campaign)
    }

    fn simulate(
        &mut self,
        i: usize,
        client: usize,
        campaign: Option<usize>,
        created: i64,
        returning: bool,
    ) {
        let deal_id = format!("D{:07}", i + 1);
        let mut m = self.holder(self.clients.owner[client], created);
        let seg = self.clients.segment[client];
        let pull = campaign.map_or(1.0, |k| self.campaigns[k].pull);
        let stuck = self.rng.random::<f64>() < 0.04;
        let (mut stage, mut t) = (0usize, created);
        let mut renegotiated = false;
        self.entry(&deal_id, stage, t, m);
        // Every other returning client is reached through a campaign running at the time
        // (its first call carries the campaign): the deal keeps the client's original
        // campaign for first-touch attribution, and last/linear attribution see the new one.
        let touch = if returning && i % 2 == 0 {
            let live: Vec<usize> = (0..self.campaigns.len())
                .filter(|&k| self.campaigns[k].start <= t && t <= self.campaigns[k].end)
                .collect();
            (!live.is_empty()).then(|| live[i % live.len()])
        } else {
            campaign
        };
        // Two in five deals not brought by a campaign start with the client writing in; the
        // deal is opened on the call back (speed to lead).
        if campaign.is_none() && self.plans_rng.random::<f64>() < 0.4 {
            self.organic_inquiry(client, m, &deal_id, t);
        }
        self.contact(
            client,
            m,
            &deal_id,
            touch,
            t,
            if campaign.is_some() {
                "inquiry"
            } else {
                "call"
            },
        );
        let outcome = loop {
            let mgr = &self.managers[m];
            let mut dwell = exp(&mut self.rng, STAGE_DAYS[stage] * mgr.pace) + 0.1;
            if stuck && stage == 2 + i % 3 {
                dwell *= 8.0;
            }
            let next_t = t + (dwell * DAY as f64) as i64;
            // The everyday touches of the stage; after an invoice the follow-up call
            // alone decides whether the client was called back in time.
            let quiet_until = if stage == INVOICE { t + 2 * DAY } else { t };
            self.activity(client, m, &deal_id, quiet_until, next_t);
            let mut p = ADVANCE[stage] * mgr.skill * pull * (1.0 - 0.04 * seg as f64);
            if stage == INVOICE && !self.follow_up(client, m, &deal_id, t) {
                p *= 0.62; // no call back within two days: many invoices go unpaid
            }
            if stage == 5 {
                let closed = t + self.rng.random_range(0..3 * DAY);
                break if closed <= self.end {
                    Some(("won", stage, closed))
                } else {
                    None
                };
            }
            if next_t > self.end {
                break None;
            }
            if self.rng.random::<f64>() >= p.clamp(0.05, 0.98) {
                break Some(("lost", stage, next_t));
            }
            stage = self.next_stage(stage, returning, &mut renegotiated);
            t = next_t;
            // The conveyor: a lead manager passes a deal on once it leaves the first stage;
            // the new manager calls the client after a while (longer for slower managers).
            let handed = self.managers[m].role == "lead";
            if handed {
                let n = self.managers.len();
                let pick = self.rng.random_range(0..n);
                // Never back to a lead manager (the only way `holder` returns one).
                let pick = (0..n)
                    .map(|k| (pick + k) % n)
                    .find(|&c| self.managers[c].role != "lead")
                    .unwrap_or(pick);
                m = self.holder(pick, t);
            } else if !self.active(m, t) {
                m = self.holder(m + 1, t);
            }
            self.entry(&deal_id, stage, t, m);
            if handed {
                let wait = exp(&mut self.rng, 0.8 * self.managers[m].pace);
                self.contact(
                    client,
                    m,
                    &deal_id,
                    None,
                    t + (wait * DAY as f64) as i64,
                    "call",
                );
                continue;
            }
            if stage == 2 {
                self.contact(client, m, &deal_id, None, t, "meeting");
            } else if self.rng.random::<f64>() < 0.5 {
                self.contact(client, m, &deal_id, None, t, "email");
            }
        };
        if let Some(("won", _, closed)) = outcome {
            self.service(client, m, &deal_id, closed);
        }
        self.finish(deal_id, client, campaign, m, created, stage, outcome);
    }

    /// Touches between `from` and `to` while a deal is at a stage: calls, emails, planned
    /// tasks, messages, inquiries and meetings, about one every day and a half (telephony
    /// integrations log every call, so a deal has about ten contacts).
    fn activity(&mut self, client: usize, m: usize, deal: &str, from: i64, to: i64) {
        let mut at = from;
        loop {
            at += (exp(&mut self.rng, 1.9) * DAY as f64) as i64 + 60_000;
            if at >= to {
                return;
            }
            let kind = ACTIVITY[weighted(&mut self.rng, &ACTIVITY_WEIGHTS)];
            self.contact(client, m, deal, None, at, kind);
        }
    }

    /// Calls after a win: delivery, documents, the next order.
    fn service(&mut self, client: usize, m: usize, deal: &str, won: i64) {
        let calls = weighted(&mut self.rng, &[0.2, 0.35, 0.3, 0.15]);
        let mut at = won;
        for _ in 0..calls {
            at += (exp(&mut self.rng, 9.0) * DAY as f64) as i64 + 3_600_000;
            self.contact(client, m, deal, None, at, "call");
        }
    }

    /// Usually the next stage; returning clients often go straight to the invoice, some
    /// deals skip the meeting, and a few go back from the contract to renegotiate.
    fn next_stage(&mut self, stage: usize, returning: bool, renegotiated: &mut bool) -> usize {
        let r = self.rng.random::<f64>();
        match stage {
            0 if returning && r < 0.4 => INVOICE,
            1 if r < 0.08 => INVOICE,
            4 if !*renegotiated && r < 0.06 => {
                *renegotiated = true;
                2
            }
            s => s + 1,
        }
    }

    /// The call after an invoice: within two days when the manager is diligent.
    fn follow_up(&mut self, client: usize, m: usize, deal: &str, invoiced: i64) -> bool {
        let diligent = self.rng.random::<f64>() < self.managers[m].diligence;
        let delay = if diligent {
            0.1 + self.rng.random::<f64>() * 1.7
        } else {
            2.5 + self.rng.random::<f64>() * 6.0
        };
        if diligent || self.rng.random::<f64>() < 0.6 {
            self.contact(
                client,
                m,
                deal,
                None,
                invoiced + (delay * DAY as f64) as i64,
                "call",
            );
        }
        diligent
    }

    /// An inbound inquiry `call_at` minus a wait: minutes for a quarter, up to an hour for a
    /// fifth, up to a day for a third, days for the rest (from the second random stream,
    /// so the simulation itself is unchanged).
    fn organic_inquiry(&mut self, client: usize, m: usize, deal: &str, call_at: i64) {
        let rng = &mut self.plans_rng;
        let r = rng.random::<f64>();
        let minutes: i64 = if r < 0.25 {
            rng.random_range(1..6)
        } else if r < 0.45 {
            rng.random_range(6..60)
        } else if r < 0.8 {
            rng.random_range(60..24 * 60)
        } else {
            rng.random_range(24 * 60..5 * 24 * 60)
        };
        let channel = ["phone", "chat", "email", "messenger"][rng.random_range(0..4)];
        let c = &mut self.out.contacts;
        c.client.push(client_id(client));
        c.manager.push(self.managers[m].id.clone());
        c.deal.push(deal.to_string());
        c.campaign.push(None);
        c.at.push(call_at - minutes * 60_000);
        c.channel.push(channel);
        c.kind.push("inquiry");
        c.direction.push("in");
        c.due.push(None);
        c.done.push(None);
        c.outcome.push("выполнено");
    }

    fn entry(&mut self, deal: &str, stage: usize, t: i64, m: usize) {
        let h = &mut self.out.history;
        h.deal.push(deal.to_string());
        h.stage.push(world::STAGES[stage]);
        h.at.push(t);
        h.manager.push(self.managers[m].id.clone());
    }

    fn contact(
        &mut self,
        client: usize,
        m: usize,
        deal: &str,
        campaign: Option<usize>,
        at: i64,
        kind: &'static str,
    ) {
        if at > self.end {
            return;
        }
        let rng = &mut self.rng;
        let (channel, direction) = match kind {
            "meeting" => ("meeting", "out"),
            "email" if rng.random::<f64>() < 0.2 => ("email", "in"),
            "email" => ("email", "out"),
            "message" => ("messenger", ["in", "out"][rng.random_range(0..2)]),
            "inquiry" => (["phone", "chat", "email"][rng.random_range(0..3)], "in"),
            _ => ("phone", "out"),
        };
        // A task is planned; so is a third of the other outgoing touches. Some are done
        // late, a few never.
        let planned = kind == "task" || (direction == "out" && rng.random::<f64>() < 0.33);
        let (due, done) = if planned {
            let r = rng.random::<f64>();
            let done = if r < 0.06 {
                None
            } else if r < 0.26 {
                Some(at + rng.random_range(DAY..5 * DAY))
            } else {
                Some(at)
            };
            (Some(at), done.filter(|d| *d <= self.end))
        } else {
            (None, None)
        };
        let c = &mut self.out.contacts;
        c.client.push(client_id(client));
        c.manager.push(self.managers[m].id.clone());
        c.deal.push(deal.to_string());
        c.campaign
            .push(campaign.map(|k| self.campaigns[k].id.clone()));
        c.at.push(at);
        c.channel.push(channel);
        c.kind.push(kind);
        c.direction.push(direction);
        c.due.push(due);
        c.done.push(done);
        c.outcome.push(if done.is_none() && due.is_some() {
            "не выполнено"
        } else {
            "выполнено"
        });
    }

    #[allow(clippy::too_many_arguments)]
    fn finish(
        &mut self,
        deal_id: String,
        client: usize,
        campaign: Option<usize>,
        m: usize,
        created: i64,
        stage: usize,
        outcome: Option<(&'static str, usize, i64)>,
    ) {
        let seg = self.clients.segment[client];
        let rng = &mut self.rng;
        // The segment's price × the client's own scale × this order's size (spread 1/√3).
        let list = SEGMENTS[seg].1 * self.clients.spend[client] * world::gamma_unit(rng, 3);
        let discount =
            (self.managers[m].discount + (rng.random::<f64>() - 0.5) * 4.0).clamp(0.0, 30.0);
        let discount = (discount * 10.0).round() / 10.0;
        let amount = (list * (1.0 - discount / 100.0) * 100.0).round() as i64;
        let (status, closed, reason) = match outcome {
            Some(("won", _, at)) => ("won", Some(at), None),
            Some((_, s, at)) => {
                let reasons = REASONS[s];
                let r = reasons[weighted(rng, &[0.5, 0.3, 0.2][..reasons.len()])];
                ("lost", Some(at), Some(r))
            }
            None => ("open", None, None),
        };
        // Most winners buy again after their usual interval (the rest stop buying); a
        // few lost clients come back for another try.
        let again = match (status, closed) {
            ("won", Some(at)) => {
                self.pay(&deal_id, amount, at);
                let stays = self.rng.random::<f64>() < self.clients.loyalty[client];
                stays.then_some((at, self.clients.interval[client]))
            }
            ("lost", Some(at)) => (self.rng.random::<f64>() < 0.36).then_some((at, 120.0)),
            _ => None,
        };
        if let Some((at, interval)) = again {
            let next = at + (interval * (0.6 + self.rng.random::<f64>() * 0.8) * DAY as f64) as i64;
            self.due.push(Reverse((next, client)));
        }
        let d = &mut self.out.deals;
        d.id.push(deal_id);
        d.client.push(client_id(client));
        d.manager.push(self.managers[m].id.clone());
        d.campaign
            .push(campaign.map(|k| self.campaigns[k].id.clone()));
        d.created.push(created);
        d.closed.push(closed);
        d.status.push(status);
        d.stage.push(world::STAGES[stage]);
        d.amount.push(Some(amount));
        d.reason.push(reason);
        d.discount.push(discount);
        let deal = self.out.deals.id.last().cloned().unwrap_or_default();
        let (expected, probability) =
            self.expected_close(&deal, created, stage, status, closed, amount);
        let d = &mut self.out.deals;
        d.expected_close.push(expected);
        d.probability.push(probability);
    }

    /// The expected close date a salesperson keeps on a deal, as CRMs export it today, and the
    /// CRM's stage probability. The first estimate is a few weeks out, often the last day of
    /// its month; an open deal whose estimate has passed is usually pushed out (rarely
    /// pulled in), a few are left overdue; a closed deal's last estimate lies near its close.
    #[allow(clippy::too_many_arguments)]
    fn expected_close(
        &mut self,
        deal: &str,
        created: i64,
        stage: usize,
        status: &str,
        closed: Option<i64>,
        amount: i64,
    ) -> (Option<i64>, Option<f64>) {
        let end = self.end;
        let rng = &mut self.plans_rng;
        let log = &mut self.out.changes;
        let mut change = |at: i64, field: &'static str, old: String, new: String| {
            log.deal.push(deal.to_string());
            log.at.push(at);
            log.field.push(field);
            log.old.push(Some(old));
            log.new.push(Some(new));
        };
        let date = |t: i64| {
            chrono::DateTime::from_timestamp_millis(t)
                .map(|d| d.date_naive().to_string())
                .unwrap_or_default()
        };
        let last = closed.unwrap_or(end);
        // One deal in seven had another amount at first (re-quoted, scope changed).
        if rng.random::<f64>() < 1.0 / 7.0 && last > created {
            let first = (amount as f64 * (0.7 + rng.random::<f64>() * 0.6)).round() as i64;
            let at = created + ((last - created) as f64 * (0.2 + rng.random::<f64>() * 0.6)) as i64;
            let money = |m: i64| format!("{}.{:02}", m / 100, m % 100);
            if first != amount && first > 0 {
                change(at, "amount", money(first), money(amount));
            }
        }
        if rng.random::<f64>() < 0.08 {
            return (None, None); // never filled in
        }
        let month_end = |t: i64| -> i64 {
            use chrono::{Datelike, NaiveDate};
            let Some(d) = chrono::DateTime::from_timestamp_millis(t) else {
                return t;
            };
            let d = d.date_naive();
            let first_next = if d.month() == 12 {
                NaiveDate::from_ymd_opt(d.year() + 1, 1, 1)
            } else {
                NaiveDate::from_ymd_opt(d.year(), d.month() + 1, 1)
            };
            first_next.map_or(t, |n| {
                n.and_hms_opt(0, 0, 0)
                    .map_or(t, |m| m.and_utc().timestamp_millis() - DAY)
            })
        };
        let day_of = |t: i64| t - t.rem_euclid(DAY);
        let mut estimate = day_of(created + (exp(rng, 25.0) + 7.0) as i64 * DAY);
        if rng.random::<f64>() < 0.35 {
            estimate = day_of(month_end(estimate));
        }
        let probability = match status {
            "won" => 100.0,
            "lost" => 0.0,
            _ => {
                let base = [10.0, 20.0, 40.0, 60.0, 80.0, 90.0][stage.min(5)];
                (base + rng.random_range(-2..=2) as f64 * 5.0).clamp(5.0, 95.0)
            }
        };
        let expected = match closed {
            Some(at) => {
                let last = day_of(at + rng.random_range(-6..=3) * DAY).max(day_of(created));
                // The estimate was moved once, a few days before it (or the close) came.
                if last != estimate {
                    let when = (estimate.min(at) - rng.random_range(1..5) * DAY
                        + rng.random_range(8..19) * DAY / 24)
                        .clamp(created, at);
                    change(when, "expected_close_at", date(estimate), date(last));
                }
                last
            }
            None => {
                // Passed estimates are pushed out two to six weeks at a time, a day or
                // two after they pass; one in ten is pulled in a little instead, one in
                // six left overdue.
                while estimate < end && rng.random::<f64>() > 1.0 / 6.0 {
                    let when = estimate
                        + rng.random_range(0..3) * DAY
                        + rng.random_range(8..19) * DAY / 24;
                    if when >= end {
                        break;
                    }
                    let before = estimate;
                    if rng.random::<f64>() < 0.1 {
                        estimate -= rng.random_range(1..5) * DAY;
                        change(
                            when.max(created),
                            "expected_close_at",
                            date(before),
                            date(estimate),
                        );
                        break;
                    }
                    estimate += rng.random_range(14..43) * DAY;
                    if rng.random::<f64>() < 0.35 {
                        estimate = day_of(month_end(estimate));
                    }
                    change(
                        when.max(created),
                        "expected_close_at",
                        date(before),
                        date(estimate),
                    );
                }
                estimate
            }
        };
        (Some(expected), Some(probability))
    }

    /// Payments lag the win; a quarter come in two parts, a few are never paid, and a few
    /// are partly refunded.
    fn pay(&mut self, deal: &str, amount: i64, won_at: i64) {
        let rng = &mut self.rng;
        let lag = (2.0 + exp(rng, 12.0)) * DAY as f64;
        let first = won_at + lag as i64;
        let r = rng.random::<f64>();
        // A prepayment and the rest, or monthly instalments: one to four parts.
        let count = if r < 0.04 {
            0
        } else {
            1 + weighted(rng, &[0.34, 0.35, 0.21, 0.10])
        };
        let mut parts: Vec<(i64, i64)> = Vec::with_capacity(count + 1);
        let (mut at, mut left) = (first, amount);
        for k in 0..count {
            let share = if k + 1 == count {
                left
            } else if k == 0 {
                amount * [30, 50][rng.random_range(0..2)] / 100
            } else {
                left / (count - k) as i64
            };
            parts.push((at, share));
            left -= share;
            at += rng.random_range(10..45) * DAY;
        }
        if !parts.is_empty() && rng.random::<f64>() < 0.03 {
            let last = parts[parts.len() - 1].0;
            parts.push((last + rng.random_range(5..60) * DAY, -(amount / 10)));
        }
        for (at, value) in parts.into_iter().filter(|(at, _)| *at <= self.end) {
            let p = &mut self.out.payments;
            p.deal.push(deal.to_string());
            p.at.push(at);
            p.amount.push(value);
        }
    }
}
