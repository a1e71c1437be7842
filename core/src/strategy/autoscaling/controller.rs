//! The auto-scaling controller beside the primary: demand per region from the reads its
//! replicas report, the replicas it wants (reactive, or provisioned ahead of the sale),
//! scaling up and down, billing replica time, and the timeline the page charts.

use super::*;

impl AutoscalingNode {
    pub(super) fn tick(&mut self, now_us: u64, out: &mut Out<Msg, Timer>) {
        self.ship(out);
        self.bill(now_us);
        if now_us >= self.primary.next_control_us {
            self.primary.next_control_us = now_us + self.config.report_interval_us;
            self.forget_silent(now_us);
            if self.config.policy == Policy::Prescaled && !self.primary.prescaled {
                self.plan_sale(now_us);
            }
            for region in 0..REGIONS.len() {
                self.control_region(region, now_us, out);
            }
            self.record_point(now_us);
        }
        out.set_timer(SHIP_US, Timer::Tick);
    }

    pub(super) fn bill(&mut self, now_us: u64) {
        let elapsed = now_us.saturating_sub(self.primary.last_tick_us) as f64;
        self.primary.last_tick_us = now_us;
        let cost: f64 = self
            .primary
            .slots
            .iter()
            .filter(|slot| slot.phase.billed())
            .map(|slot| COST_MULTIPLIERS[slot.region])
            .sum();
        self.primary.cost_replica_us += cost * elapsed;
    }

    pub(super) fn forget_silent(&mut self, now_us: u64) {
        for slot in &mut self.primary.slots {
            let silent = now_us.saturating_sub(slot.last_heard_us) > GONE_AFTER_US;
            if slot.phase != Phase::Off && silent {
                slot.phase = Phase::Off;
                slot.next_lsn = 0;
                slot.last_report = None;
            }
        }
    }

    /// Reads per second asked of a region's serving replicas in the last interval, and
    /// their utilisation.
    pub(super) fn demand(&self, region: usize) -> (f64, f64, usize) {
        let interval_s = self.config.report_interval_us as f64 / 1e6;
        let mut reads = 0.0;
        let mut busy = 0.0;
        let mut serving = 0;
        for slot in self.primary.slots.iter().filter(|slot| slot.region == region && slot.phase == Phase::Ready) {
            if let Some(report) = slot.last_report {
                reads += f64::from(report.received) / interval_s;
                busy += report.busy_us as f64;
            }
            serving += 1;
        }
        let utilisation = busy / (self.config.report_interval_us as f64 * serving.max(1) as f64);
        (reads, utilisation, serving)
    }

    pub(super) fn wanted(&self, reads_s: f64) -> usize {
        let per_replica = self.config.capacity_reads_s() * self.config.target_utilisation;
        ((reads_s / per_replica.max(1.0)).ceil() as usize).clamp(1, self.config.slots_per_region)
    }

    pub(super) fn plan_sale(&mut self, now_us: u64) {
        // The forecast needs a measured baseline: every serving replica has reported.
        let measured =
            self.primary.slots.iter().filter(|slot| slot.phase == Phase::Ready).all(|slot| slot.last_report.is_some());
        if now_us + self.config.prescale_lead_us < self.config.sale_at_us || !measured {
            return;
        }
        self.primary.prescaled = true;
        for region in 0..REGIONS.len() {
            let (reads, _, _) = self.demand(region);
            self.primary.regions[region].planned = self.wanted(reads * self.config.sale_multiplier);
        }
    }

    pub(super) fn control_region(&mut self, region: usize, now_us: u64, out: &mut Out<Msg, Timer>) {
        let (reads, utilisation, serving) = self.demand(region);
        let booting = self.count(region, |phase| matches!(phase, Phase::Snapshot | Phase::CatchUp));
        let floor = if self.primary.prescaled { self.primary.regions[region].planned } else { 1 };
        let wanted = self.wanted(reads).max(floor);
        let state = self.primary.regions[region];
        let cooled = state.last_scale_up_us.is_none_or(|at| now_us.saturating_sub(at) >= self.config.cooldown_us);
        if wanted > serving + booting && (cooled || floor > serving + booting) {
            self.scale_up(region, wanted - serving - booting, now_us, out);
            self.primary.regions[region].low_since_us = None;
        } else if serving > floor.max(1) && booting == 0 && utilisation < self.config.scale_down_utilisation {
            let since = *self.primary.regions[region].low_since_us.get_or_insert(now_us);
            if now_us.saturating_sub(since) >= self.config.scale_down_stable_us {
                self.scale_down(region, now_us, out);
                self.primary.regions[region].low_since_us = None;
            }
        } else {
            self.primary.regions[region].low_since_us = None;
        }
    }

    pub(super) fn count(&self, region: usize, phase: impl Fn(Phase) -> bool) -> usize {
        self.primary.slots.iter().filter(|slot| slot.region == region && phase(slot.phase)).count()
    }

    pub(super) fn scale_up(&mut self, region: usize, count: usize, now_us: u64, out: &mut Out<Msg, Timer>) {
        let donor = self
            .primary
            .slots
            .iter()
            .find(|slot| slot.region == region && slot.phase == Phase::Ready)
            .map(|slot| slot.node);
        let mut started = 0;
        for slot in self.primary.slots.iter_mut().filter(|slot| slot.region == region && slot.phase == Phase::Off) {
            if started == count {
                break;
            }
            slot.phase = Phase::Snapshot;
            slot.next_lsn = 0;
            slot.last_heard_us = now_us;
            slot.last_report = None;
            // The primary's id is 0: it is the donor when the region serves from nowhere.
            out.send(slot.node, Msg::Provision { donor: donor.unwrap_or(NodeId::new(0)) });
            started += 1;
        }
        if started > 0 {
            self.primary.regions[region].last_scale_up_us = Some(now_us);
            self.action(now_us, region, started as i64);
        }
    }

    pub(super) fn scale_down(&mut self, region: usize, now_us: u64, out: &mut Out<Msg, Timer>) {
        let last = self.primary.slots.iter_mut().rev().find(|slot| slot.region == region && slot.phase == Phase::Ready);
        if let Some(slot) = last {
            slot.phase = Phase::Off;
            slot.next_lsn = 0;
            out.send(slot.node, Msg::Decommission);
            self.action(now_us, region, -1);
        }
    }

    pub(super) fn action(&mut self, now_us: u64, region: usize, change: i64) {
        if self.primary.log_out.actions.len() < TIMELINE_MAX {
            self.primary.log_out.actions.push(ScaleAction { t_ms: now_us / 1000, region: region_name(region), change });
        }
    }

    pub(super) fn record_point(&mut self, now_us: u64) {
        let mut serving = [0u8; REGIONS.len()];
        let mut booting = [0u8; REGIONS.len()];
        for slot in &self.primary.slots {
            match slot.phase {
                Phase::Ready => serving[slot.region] += 1,
                Phase::Snapshot | Phase::CatchUp => booting[slot.region] += 1,
                _ => {}
            }
        }
        let total = serving.iter().chain(&booting).map(|count| u32::from(*count)).sum::<u32>();
        let log = &mut self.primary.log_out;
        log.replicas_max = log.replicas_max.max(total);
        if log.timeline.len() < TIMELINE_MAX {
            log.timeline.push(ScalePoint { t_ms: now_us / 1000, serving, booting });
        }
    }

    // ---- replica ----
}
