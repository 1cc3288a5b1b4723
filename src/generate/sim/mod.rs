//! The life of each generated deal: it moves through the stages with chances shaped by its
//! manager, campaign and segment; it may skip a stage, go back for renegotiation, get stuck,
//! be lost with a reason, or be won and then paid (late, in parts, sometimes refunded).
//! Clients who won come back after their usual interval, and some stop buying.
//!
//! [`touches`] writes the contacts around a deal; [`ledger`] what the CRM logs of its
//! money: expected close dates, amount changes and payments.

mod ledger;
mod touches;

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

    /// One deal's life: its stages, contacts, close, money and changes.
    ///
    /// Kept whole (it runs over 80 lines): every random draw comes from the same generators in
    /// a fixed order, and sample-data must stay byte-identical to the generator's output
    /// (tests/cli.rs); split, the order of draws is easy to change by accident.
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

    fn entry(&mut self, deal: &str, stage: usize, t: i64, m: usize) {
        let h = &mut self.out.history;
        h.deal.push(deal.to_string());
        h.stage.push(world::STAGES[stage]);
        h.at.push(t);
        h.manager.push(self.managers[m].id.clone());
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
}
