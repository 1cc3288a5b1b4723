//! The contacts around a deal: everyday touches while it sits at a stage, service after a
//! win, the follow-up call after an invoice, inbound inquiries, and the contact row itself.

use rand::Rng;

use super::super::world::{DAY, exp, weighted};
use super::{ACTIVITY, ACTIVITY_WEIGHTS, Sim, client_id};

impl Sim<'_> {
    /// Touches between `from` and `to` while a deal is at a stage: calls, emails, planned
    /// tasks, messages, inquiries and meetings, about one every day and a half (telephony
    /// integrations log every call, so a deal has about ten contacts).
    pub(super) fn activity(&mut self, client: usize, m: usize, deal: &str, from: i64, to: i64) {
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
    pub(super) fn service(&mut self, client: usize, m: usize, deal: &str, won: i64) {
        let calls = weighted(&mut self.rng, &[0.2, 0.35, 0.3, 0.15]);
        let mut at = won;
        for _ in 0..calls {
            at += (exp(&mut self.rng, 9.0) * DAY as f64) as i64 + 3_600_000;
            self.contact(client, m, deal, None, at, "call");
        }
    }

    /// The call after an invoice: within two days when the manager is diligent.
    pub(super) fn follow_up(&mut self, client: usize, m: usize, deal: &str, invoiced: i64) -> bool {
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
    pub(super) fn organic_inquiry(&mut self, client: usize, m: usize, deal: &str, call_at: i64) {
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

    pub(super) fn contact(
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
}
